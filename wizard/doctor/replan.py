"""The fix, verified by the planner: predict the log's own command with the fix applied.

When the log shows the command (wizard.doctor.command) and the model and hardware are known, every
setting the log shows is pinned, the diagnosis's change is applied, and the planner's prediction
(the pure path: nothing re-chosen) says whether that starts. Where the log's figures alone give no
setting (no memory left for the KV cache), the planner searches for the smallest change that
starts. The caller builds the requests (model facts and hardware are I/O, which stays above).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from wizard.doctor.command import LoggedCommand
from wizard.doctor.diagnose import Diagnosis, DoctorReport
from wizard.errors import WizardError
from wizard.planner.settings import SETTINGS

RequestFor = Callable[[dict[str, Any]], Any]  # pins → PlanRequest


def command_of_record(record) -> LoggedCommand:
    """The settings a wizard launch record says it started vLLM with."""
    settings = {k: v for k, v in dict(record.predicted.settings).items() if k in SETTINGS}
    settings["model"] = record.predicted.model_ref
    return LoggedCommand(settings, record.predicted.vllm_version, "launch record")


# vLLM's defaults for the memory-moving settings a log leaves out (it prints only what differs): pinned,
# so the planner predicts that command instead of choosing (fp8 KV, a lower utilization, ...).
_VLLM_DEFAULTS = {"kv_cache_dtype": "auto", "enforce_eager": False, "cpu_offload_gb": 0.0}


def pins_of(command: LoggedCommand, version: str | None = None) -> dict[str, Any]:
    """The log's settings the planner can pin (parsed as `--set` would parse them), and the release's
    defaults for the memory-moving ones the log leaves out."""
    from wizard.planner.versions import VllmVersion

    pins: dict[str, Any] = dict(_VLLM_DEFAULTS)
    if version:
        try:
            pins["gpu_memory_utilization"] = VllmVersion.parse(version).default_gpu_memory_utilization
        except (ValueError, WizardError):
            pass
    for key, value in command.settings.items():
        spec = SETTINGS.get(key)
        if spec is None or value is None:
            continue
        try:
            pins[key] = spec.parse(str(value).lower() if isinstance(value, bool) else str(value))
        except (ValueError, TypeError):
            continue
    return pins


def _apply(pins: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    out = dict(pins)
    for key, value in change.items():
        if key not in SETTINGS:
            continue
        if value is None:
            out.pop(key, None)  # "drop the flag": the release's default applies
        else:
            out[key] = value
    return out


def plan_or_none(request):
    """The plan for `request`, or None where the planner refuses its pins (the doctor's verification
    and a failed start's re-plan both treat that as "not offered", never as a traceback)."""
    from wizard.planner.plan import make_plan

    try:
        return make_plan(request)
    except (ValueError, TypeError, ArithmeticError, WizardError):
        return None


def _predict(request_for: RequestFor, pins: dict[str, Any]):
    return plan_or_none(request_for(pins))  # None: the fix stays unverified


def _verify(diagnosis: Diagnosis, pins: dict[str, Any], request_for: RequestFor) -> Diagnosis:
    if diagnosis.set is not None:
        plan = _predict(request_for, _apply(pins, diagnosis.set))
        if plan is not None and plan.ok:
            return replace(diagnosis, verified=True, predicted_kv_tokens=plan.kv_cache_tokens)
        return diagnosis
    if diagnosis.code == "no_kv_cache_memory":
        from wizard.planner.choose import UTIL_CEILING  # the search stops where the chooser's own does

        current = pins.get("gpu_memory_utilization")
        start = int(round((current if isinstance(current, float) else 0.9) * 100)) + 1
        for percent in range(start, int(round(UTIL_CEILING * 100)) + 1):
            change = {"gpu_memory_utilization": percent / 100}
            plan = _predict(request_for, _apply(pins, change))
            if plan is not None and plan.ok:
                return replace(diagnosis, set=change, verified=True, predicted_kv_tokens=plan.kv_cache_tokens)
    return diagnosis


def replan_report(report: DoctorReport, request_for: RequestFor | None) -> DoctorReport:
    """`report` with each fix that sets something verified by the planner (None: nothing known to plan with)."""
    if request_for is None or not report.diagnoses:
        return report
    try:
        version = request_for({}).vllm_version
    except (ValueError, TypeError):
        return report
    pins = pins_of(report.command, version)
    return replace(report, diagnoses=tuple(_verify(d, pins, request_for) for d in report.diagnoses))
