"""The doctor's answer in the plan contract's terms, for the launcher: why the installed vLLM refused
a command (validation) or why a start failed (its log). There is one table of vLLM's wordings, the
doctor's rules (wizard.doctor.rules, each wording cited by release and file), so validation, a failed
start and `vllm-wizard doctor` give one answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.doctor.diagnose import diagnose_text, failure_code
from wizard.i18n import Message


@dataclass(frozen=True)
class Explanation:
    code: str  # one of the plan contract's failure codes
    fix: Message  # each edge renders it in its language
    quote: str  # the line of vLLM's text that matched, as vLLM printed it (secrets masked)


def explain(text: str) -> Explanation | None:
    """The most decisive known failure in `text` (an exception message or a whole log), or None."""
    report = diagnose_text(text.splitlines())
    # The doctor's "unknown_failure" (an exception no rule names) is not an answer: the caller says so itself.
    known = [d for d in report.diagnoses if d.code != "unknown_failure"]
    if not known:
        return None
    first = known[0]
    code = failure_code(first)
    if first.code == "cuda_oom" and first.phase is None:
        code = "weights_exceed_memory"  # no phase to tell: out of memory before the server ran
    return Explanation(code, first.fix, first.evidence[:500])


def explain_log(log_text: str) -> Explanation | None:
    """`explain` on a whole start-up log (the doctor reads settings echoed at start-up, such as
    'trust_remote_code': True, as settings, not failures)."""
    return explain(log_text)
