"""A failed start: what went wrong (from the log), and the re-plan that should fix it.

`diagnose_start` is the one function every caller asks (the detached launch flow of `serve --detach`
and of the app's Launch step). Today it reads vLLM's own error lines (wizard.launch.vllm_errors);
pointing it at the doctor's diagnosis changes every caller at once.

`replan_for` turns a diagnosis into settings to pin for the next plan, taking vLLM's own numbers
from the log where it prints them (the estimated maximum model length, the free memory at start)
and checking each candidate by planning with it: a re-plan is offered only when the planner
predicts that it starts. Pure (no I/O): the log text is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from wizard.i18n import msg

if TYPE_CHECKING:
    from wizard.planner.plan import Plan


class Diagnosis(Protocol):
    """What a diagnosis of a failed start holds (the doctor's diagnoses have these fields too)."""

    code: str
    evidence: str
    cause: str
    fix: str


@dataclass(frozen=True)
class StartDiagnosis:
    code: str
    evidence: str
    cause: str
    fix: str


def vllm_error_diagnosis(log_text: str) -> list[StartDiagnosis]:
    """The first failure vLLM's own error lines name (wizard.launch.vllm_errors)."""
    from wizard.launch.vllm_errors import explain_log

    found = explain_log(log_text)
    if found is None:
        return []
    return [StartDiagnosis(found.code, found.quote, msg("startup.diagnosis.vllm_said", quote=found.quote), found.fix)]


def diagnose_start(log_text: str) -> list[StartDiagnosis]:
    """Why a start failed, most likely cause first; empty when the log names no known failure."""
    return vllm_error_diagnosis(log_text)


@dataclass(frozen=True)
class Replan:
    """Settings to pin for the next plan, and what they change, in one line."""

    code: str  # the diagnosis it answers
    pins: tuple[tuple[str, Any], ...]  # sorted (setting, value), as the app keeps its pins

    @property
    def label(self) -> str:
        """The pins as the `--set` spelling users know: flag names and values need no translation."""
        return " ".join(f"{name.replace('_', '-')}={_shown(value)}" for name, value in self.pins)


def _shown(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


_ESTIMATED_LEN = re.compile(r"estimated maximum model length is (\d+)")
# vLLM 0.6-0.11: "Free memory on device (17.2/79.1 GiB) on startup is less than desired GPU memory
# utilization (0.9, 71.2 GiB)"
_FREE_MEMORY = re.compile(r"Free memory on device \(([\d.]+)/([\d.]+) GiB\)")
UTIL_CAP = 0.95  # the planner's own ceiling for gpu-memory-utilization
UTIL_MARGIN = 0.02  # below the free fraction vLLM measured: other processes' memory moves a little


def _candidates(code: str, plan: Plan, log_text: str) -> list[dict[str, Any]]:
    """Pins that answer `code`, most direct first (each still to be checked by planning)."""
    s = plan.settings
    out: list[dict[str, Any]] = []
    if code == "max_model_len_exceeds_kv_cache":
        found = _ESTIMATED_LEN.search(log_text)
        if found and int(found.group(1)) < s.max_model_len:
            tokens = int(found.group(1))
            out.append({"max_model_len": tokens // 1024 * 1024 or tokens})
        out.append({"max_model_len": max(256, s.max_model_len // 2 // 1024 * 1024 or s.max_model_len // 2)})
    if code == "free_memory_below_request":
        found = _FREE_MEMORY.search(log_text)
        if found and float(found.group(2)) > 0:
            util = int((float(found.group(1)) / float(found.group(2)) - UTIL_MARGIN) * 100) / 100
            if 0 < util < s.gpu_memory_utilization:
                out.append({"gpu_memory_utilization": util})
    if code in {"no_kv_cache_memory", "max_model_len_exceeds_kv_cache", "weights_exceed_memory"}:
        if s.gpu_memory_utilization + 0.005 < UTIL_CAP and code != "weights_exceed_memory":
            out.append({"gpu_memory_utilization": UTIL_CAP})
        if not s.enforce_eager:
            out.append({"enforce_eager": True})  # no CUDA graphs: their memory goes to the KV cache
        if s.kv_cache_dtype == "auto" and code != "weights_exceed_memory":
            out.append({"kv_cache_dtype": "fp8"})
    if code == "unsupported_dtype" and s.dtype != "float16":
        out.append({"dtype": "float16"})
    return out


def replan_for(plan: Plan, diagnoses: Sequence[Diagnosis], log_text: str = "") -> Replan | None:
    """The first candidate fix for the first diagnosis that the planner predicts to start, or None."""
    from wizard.planner.plan import make_plan

    for diagnosis in diagnoses[:1]:
        for pins in _candidates(diagnosis.code, plan, log_text):
            request = plan.request.model_copy(update={"pinned": {**plan.request.pinned, **pins}})
            if make_plan(request).ok:
                return Replan(diagnosis.code, tuple(sorted(pins.items())))
    return None
