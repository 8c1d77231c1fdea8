"""Each check's judgement: pure functions from what came back (and what the plan expects) to a result.

A request that failed is judged where it was needed: a stall (the engine stopped generating) or an
error status fails the check that sent it, with the server's own words as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from wizard.i18n import msg
from wizard.verify import causes
from wizard.verify.expect import Expectations
from wizard.verify.form import judge, sample, think_tags, tool_markup
from wizard.verify.http import HttpStatus, TimedOut, VerifyHttpError
from wizard.verify.replies import Reply
from wizard.verify.report import CheckResult, SpeedFigures

Outcome = Reply | VerifyHttpError
# Decode below this share of the prediction fails `speed`. The prediction is a steady-state estimate
# and verify measures through HTTP on one short stream, so small gaps are noise; half speed is not.
SLOW_FRACTION = 0.5
MIN_DECODE_TOKENS = 8  # fewer generated tokens say nothing about a decode rate


@dataclass(frozen=True)
class ModelEntry:
    id: str
    max_model_len: int | None = None


def failed_request(code: str, error: VerifyHttpError) -> CheckResult:
    """The check's own request did not complete."""
    if isinstance(error, TimedOut):
        d = causes.stalled()
        return CheckResult(code, False, error.reason, d.fix, d.cause)
    status = error.status if isinstance(error, HttpStatus) else 0
    d = causes.refused(status)
    return CheckResult(code, False, error.reason, d.fix, d.cause)


def not_run(code: str, why: str, fix: str | None = None) -> CheckResult:
    return CheckResult(code, False, msg("verify.not_run", why=why), fix or msg("verify.fix.more_time"))


def model_listed(models: list[ModelEntry], wanted: str | None) -> tuple[CheckResult, ModelEntry | None]:
    names = ", ".join(m.id for m in models) or "-"
    if not models:
        return CheckResult("model_listed", False, msg("verify.model.none"), msg("verify.fix.model_none")), None
    if wanted is None:
        return CheckResult("model_listed", True, msg("verify.model.first", model=models[0].id, names=names)), models[0]
    match = next((m for m in models if m.id == wanted), None)
    if match is None:
        return CheckResult("model_listed", False, msg("verify.model.missing", model=wanted, names=names),
                           msg("verify.fix.model_missing", names=names), msg("verify.cause.model_missing")), None
    return CheckResult("model_listed", True, msg("verify.model.ok", model=wanted)), match


def context_length(entry: ModelEntry, exp: Expectations) -> CheckResult:
    served, planned = entry.max_model_len, exp.max_model_len
    if served is None:
        return CheckResult("context_length", True, msg("verify.context.unreported"), skipped=True)
    if planned is None:
        return CheckResult("context_length", True, msg("verify.context.no_plan", served=served))
    if served == planned:
        return CheckResult("context_length", True, msg("verify.context.ok", served=served))
    d = causes.context_mismatch(served, planned)
    return CheckResult("context_length", False, msg("verify.context.mismatch", served=served, planned=planned),
                       d.fix, d.cause)


def degenerate_output(short: Outcome, long: Outcome, exp: Expectations) -> CheckResult:
    if isinstance(short, VerifyHttpError):
        return failed_request("degenerate_output", short)
    if isinstance(long, VerifyHttpError):
        return failed_request("degenerate_output", long)
    a, b = judge(short.text), judge(long.text)
    long_tokens = long.prompt_tokens if long.prompt_tokens is not None else "?"
    if not a.degenerate and not b.degenerate:
        return CheckResult("degenerate_output", True, msg("verify.degenerate.ok", short=a.sample, tokens=long_tokens,
                                                          long=b.sample))
    bad = a if a.degenerate else b
    assert bad.kind is not None  # a degenerate judgement always names its kind
    d = causes.degenerate(bad.kind, short_only=a.degenerate and not b.degenerate, exp=exp)
    kind = {"empty": msg("verify.kind.empty"), "repeated_char": msg("verify.kind.repeated_char"),
            "replacement_chars": msg("verify.kind.replacement_chars")}[bad.kind]
    if a.degenerate and b.degenerate:
        evidence = msg("verify.degenerate.both", kind=kind, short=a.sample, long=b.sample, tokens=long_tokens)
    elif a.degenerate:
        evidence = msg("verify.degenerate.short_only", kind=kind, short=a.sample, long=b.sample, tokens=long_tokens)
    else:
        evidence = msg("verify.degenerate.long_only", kind=kind, short=a.sample, long=b.sample, tokens=long_tokens)
    return CheckResult("degenerate_output", False, evidence, d.fix, d.cause)


def reasoning_leak(answers: list[Outcome], probe: Outcome | None, exp: Expectations) -> CheckResult:
    """`answers`: replies to ordinary prompts; `probe`: the thinking request, sent when a parser is set."""
    for outcome in [*answers, *([probe] if probe is not None else [])]:
        if isinstance(outcome, Reply):
            tag = think_tags(outcome.content)
            if tag:
                d = causes.thinking_leak(tag, exp)
                return CheckResult("reasoning_leak", False,
                                   msg("verify.reasoning.leak", tag=tag, sample=sample(outcome.content)), d.fix, d.cause)
    if exp.reasoning_parser is None:
        return CheckResult("reasoning_leak", True, msg("verify.reasoning.no_parser_clean"))
    if isinstance(probe, VerifyHttpError):
        return failed_request("reasoning_leak", probe)
    if probe is not None and probe.reasoning.strip():
        return CheckResult("reasoning_leak", True, msg("verify.reasoning.ok", parser=exp.reasoning_parser,
                                                       chars=len(probe.reasoning)))
    d = causes.no_reasoning(exp)
    shown = sample(probe.content) if probe is not None else ""
    return CheckResult("reasoning_leak", False, msg("verify.reasoning.missing", parser=exp.reasoning_parser,
                                                    sample=shown), d.fix, d.cause)


