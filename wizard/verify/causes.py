"""The likely cause and the fix for each kind of failure, from what the plan knows about the server.

Every sentence is a catalog message. The mechanisms (shared/seeds): GPTQ checkpoints on GPUs below
compute capability 8.0 (T4, V100) and on old vLLM run the exllama kernel, whose fast path for
prompts under ~50 tokens produced NaN logits ("!!!!", Qwen's token 0) while longer prompts went
through the dequantize-then-matmul path and were fine; float16 overflows in models trained in
bfloat16 produce the same NaN shape on any prompt; a missing --reasoning-parser leaves the
thinking text in `content`; a missing or wrong --tool-call-parser leaves tool calls as text.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.i18n import Message, msg
from wizard.verify.expect import Expectations
from wizard.verify.form import Degeneracy


@dataclass(frozen=True)
class Diagnosis:
    cause: Message
    fix: Message


def _below_ampere(exp: Expectations) -> bool:
    cc = exp.compute_capability
    try:
        return cc is not None and float(cc) < 8.0
    except ValueError:
        return False


def degenerate(kind: Degeneracy, *, short_only: bool, exp: Expectations) -> Diagnosis:
    quant = (exp.checkpoint_quantization or "").lower()
    if kind == "empty":
        return Diagnosis(msg("verify.cause.empty"), msg("verify.fix.empty"))
    if kind == "replacement_chars":
        return Diagnosis(msg("verify.cause.replacement"), msg("verify.fix.replacement"))
    if short_only and "gptq" in quant:
        return Diagnosis(msg("verify.cause.gptq_short", gpu=exp.gpu_name or msg("verify.this_gpu")), msg("verify.fix.gptq_short"))
    if short_only:
        return Diagnosis(msg("verify.cause.short_path"), msg("verify.fix.short_path"))
    if quant:
        fix = msg("verify.fix.quant_nan_old_gpu") if _below_ampere(exp) else msg("verify.fix.quant_nan")
        return Diagnosis(msg("verify.cause.quant_nan", quant=quant), fix)
    if exp.dtype in {"float16", "half"} or (exp.dtype in {None, "auto"} and _below_ampere(exp)):
        return Diagnosis(msg("verify.cause.fp16_overflow"), msg("verify.fix.fp16_overflow"))
    return Diagnosis(msg("verify.cause.nan_logits"), msg("verify.fix.nan_logits"))


def thinking_leak(tag: str, exp: Expectations) -> Diagnosis:
    if exp.reasoning_parser is None:
        return Diagnosis(msg("verify.cause.no_reasoning_parser", tag=tag), msg("verify.fix.add_reasoning_parser"))
    return Diagnosis(msg("verify.cause.wrong_reasoning_parser", parser=exp.reasoning_parser, tag=tag),
                     msg("verify.fix.wrong_reasoning_parser"))


def no_reasoning(exp: Expectations) -> Diagnosis:
    return Diagnosis(msg("verify.cause.no_reasoning", parser=exp.reasoning_parser or "-"),
                     msg("verify.fix.no_reasoning"))


def tool_as_text(markup: str, exp: Expectations) -> Diagnosis:
    if exp.tool_call_parser is None:
        return Diagnosis(msg("verify.cause.tool_no_parser", markup=markup), msg("verify.fix.tool_add_parser"))
    return Diagnosis(msg("verify.cause.tool_wrong_parser", parser=exp.tool_call_parser, markup=markup),
                     msg("verify.fix.tool_wrong_parser"))


def tool_not_called(exp: Expectations) -> Diagnosis:
    return Diagnosis(msg("verify.cause.tool_not_called"), msg("verify.fix.tool_not_called"))


def auto_tool_choice_off() -> Diagnosis:
    return Diagnosis(msg("verify.cause.auto_tool_off"), msg("verify.fix.auto_tool_off"))


def context_mismatch(served: int, planned: int) -> Diagnosis:
    cause = msg("verify.cause.context_lower") if served < planned else msg("verify.cause.context_other")
    return Diagnosis(cause, msg("verify.fix.context", planned=planned))


def slow_decode(measured: float, predicted: float) -> Diagnosis:
    return Diagnosis(msg("verify.cause.slow", pct=100.0 * (1 - measured / predicted)), msg("verify.fix.slow"))


def stalled() -> Diagnosis:
    return Diagnosis(msg("verify.cause.stalled"), msg("verify.fix.stalled"))


def refused(status: int) -> Diagnosis:
    if status in {401, 403}:
        return Diagnosis(msg("verify.cause.unauthorized"), msg("verify.fix.unauthorized"))
    return Diagnosis(msg("verify.cause.request_refused", status=status), msg("verify.fix.request_refused"))
