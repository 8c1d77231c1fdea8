"""From the wizard's state to what the screens show: hardware, the plan, its fixes and the command.

Pure and fast (the planner takes about a millisecond), so the app calls `derive` after every edit.
Every decision is the planner's (wizard.planner) or the launcher's (wizard.launch); this module only
assembles their inputs from the state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from screens.i18n import current_language
from screens.state import WizardState
from wizard.errors import WizardError
from wizard.hardware.catalog import catalog_hardware
from wizard.hardware.host import planned_host_memory
from wizard.model.lora_adapter import check_served_names
from wizard.planner.inputs import PlanRequest
from wizard.planner.lora import adapter_pins

if TYPE_CHECKING:
    from wizard.check.findings import Finding
    from wizard.hardware.facts import HardwareFacts
    from wizard.launch.command import LaunchCommand
    from wizard.launch.options import LaunchOptions
    from wizard.planner.fixes import Fix
    from wizard.planner.inputs import PlanRequest
    from wizard.planner.plan import Plan

ALL_INTERFACES = "0.0.0.0"
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Derived:
    hardware: HardwareFacts | None = None
    plan: Plan | None = None
    fixes: tuple[Fix, ...] = ()
    command: LaunchCommand | None = None
    error: str | None = None  # an input the planner refused (one plain sentence from wizard/)
    notices: tuple[Finding, ...] = ()  # a pasted command's check findings the plan does not show


def hardware_for(state: WizardState) -> HardwareFacts | None:
    """Detected GPUs, or catalog GPUs when the user (or a failed probe) chose the catalog."""
    hw = state.hardware
    if hw.use_catalog or hw.detected is None:
        if hw.probing and hw.detected is None and not hw.use_catalog:
            return None

        return catalog_hardware(hw.catalog_key, count=hw.catalog_count, memory_gib=hw.catalog_memory_gib)
    return hw.detected


def gpu_indices(state: WizardState) -> tuple[int, ...] | None:
    hw = state.hardware
    if hw.use_catalog or hw.detected is None:
        return None
    return hw.selected or None


def launch_options(state: WizardState) -> LaunchOptions:
    from wizard.launch.options import LaunchOptions  # noqa: PLC0415 - wizard.launch.options pulls pydantic: kept off start-up

    exp = state.exposure
    return LaunchOptions(host=ALL_INTERFACES if exp.all_interfaces else LOOPBACK, port=exp.port,
                         api_key=exp.api_key if exp.all_interfaces else None,
                         served_model_name=(state.paste.served_model_name if state.paste and state.paste.served_model_name
                                            else exp.served_model_name),
                         lora_modules=tuple(a.module for a in state.lora))


def plan_request(state: WizardState, hardware: HardwareFacts) -> PlanRequest | None:
    model = state.model
    if model.facts is None:
        return None

    hw = state.hardware
    host = planned_host_memory(hardware.source, hw.host_memory_gib, hw.host_memory_detected)
    # Adapters set what serving them needs; the user's own pins stay on top (checked to be enough).
    pinned = {**adapter_pins([a.rank for a in state.lora], state.pinned), **state.pinned}
    return PlanRequest(hardware=hardware, model=model.facts, vllm_version=state.vllm_version,
                       gpu_indices=gpu_indices(state), pinned=pinned, goals=state.goals, model_ref=model.ref,
                       host_memory_bytes=host, nodes=hw.nodes)


def lora_settings(state: WizardState) -> frozenset[str]:
    """The settings the LoRA adapters set (shown as theirs on the Plan step, not as the user's pins)."""
    if not state.lora:
        return frozenset()
    try:
        return frozenset(adapter_pins([a.rank for a in state.lora], state.pinned))
    except WizardError:
        return frozenset()


def derive(state: WizardState) -> Derived:
    try:
        hardware = hardware_for(state)
        if hardware is None:
            return Derived()
        request = plan_request(state, hardware)
        if request is None:
            return Derived(hardware=hardware)
        # The planner and the launcher load with the first plan, after the first frame (start-up).
        from wizard.launch.command import build_command  # noqa: PLC0415 - wizard.launch.command pulls pydantic: kept off start-up
        from wizard.planner.fixes import suggest_fixes  # noqa: PLC0415 - the planner (20 modules) loads after the first frame
        from wizard.planner.plan import make_plan  # noqa: PLC0415 - the planner (20 modules) loads after the first frame

        if state.lora:
            check_served_names(state.lora, launch_options(state).served_model_name)
        # A pasted command is predicted exactly: its flags pinned, the rest at the release's defaults.
        exact = state.paste is not None
        plan = make_plan(request, exact=exact)
        command = build_command(plan, launch_options(state))
        notices: tuple[Finding, ...] = ()
        fixes = tuple(suggest_fixes(plan, exact=exact))
        if state.paste is not None:
            from wizard.check.paste import extend_command, paste_review  # noqa: PLC0415 - wizard.check (30 modules) loads only when a command is pasted

            notices, more = paste_review(state.paste, plan, current_language(), planner_fixes=bool(fixes))
            command = extend_command(command, state.paste)
            # check's own suggestions (a parser, ...) after the planner's, none twice.
            fixes += tuple(f for f in more if all(f.pins != g.pins for g in fixes))
        return Derived(hardware=hardware, plan=plan, fixes=fixes, command=command, notices=notices)
    except WizardError as exc:
        return Derived(error=exc.message)
