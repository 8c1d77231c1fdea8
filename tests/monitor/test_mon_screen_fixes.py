"""Monitor screen details: unknown clocks read `clk N/A`, PIDs fit from the first frame at 120x40,
and notices never stack up over the panels at 80x24."""

from __future__ import annotations

import asyncio
import dataclasses

from monitor_support import run_rounds, scripted_sampler

from screens.monitor import render
from screens.monitor.app import MonitorApp
from screens.monitor.widgets import ProcessTable
from wizard.monitor.snapshot import Notice


def _screen_text(app) -> str:
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, color_system=None,
                      force_terminal=True)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()


def _snapshot(fixture: str, rounds: int = 2):
    sampler, clock = scripted_sampler(fixture)
    snap = run_rounds(sampler, clock, rounds)
    sampler.close()
    return sampler, snap


def test_unknown_clocks_read_na_once():
    _, snap = _snapshot("monitor-h100-x8")
    gpu = dataclasses.replace(snap.gpus[0], sm_clock_mhz=None, mem_clock_mhz=None)
    text = render.gpu_text(gpu, {}, 110, compact=True).plain
    assert " clk N/A " in text and "N/A/N/A" not in text and "N/AMHz" not in text
    known = render.gpu_text(snap.gpus[0], {}, 110, compact=True).plain
    assert "MHz" in known


def test_pids_are_whole_from_the_first_frame_at_120x40():
    sampler, snap = _snapshot("monitor-h100-x8")
    wide = dataclasses.replace(snap, processes=tuple(dataclasses.replace(p, pid=4194000 + i)
                                                     for i, p in enumerate(snap.processes)))

    async def drive():
        app = MonitorApp(sampler.config, sampler=sampler, autostart=False)
        async with app.run_test(size=(120, 40)) as pilot:
            app.monitor.show(wide)
            await pilot.pause()
            table = app.monitor.query_one(ProcessTable)
            column = next(c for c in table.columns.values() if c.key.value == "pid")
            return column.get_render_width(table), _screen_text(app)

    width, line = asyncio.run(drive())
    assert width >= 7 and all(f" {4194000 + i} " in line for i in range(3))


def test_notices_do_not_stack_at_80x24():
    sampler, snap = _snapshot("monitor-h100-x8")
    notices = tuple(Notice(f"k{i}", "error", f"failure number {i}") for i in range(4))

    async def drive():
        app = MonitorApp(sampler.config, sampler=sampler, autostart=False)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            for i in range(1, 5):
                app.monitor.show(dataclasses.replace(snap, notices=notices[:i]))
                await pilot.pause()
            return [n.message for n in app._notifications], str(app.monitor.query_one("#notice").render())

    toasts, line = asyncio.run(drive())
    assert toasts == ["failure number 3"]
    assert "failure number 3" in line and "+3 earlier" in line
