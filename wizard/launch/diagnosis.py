"""A failed start's re-plan: the settings to pin so that the next plan answers the diagnosis.

The diagnosis itself comes from the detached launch flow (wizard.launch.watch: its `diagnose`
default, the one place that decides who reads a failed start's log). This module turns the first
diagnosis into pins for the planner, used by the app's Launch step (`r`: back to the Plan step with
them pinned) and by `serve --detach` (the `--set` flags to add):
1. the diagnosis's own change, when it carries one (the doctor's diagnoses have `set`: the settings
   computed from the log's figures);
2. else vLLM's own numbers where its message prints them (the estimated maximum model length, the
   free memory at start);
3. else the settings that free memory for the failure's kind (utilization, CUDA graphs, fp8 KV).
Each candidate is planned, and offered only when the planner predicts that it starts. Pure: the log
text is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.planner.plan import Plan


@dataclass(frozen=True)
class Replan:
    """Settings to pin for the next plan, for the diagnosis `code`."""

    code: str
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
UTIL_MARGIN = 0.02  # below the free fraction vLLM measured: other processes' memory moves a little
KV_SHORT = {"no_kv_cache_memory", "max_model_len_exceeds_kv_cache"}
OUT_OF_MEMORY = KV_SHORT | {"weights_exceed_memory", "cuda_oom"}


def _own_change(diagnosis: object, plan: Plan) -> dict[str, Any] | None:
    """The settings a diagnosis says to set (the doctor's `set`), when the planner knows each one."""
    change = getattr(diagnosis, "set", None)
    if not isinstance(change, dict) or not change:
        return None
    if any(value is None or not hasattr(plan.settings, key) for key, value in change.items()):
        return None  # "drop a flag" or a setting the planner does not model: not a pin
    return dict(change)


def _candidates(diagnosis: object, plan: Plan, log_text: str) -> list[dict[str, Any]]:
    """Pins that answer the diagnosis, most direct first (each still to be checked by planning)."""
    from wizard.planner.choose import UTIL_CEILING

    code, s = getattr(diagnosis, "code", ""), plan.settings
    out: list[dict[str, Any]] = []
    own = _own_change(diagnosis, plan)
    if own is not None:
        out.append(own)
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
    if code in OUT_OF_MEMORY:
        if code in KV_SHORT and s.gpu_memory_utilization + 0.005 < UTIL_CEILING:
            out.append({"gpu_memory_utilization": UTIL_CEILING})
        if not s.enforce_eager:
            out.append({"enforce_eager": True})  # no CUDA graphs: their memory goes to the KV cache
        if code in KV_SHORT and s.kv_cache_dtype == "auto":
            out.append({"kv_cache_dtype": "fp8"})
    if code == "unsupported_dtype" and s.dtype != "float16":
        out.append({"dtype": "float16"})
    return out


def replan_for(plan: Plan, diagnoses: Sequence[object], log_text: str = "") -> Replan | None:
    """The first candidate for the first diagnosis that the planner predicts to start, or None
    (a failure no setting fixes: a taken port, a gated model; the diagnosis's fix says what to do)."""
    from wizard.doctor.replan import plan_or_none

    for diagnosis in diagnoses[:1]:
        for pins in _candidates(diagnosis, plan, log_text):
            trial = plan_or_none(plan.request.model_copy(update={"pinned": {**plan.request.pinned, **pins}}))
            if trial is not None and trial.ok:  # None: the planner refused these pins, not offered
                return Replan(getattr(diagnosis, "code", ""), tuple(sorted(pins.items())))
    return None
