"""A detached launch whose calibration store cannot be written still succeeds, and says where."""

from __future__ import annotations

from wizard.launch.calibration.store import CalibrationStore
from wizard.launch.command import build_command
from wizard.launch.detach import start_detached, stop
from wizard.launch.options import LaunchOptions
from wizard.launch.startup import follow_startup


def test_unwritable_store_is_said_not_fatal(l40s_plan, fake_vllm, port, wizard_dirs, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")  # nothing can be created under a file, even by root
    store = CalibrationStore(blocker / "calibration.json")
    options = LaunchOptions(port=port)
    record = start_detached(build_command(l40s_plan, options), l40s_plan, options, vllm_exe=fake_vllm / "vllm")
    try:
        outcome = follow_startup(record, timeout=30, store=store)
    finally:
        assert stop(record, timeout=10)
    assert outcome.health.ok and outcome.calibration is not None
    assert outcome.store_problem is not None and str(blocker / "calibration.json") in outcome.store_problem
    assert "VLLM_WIZARD_DATA_DIR" in outcome.store_problem
