"""The VRAM budget bar draws exactly the cells and GiB figures wizard.planner.budget computed."""

from __future__ import annotations

import asyncio

import pytest
from textual.app import App, ComposeResult

from screens.demo import DEMO_MODEL_ID, demo_inspect, demo_probe
from screens.widgets.budget import GLYPHS, BudgetBars, bar_width, budget_lines
from wizard.hardware.catalog import catalog_hardware
from wizard.planner.budget import bars
from wizard.planner.inputs import PlanRequest
from wizard.planner.plan import make_plan

GIB = 1 << 30


def _plan(hardware=None, **pins):
    found = demo_inspect(DEMO_MODEL_ID)
    return make_plan(PlanRequest(hardware=hardware or demo_probe(), model=found.facts, vllm_version="0.33.0",
                                 pinned=pins, model_ref=found.ref))


@pytest.mark.parametrize("width", [80, 120, 200])
def test_each_bar_line_draws_every_segment_with_its_cells(width):
    plan = _plan()
    lines = [line.plain for line in budget_lines(plan, width)]
    expected = bars(plan, bar_width(plan, width))
    bar_lines = [line for line in lines if line.startswith("GPU ")]
    assert len(bar_lines) == len(plan.ranks) == len(expected)
    for line, bar in zip(bar_lines, expected):
        for segment in bar.segments:
            assert line.count(GLYPHS[segment.kind]) == segment.cells, segment.kind
        assert sum(s.cells for s in bar.segments) == bar_width(plan, width)
        assert line.endswith(f"{bar.total / GIB:.2f} GiB")
        assert len(line) <= width


def test_labels_are_the_plans_gib_figures_and_the_ruler_marks_the_request():
    plan = _plan(tensor_parallel_size=2)
    width = 100
    lines = [line.plain for line in budget_lines(plan, width)]
    bar = bars(plan, bar_width(plan, width))[0]
    legend = " ".join(lines)
    worst = plan.worst
    for label, value in (("weights", worst.weights), ("KV cache", worst.kv_cache), ("CUDA graphs", worst.cuda_graph),
                         ("activations", worst.activation), ("CUDA context", worst.context)):
        assert f"{label} {value / GIB:.2f}" in legend
    ruler = next(line for line in lines if "▲" in line)
    label_width = len("GPU 1 ")
    assert ruler.index("▲") == label_width + bar.request_cell - 1
    assert f"utilization {plan.settings.gpu_memory_utilization:.2f}" in ruler
    # Two identical TP ranks share one ruler and one legend.
    assert sum("▲" in line for line in lines) == 1


def test_an_overflowing_plan_says_by_how_much():
    one_t4 = catalog_hardware("t4", count=1)
    plan = _plan(one_t4, quantization=None, dtype="float16", cpu_offload_gb=0.0)
    drawn = bars(plan, bar_width(plan, 80))
    assert drawn[0].overflow > 0
    line = next(c.plain for c in budget_lines(plan, 80) if c.plain.startswith("GPU "))
    assert f"{drawn[0].overflow / GIB:.2f} GiB over" in line


def test_the_widget_follows_the_plan_and_its_width():
    plan = _plan()

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield BudgetBars(id="budget")

    async def drive() -> None:
        app = Host()
        async with app.run_test(size=(90, 20)) as pilot:
            widget = app.query_one(BudgetBars)
            assert widget.render().plain == ""
            widget.show_plan(plan)
            await pilot.pause()
            rendered = widget.render().plain.splitlines()
            assert rendered == [line.plain for line in budget_lines(plan, 90)]
            assert widget.size.height == len(rendered)
            await pilot.resize_terminal(140, 20)
            await pilot.pause()
            assert widget.render().plain.splitlines() == [line.plain for line in budget_lines(plan, 140)]

    asyncio.run(drive())


def test_wide_characters_are_measured_in_cells():
    from rich.cells import cell_len

    from screens.i18n import set_language

    plan = _plan()
    set_language("zh_CN")
    try:
        lines = budget_lines(plan, 80)
    finally:
        set_language("en")
    assert all(cell_len(line.plain) <= 80 for line in lines)
    assert any("权重 13.76" in line.plain for line in lines)
