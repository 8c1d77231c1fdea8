"""SVG snapshots of every step at 80x24 and 120x40, plus the no-GPU, predicted-failure and Chinese
screens. Fake GPUs, the bundled model, a fixed vLLM version and a steady cursor keep them stable.

Regenerate after a deliberate change: pytest tests/screens/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest
from tui_support import make_app, no_gpu_services, settle

from screens.i18n import set_language

SIZES = [(80, 24), (120, 40)]
STEPS = ["hardware", "model", "goals", "plan", "review"]


def _to_step(index: int):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for _ in range(index):
            await pilot.press("ctrl+n")
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("step", range(len(STEPS)), ids=STEPS)
def test_step(snap_compare, step, size):
    assert snap_compare(make_app(demo=True), terminal_size=size, run_before=_to_step(step))


def test_no_gpu(snap_compare):
    assert snap_compare(make_app(services=no_gpu_services()), terminal_size=(80, 24), run_before=_to_step(0))


def test_predicted_failure_with_fixes(snap_compare):
    async def run_before(pilot) -> None:
        await _to_step(3)(pilot)
        app = pilot.app
        from screens.state import SetPin

        for name, value in (("tensor_parallel_size", 1), ("pipeline_parallel_size", 1), ("max_model_len", 32768)):
            app.dispatch(SetPin(name, value))
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_plan_in_simplified_chinese(snap_compare):
    set_language("zh_CN")
    try:
        assert snap_compare(make_app(demo=True), terminal_size=(80, 24), run_before=_to_step(3))
    finally:
        set_language("en")
