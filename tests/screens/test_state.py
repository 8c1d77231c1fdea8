"""The wizard's state transitions and what it derives from them, without a terminal."""

from __future__ import annotations

from dataclasses import replace

from pydantic import SecretStr

from screens.demo import DEMO_MODEL_ID, demo_inspect, demo_probe
from screens.derive import derive, hardware_for, launch_options
from screens.state import (
    ApplyFix,
    ChooseCatalog,
    ChooseGpus,
    ClearPin,
    DownloadEnded,
    DownloadProgress,
    GoTo,
    InspectFailed,
    InspectFinished,
    InspectStarted,
    ProbeFinished,
    SetExposure,
    SetGoals,
    SetPin,
    UseCatalog,
    WizardState,
    blocked_reason,
    reduce,
)
from wizard.planner.inputs import Goals

VERSION = "0.33.0"


def _ready() -> WizardState:
    found = demo_inspect(DEMO_MODEL_ID)
    state = WizardState(vllm_version=VERSION)
    state = reduce(state, ProbeFinished(facts=demo_probe()))
    state = reduce(state, InspectStarted(DEMO_MODEL_ID))
    return reduce(state, InspectFinished(DEMO_MODEL_ID, found.facts, found.ref))


def test_probe_success_selects_every_gpu_and_a_failure_falls_back_to_the_catalog():
    state = reduce(WizardState(), ProbeFinished(facts=demo_probe()))
    assert state.hardware.selected == (0, 1) and not state.hardware.use_catalog
    failed = reduce(WizardState(), ProbeFinished(error_code="driver_not_loaded", error_message="no driver"))
    assert failed.hardware.use_catalog and failed.hardware.error_message == "no driver"
    assert not failed.hardware.probing
    # With no detected GPU the catalog cannot be switched off.
    assert reduce(failed, UseCatalog(False)).hardware.use_catalog


def test_gpu_choice_ignores_unknown_indices_and_sorts():
    state = reduce(WizardState(), ProbeFinished(facts=demo_probe()))
    assert reduce(state, ChooseGpus((1, 7, 1))).hardware.selected == (1,)


def test_catalog_choice_derives_catalog_hardware():
    state = reduce(WizardState(), ProbeFinished(error_code="no_gpu"))
    state = reduce(state, ChooseCatalog(key="l4", count=2))
    hw = hardware_for(state)
    assert hw is not None and hw.source == "catalog" and len(hw.gpus) == 2 and "L4" in hw.gpus[0].name


def test_a_stale_inspection_result_is_ignored():
    found = demo_inspect(DEMO_MODEL_ID)
    state = reduce(WizardState(), InspectStarted("first"))
    state = reduce(state, InspectStarted("second"))
    assert reduce(state, InspectFinished("first", found.facts, found.ref)) == state
    assert reduce(state, InspectFailed("first", "boom")) == state
    done = reduce(state, InspectFinished("second", found.facts, found.ref))
    assert done.model.facts is found.facts and done.model.pending is None


def test_pins_are_order_free_and_fixes_merge_over_them():
    state = reduce(reduce(WizardState(), SetPin("max_model_len", 8192)), SetPin("enforce_eager", True))
    other = reduce(reduce(WizardState(), SetPin("enforce_eager", True)), SetPin("max_model_len", 8192))
    assert state == other
    state = reduce(state, ApplyFix((("max_model_len", 4096), ("tensor_parallel_size", 2))))
    assert state.pinned == {"enforce_eager": True, "max_model_len": 4096, "tensor_parallel_size": 2}
    assert reduce(state, ClearPin("enforce_eager")).pinned == {"max_model_len": 4096, "tensor_parallel_size": 2}


def test_download_progress_and_end():
    state = replace(WizardState(), model=replace(WizardState().model, needs_download=True))
    state = reduce(state, DownloadProgress(10, 100))
    assert state.model.download.running and state.model.download.done == 10
    cancelled = reduce(state, DownloadEnded(cancelled=True))
    assert not cancelled.model.download.running and cancelled.model.needs_download
    done = reduce(state, DownloadEnded())
    assert done.model.download.finished and not done.model.needs_download


def test_next_is_blocked_until_each_step_has_its_input():
    state = WizardState()
    assert blocked_reason(state) == "nav.blocked.probing"
    state = reduce(state, ProbeFinished(facts=demo_probe()))
    assert blocked_reason(reduce(state, ChooseGpus(()))) == "nav.blocked.no_gpu_selected"
    assert blocked_reason(state) is None
    state = reduce(state, GoTo(1))
    assert blocked_reason(state) == "nav.blocked.no_model"
    state = reduce(_ready(), GoTo(2))
    state = reduce(state, SetExposure(all_interfaces=True))
    assert blocked_reason(state) == "nav.blocked.api_key"
    assert blocked_reason(reduce(state, SetExposure(api_key="k"))) is None
    assert blocked_reason(reduce(state, GoTo(4))) == "nav.blocked.last_step"


def test_derive_matches_the_planner_and_keeps_the_api_key_out_of_argv():
    state = reduce(_ready(), SetGoals(Goals(context=16384)))
    state = reduce(state, SetExposure(all_interfaces=True, api_key="s3cret", port=9000))
    derived = derive(state)
    assert derived.plan is not None and derived.plan.ok
    assert derived.plan.request.goals.context == 16384
    command = derived.command
    assert command is not None and "s3cret" not in " ".join(command.argv)
    assert command.env["VLLM_API_KEY"] == "s3cret" and "s3cret" not in command.shell_line()
    assert command.argv[-4:] == ("--host", "0.0.0.0", "--port", "9000")
    assert launch_options(state).api_key == SecretStr("s3cret")
    assert "s3cret" not in repr(state)


def test_derive_reports_a_refused_input_instead_of_raising():
    state = reduce(_ready(), UseCatalog(True))
    state = reduce(state, ChooseCatalog(key="no-such-gpu"))
    assert derive(state).error and derive(state).plan is None
