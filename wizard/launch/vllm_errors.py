"""vLLM's own error text → the plan contract's failure code and the fix to offer.

Used on what the installed vLLM's parser and engine configuration refuse (validation) and on the
start-up log of a server that died. The doctor's rules (wizard.doctor.rules: each wording read from
the wheels, with its release) decide first, so validation, a failed start and `vllm-wizard doctor`
give one answer; the table below only catches what they do not word exactly (patterns quoted in
shared/research/hw-quant-matrix.md §7 and vllm-memory-model.md §7, matched loosely because wording
drifts between releases).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard.doctor import diagnose_text
from wizard.doctor.diagnose import failure_code
from wizard.i18n import msg


@dataclass(frozen=True)
class Explanation:
    code: str  # one of the plan contract's failure codes
    fix: str
    quote: str  # the line of vLLM's text that matched, as vLLM printed it


# (pattern, code, fix), for what the doctor's rules do not word. The first match wins: put the specific
# before the general.
_RULES: tuple[tuple[str, str, str], ...] = (
    ("Free memory on device.*is less than desired GPU memory utilization", "free_memory_below_request",
     msg("launch.vllm_fix.free_memory")),
    ("CUDA out of memory|OutOfMemoryError|not enough GPU memory", "weights_exceed_memory",
     msg("launch.vllm_fix.oom")),
    ("is greater than the derived max_model_len", "max_model_len_exceeds_model",
     msg("launch.vllm_fix.len_model")),
    ("must be divisible by tensor parallel size|not divisible by tensor.parallel", "tp_not_divisor",
     msg("launch.vllm_fix.tp_divisor")),
    ("Unknown quantization method|is not supported for the current GPU|Minimum capability", "unsupported_quantization",
     msg("launch.vllm_fix.quant_gpu")),
    ("[Qq]uantization method specified in the model config .* does not match|Mismatched quantization format|Cannot find the config file for", "quantization_mismatch",
     msg("launch.vllm_fix.quant_mismatch")),
    ("[Bb]float16 is only supported|bfloat16 is not supported|float16 activations|not supported for quantization method", "unsupported_dtype",
     msg("launch.vllm_fix.dtype")),
    ("invalid choice: '([^']*)'", "other",
     msg("launch.vllm_fix.invalid_choice")),
    ("unrecognized arguments", "other",
     msg("launch.vllm_fix.unrecognized")),
    ("[Rr]easoning parser .* not found|invalid reasoning parser", "other",
     msg("launch.vllm_fix.reasoning_parser")),
    ("invalid tool call parser", "other",
     msg("launch.vllm_fix.tool_parser")),
    (r"Python\.h: No such file", "other",
     msg("launch.vllm_fix.python_headers")),
    ("trust_remote_code|--trust-remote-code", "other",
     msg("launch.vllm_fix.remote_code")),
    (r"driver on your system is too old|libcudart\.so\.\d+: cannot open|no kernel image is available", "other",
     msg("launch.vllm_fix.driver_old")),
    ("Chunked prefill is required for mamba", "other",
     msg("launch.vllm_fix.mamba_chunked")),
    ("exceeds available Mamba cache blocks", "other",
     msg("launch.vllm_fix.mamba_blocks")),
    ("Unsupported CPU attention configuration", "other",
     msg("launch.vllm_fix.cpu_attention")),
    ("Address already in use", "other",
     msg("launch.vllm_fix.port")),
    ("(?:401|403).*(?:gated|Unauthorized|restricted)|GatedRepoError|Access to model .* is restricted", "other",
     msg("launch.vllm_fix.gated")),
)

_COMPILED = tuple((re.compile(p), code, fix) for p, code, fix in _RULES)


def explain(text: str) -> Explanation | None:
    """The most decisive known failure in `text` (an exception message or a whole log), or None."""
    return _doctor(text) or _loose(text)


def _doctor(text: str) -> Explanation | None:
    report = diagnose_text(text.splitlines())
    # The doctor's "unknown_failure" (an exception no rule names) is not an answer: the table below
    # may still know the wording.
    known = [d for d in report.diagnoses if d.code != "unknown_failure"]
    if not known:
        return None
    first = known[0]
    code = failure_code(first)
    if first.code == "cuda_oom" and first.phase is None:
        code = "weights_exceed_memory"  # no phase to tell: out of memory before the server ran
    return Explanation(code, first.fix, first.evidence[:500])  # the Message: each edge renders its language


def _loose(text: str) -> Explanation | None:
    for pattern, code, fix in _COMPILED:
        match = pattern.search(text)
        if match:
            line_start = text.rfind("\n", 0, match.start()) + 1
            line_end = text.find("\n", match.end())
            quote = text[line_start: line_end if line_end >= 0 else len(text)].strip()
            return Explanation(code, fix, quote[:500])
    return None


_ERROR_LINE = re.compile(r"error|exception|failed|refused|cannot|not found|too old", re.IGNORECASE)


def explain_log(log_text: str) -> Explanation | None:
    """Like `explain` on a whole log, the loose patterns only over its error lines: a start-up log also
    echoes settings such as 'trust_remote_code': True, which are not failures."""
    return _doctor(log_text) or _loose("\n".join(line for line in log_text.splitlines() if _ERROR_LINE.search(line)))