def tool_call(reply: Outcome | None, exp: Expectations) -> CheckResult:
    if exp.tool_call_parser is None:
        return CheckResult("tool_call", True, msg("verify.tool.skipped"), skipped=True)
    if isinstance(reply, HttpStatus) and reply.status == 400 and "auto" in reply.detail and "tool" in reply.detail:
        d = causes.auto_tool_choice_off()
        return CheckResult("tool_call", False, reply.reason, d.fix, d.cause)
    if isinstance(reply, VerifyHttpError):
        return failed_request("tool_call", reply)
    assert reply is not None
    calls = [c for c in reply.tool_calls if c.name]
    if calls:
        call = calls[0]
        return CheckResult("tool_call", True, msg("verify.tool.ok", name=call.name, arguments=sample(call.arguments, 60)))
    markup = tool_markup(reply.text)
    if markup:
        d = causes.tool_as_text(markup, exp)
        return CheckResult("tool_call", False, msg("verify.tool.as_text", sample=sample(reply.content)), d.fix, d.cause)
    d = causes.tool_not_called(exp)
    if reply.finish_reason == "length":
        evidence = msg("verify.tool.cut_off", sample=sample(reply.content))
    else:
        evidence = msg("verify.tool.not_called", sample=sample(reply.content))
    return CheckResult("tool_call", False, evidence, d.fix, d.cause)


def speed(ttft_from: Outcome, decode_from: Outcome, exp: Expectations,
          first_token_s: float | None = None) -> tuple[CheckResult, SpeedFigures]:
    """TTFT from the long prompt's reply, the decode rate from the 64-token stream; `first_token_s` is
    the shortest time to a first token seen for a short prompt (see Reply.decode_tokens_per_s)."""
    p = exp.speed
    figures = SpeedFigures(predicted_decode_tokens_per_s=p.decode_tokens_per_s, predicted_ttft_ms=p.ttft_ms,
                           predicted_ttft_prompt_tokens=p.ttft_prompt_tokens)
    if isinstance(ttft_from, Reply) and ttft_from.ttft_s is not None:
        figures = _with(figures, ttft_ms=1000 * ttft_from.ttft_s, ttft_prompt_tokens=ttft_from.prompt_tokens)
    if isinstance(decode_from, VerifyHttpError):
        return failed_request("speed", decode_from), figures
    rate, tokens = decode_from.decode_tokens_per_s(first_token_s), decode_from.generated_tokens
    figures = _with(figures, decode_tokens=tokens, decode_tokens_per_s=rate if tokens >= MIN_DECODE_TOKENS else None)
    shown = _speed_text(figures)
    if figures.decode_tokens_per_s is None:
        return CheckResult("speed", True, msg("verify.speed.too_few", tokens=tokens, figures=shown)), figures
    if p.not_applicable is not None:
        return CheckResult("speed", True, msg("verify.speed.not_applicable", figures=shown, why=p.not_applicable)), figures
    if p.decode_tokens_per_s is None:
        return CheckResult("speed", True, msg("verify.speed.no_prediction", figures=shown)), figures
    if figures.decode_tokens_per_s < SLOW_FRACTION * p.decode_tokens_per_s:
        d = causes.slow_decode(figures.decode_tokens_per_s, p.decode_tokens_per_s)
        return CheckResult("speed", False, msg("verify.speed.slow", figures=shown), d.fix, d.cause), figures
    return CheckResult("speed", True, msg("verify.speed.ok", figures=shown)), figures


def _with(figures: SpeedFigures, **changes) -> SpeedFigures:
    return replace(figures, **changes)


def _speed_text(f: SpeedFigures) -> str:
    """"TTFT 35 ms (212-token prompt; plan 215 ms at 2048); decode 41.2 tokens/s (plan 41.0)"."""
    ttft = decode = "-"
    if f.ttft_ms is not None:
        plan = msg("verify.speed.plan_ttft", ms=f.predicted_ttft_ms, tokens=f.predicted_ttft_prompt_tokens) \
            if f.predicted_ttft_ms is not None and f.predicted_ttft_prompt_tokens is not None else ""
        ttft = msg("verify.speed.ttft", ms=f.ttft_ms, tokens=f.ttft_prompt_tokens or "?", plan=plan)
    if f.decode_tokens_per_s is not None:
        plan = msg("verify.speed.plan_decode", rate=f.predicted_decode_tokens_per_s) \
            if f.predicted_decode_tokens_per_s is not None else ""
        decode = msg("verify.speed.decode", rate=f.decode_tokens_per_s, tokens=f.decode_tokens, plan=plan)
    return msg("verify.speed.figures", ttft=ttft, decode=decode)
