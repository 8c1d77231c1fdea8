"""Suggestions for a checked command: each one minimal change (settings to set, flags to drop),
verified by predicting the command again with it applied; then the corrected command, all of them
applied together and predicted once more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from wizard.check.command import ParsedCommand
from wizard.check.findings import Finding, visible_gpus
from wizard.i18n import Message, msg
from wizard.planner.checks import FP16_UNSAFE_MODELS
from wizard.planner.choose import max_util_for_free, select_gpus
from wizard.planner.plan import Plan, make_plan
from wizard.planner.settings import SETTINGS
from wizard.planner.utilization import UTIL_CEILING
from wizard.planner.versions import VllmVersion

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
# Fixes that trade memory: only one is applied to the corrected command (the first that starts).
MEMORY_CODES = ("use_all_gpus", "raise_gpu_memory_utilization", "lower_gpu_memory_utilization",
                "lower_max_model_len", "fp8_kv_cache")


@dataclass(frozen=True)
class Suggestion:
    code: str
    message: Message
    set: dict[str, Any]
    unset: tuple[str, ...]
    predicted: Plan
    parse_ok: bool = True  # no flag the release refuses is left after this change

    @property
    def ok(self) -> bool:
        return self.predicted.ok and self.parse_ok

    def contract(self) -> dict:
        p = self.predicted
        out: dict[str, Any] = {"ok": self.ok, "kv_cache_tokens": max(0, p.kv_cache_tokens),
                               "max_concurrency": round(max(0.0, p.max_concurrency), 2)}
        if not p.ok:
            out["failure"] = {"code": p.failure_code, "message": p.failure_message}
        elif not self.parse_ok:
            out["failure"] = {"code": "unknown_argument", "message": str(msg("check.suggest.still_refused"))}
        return {"code": self.code, "message": str(self.message), "set": dict(self.set), "unset": list(self.unset),
                "predicted": out}


@dataclass
class Edits:
    """Settings to set and flags to drop, in the order they were decided."""

    set: dict[str, Any] = field(default_factory=dict)
    unset: list[str] = field(default_factory=list)

    def add(self, sets: dict[str, Any], unsets: tuple[str, ...]) -> None:
        for name in unsets:
            self.set.pop(name, None)
            if name not in self.unset:
                self.unset.append(name)
        for name, value in sets.items():
            if name in self.unset:
                self.unset.remove(name)
            self.set[name] = value


def predict(plan: Plan, pins: dict[str, Any]) -> Plan:
    return make_plan(plan.request.model_copy(update={"pinned": pins}), exact=True)


def apply_pins(pins: dict[str, Any], sets: dict[str, Any], unsets: tuple[str, ...] | list[str]) -> dict[str, Any]:
    out = {k: v for k, v in pins.items() if k not in unsets}

    out.update({k: v for k, v in sets.items() if k in SETTINGS})
    return out


def snake(option: str) -> str | None:
    name = option.split("=", 1)[0].lstrip("-").replace("-", "_").lower()
    return name if _SNAKE.match(name) else None


def _tp(n: int, pp: int) -> dict[str, int]:
    return {"tensor_parallel_size": n, **({"pipeline_parallel_size": 1} if pp != 1 else {})}


def _largest_tp(heads: int, gpus: int) -> int:
    return max((n for n in range(1, gpus + 1) if heads % n == 0), default=1)


def _candidates(parsed: ParsedCommand, plan: Plan, findings: list[Finding]) -> list[tuple[str, Message, dict, tuple]]:
    s, model, request = plan.settings, plan.request.model, plan.request
    version = VllmVersion.parse(plan.version)
    codes = {f.code for f in findings}
    out: list[tuple[str, Message, dict, tuple]] = []
    gpus = select_gpus(request)
    visible = visible_gpus(parsed, len(gpus))
    tp, pp = s.tensor_parallel_size, s.pipeline_parallel_size
    cc = gpus[0].cc_tuple
    heads = model.arch.num_attention_heads
    for f in findings:
        if f.code in {"unknown_argument", "invalid_value"} and f.flag:
            name = snake(f.flag)
            if name:
                out.append(("remove_" + f.code, msg("check.suggest.remove_flag", flag=f.flag), {}, (name,)))
    if plan.failure_code in {"tp_not_divisor"} or "tensor_parallel_size_mismatch" in codes and tp * pp > visible:
        n = _largest_tp(heads, visible)
        out.append(("fix_tensor_parallel_size", msg("check.suggest.tp", tp=n, heads=heads, gpus=visible),
                    _tp(n, pp), ()))
    if plan.failure_code == "max_model_len_exceeds_model":
        out.append(("max_model_len_to_model", msg("check.suggest.model_len", length=plan.derived_max_len),
                    {"max_model_len": plan.derived_max_len}, ()))
    if plan.failure_code == "unsupported_dtype":
        if s.kv_cache_dtype.startswith("fp8") and cc is not None and cc < (8, 0):
            out.append(("kv_cache_dtype_auto", msg("check.suggest.kv_auto"), {"kv_cache_dtype": "auto"}, ()))
        else:
            if s.dtype in {"bfloat16", "auto"}:  # bfloat16 below compute capability 8.0
                dtype = "float32" if model.model_type in FP16_UNSAFE_MODELS else "float16"
            else:
                dtype = "bfloat16" if cc is None or cc >= (8, 0) else "float32"
            out.append(("change_dtype", msg("check.suggest.dtype", dtype=dtype), {"dtype": dtype}, ()))
    if "quantization_mismatch" in codes:
        declared = model.quantization
        if declared is not None:
            out.append(("fix_quantization", msg("check.suggest.quantization", method=declared.method),
                        {"quantization": declared.method}, ()))
        else:
            out.append(("remove_quantization", msg("check.suggest.no_quantization"), {}, ("quantization",)))
    parsers = model.parsers
    if "missing_reasoning_parser" in codes or "unknown_reasoning_parser" in codes:
        if parsers.reasoning_parser:
            out.append(("set_reasoning_parser", msg("check.suggest.reasoning_parser", parser=parsers.reasoning_parser),
                        {"reasoning_parser": parsers.reasoning_parser}, ()))
    if "missing_tool_call_parser" in codes or "unknown_tool_call_parser" in codes:
        if parsers.tool_call_parser:
            out.append(("set_tool_call_parser", msg("check.suggest.tool_call_parser", parser=parsers.tool_call_parser),
                        {"tool_call_parser": parsers.tool_call_parser}, ()))
        else:
            out.append(("disable_auto_tool_choice", msg("check.suggest.no_auto_tool"), {}, ("enable_auto_tool_choice",)))
    if "api_key_in_command" in codes:
        out.append(("api_key_from_environment", msg("check.suggest.api_key_env"), {}, ("api_key",)))
    if "hf_token_in_command" in codes:
        out.append(("hf_token_from_environment", msg("check.suggest.hf_token_env"), {}, ("hf_token",)))
    if "trust_remote_code_unneeded" in codes:
        out.append(("remove_trust_remote_code", msg("check.suggest.no_remote_code"), {}, ("trust_remote_code",)))
    # Memory: each alone, cheapest in quality first.
    short = plan.failure_code in {"max_model_len_exceeds_kv_cache", "no_kv_cache_memory", "weights_exceed_memory"}
    cap = max_util_for_free(gpus[: tp * pp] or gpus[:1], version, tp, pp, plan.worst.cuda_graph)
    if short or "tensor_parallel_size_mismatch" in codes and tp * pp < visible:
        n = _largest_tp(heads, visible)
        if n > tp * pp:
            out.append(("use_all_gpus", msg("check.suggest.all_gpus", tp=n), _tp(n, pp), ()))
    util = s.gpu_memory_utilization
    if short and min(UTIL_CEILING, cap) > util + 0.005:
        target = min(UTIL_CEILING, cap)
        out.append(("raise_gpu_memory_utilization", msg("check.suggest.raise_util", util=target),
                    {"gpu_memory_utilization": target}, ()))
    if plan.failure_code == "free_memory_below_request" or "gpu_memory_utilization_high" in codes:
        target = min(version.default_gpu_memory_utilization, UTIL_CEILING, cap)
        for candidate in sorted({round(target, 2), round(target - 0.02, 2), round(target - 0.04, 2)}, reverse=True):
            if 0 < candidate < util:
                out.append(("lower_gpu_memory_utilization", msg("check.suggest.lower_util", util=candidate),
                            {"gpu_memory_utilization": candidate}, ()))
    if short and 0 < plan.max_fitting_len < s.max_model_len:
        length = plan.max_fitting_len // 1024 * 1024 or plan.max_fitting_len
        out.append(("lower_max_model_len", msg("check.suggest.cap_len", length=length), {"max_model_len": length}, ()))
    if short and s.kv_cache_dtype == "auto" and cc is not None and cc >= (8, 9) and "fp8" in version.kv_cache_dtypes:
        out.append(("fp8_kv_cache", msg("check.suggest.fp8_kv"), {"kv_cache_dtype": "fp8"}, ()))
    return out


def _parse_errors(parsed: ParsedCommand, findings: list[Finding], unset: tuple[str, ...] | list[str]) -> bool:
    """True when no flag the release refuses remains after `unset`."""
    for f in findings:
        if f.code in {"unknown_argument", "invalid_value"}:
            if not f.flag or snake(f.flag) not in unset:
                return False
    return True


def suggest(parsed: ParsedCommand, plan: Plan, findings: list[Finding]) -> list[Suggestion]:
    """Each candidate re-predicted alone; those that make things no worse are offered (memory fixes
    only when they start); one per code, except utilization where the first that starts wins."""
    out: list[Suggestion] = []
    seen: set[str] = set()
    base = dict(plan.request.pinned)
    for code, message, sets, unsets in _candidates(parsed, plan, findings):
        if code in seen:
            continue
        trial = predict(plan, apply_pins(base, sets, unsets))
        parse_ok = _parse_errors(parsed, findings, unsets)
        memory = code in MEMORY_CODES
        if memory and not trial.ok or not memory and plan.ok and not trial.ok:
            continue
        seen.add(code)
        out.append(Suggestion(code, message, dict(sets), tuple(unsets), trial, parse_ok))
    return out


def corrected(parsed: ParsedCommand, plan: Plan, findings: list[Finding],
              suggestions: list[Suggestion]) -> tuple[Edits, Plan]:
    """Every non-memory suggestion; a utilization above the ceiling (wizard.planner.utilization) lowered; then, while it still fails,
    the first memory suggestion that starts, else max-model-len capped to what fits. Predicted together."""
    edits = Edits()
    for sug in suggestions:
        if sug.code not in MEMORY_CODES:
            edits.add(sug.set, sug.unset)
    base = dict(plan.request.pinned)

    def attempt(sets: dict[str, Any]) -> tuple[Edits, Plan]:
        trial_edits = Edits(dict(edits.set), list(edits.unset))
        trial_edits.add(sets, ())
        return trial_edits, predict(plan, apply_pins(base, trial_edits.set, trial_edits.unset))

    result = predict(plan, apply_pins(base, edits.set, edits.unset))
    if any(f.code == "gpu_memory_utilization_high" for f in findings) or result.failure_code == "free_memory_below_request":
        s = result.settings
        version = VllmVersion.parse(plan.version)
        gpus = select_gpus(plan.request)
        used = gpus[: s.tensor_parallel_size * s.pipeline_parallel_size] or gpus[:1]
        cap = max_util_for_free(used, version, s.tensor_parallel_size, s.pipeline_parallel_size,
                                result.worst.cuda_graph)
        target = round(min(version.default_gpu_memory_utilization, UTIL_CEILING, cap), 2)
        if 0 < target < s.gpu_memory_utilization:
            edits, result = attempt({"gpu_memory_utilization": target})
    if not result.ok:
        for sug in suggestions:
            if sug.code in MEMORY_CODES and sug.code != "raise_gpu_memory_utilization" or \
                    sug.code == "raise_gpu_memory_utilization" and "gpu_memory_utilization" not in edits.set:
                if sug.code in {"lower_max_model_len", "lower_gpu_memory_utilization"}:
                    continue  # recomputed below for the settings as corrected so far
                trial_edits, trial = attempt(sug.set)
                if trial.ok:
                    edits, result = trial_edits, trial
                    break
    if not result.ok and result.failure_code in {"max_model_len_exceeds_kv_cache", "no_kv_cache_memory"} \
            and 0 < result.max_fitting_len < result.settings.max_model_len:
        length = result.max_fitting_len // 1024 * 1024 or result.max_fitting_len
        trial_edits, trial = attempt({"max_model_len": length})
        if trial.ok:
            edits, result = trial_edits, trial
    return edits, result


__all__ = ["Edits", "Suggestion", "corrected", "suggest"]
