"""MonitorScreen / MonitorApp driven by Pilot: the sampler thread, pause, lost GPUs, notices, layout."""

from __future__ import annotations

import asyncio
import threading

from monitor_support import run_rounds, scripted_sampler, up
from rich.text import Text

from screens.monitor.app import MonitorApp
from screens.monitor.screen import MonitorScreen
from screens.monitor.widgets import GpuList, GpuPanel, ProcessTable, ServerPanel
from wizard.monitor.metrics_client import FetchResult


def run(coro):
    return asyncio.run(coro)


async def wait_for(predicate, pilot, timeout=5.0):
    for _ in range(int(timeout / 0.02)):
        if predicate():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not met in time")


def test_sampler_runs_in_a_worker_thread_and_feeds_the_screen():
    sampler, _ = scripted_sampler("monitor-h100-x8", server=[up("v0.11.0", 0)], interval_s=0.05)
    threads = set()
    original = sampler.gpu.backend.begin_sample

    def spy():
        threads.add(threading.current_thread().name)
        original()

    sampler.gpu.backend.begin_sample = spy  # type: ignore[method-assign]

    async def drive():
        app = MonitorApp(sampler.config, sampler=sampler)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(lambda: app.monitor.snapshot is not None and app.monitor.snapshot.server.state == "up",
                           pilot)
            assert len(app.monitor.query(GpuPanel)) == 8
            assert "Qwen/Qwen3-8B" in str(app.monitor.query_one(ServerPanel).render())
            await pilot.press("q")
        return threads

    seen = run(drive())
    assert seen and threading.main_thread().name not in seen  # never on the event loop's thread


def test_pause_key_stops_sampling_and_says_so():
    sampler, _ = scripted_sampler("monitor-h100-x8", interval_s=0.05)

    async def drive():
        app = MonitorApp(sampler.config, sampler=sampler)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(lambda: app.monitor.snapshot is not None, pilot)
            await pilot.press("p")
            assert sampler.paused
            assert "PAUSED" in str(app.monitor.query_one("#status").render())
            await wait_for(lambda: app.monitor.snapshot.paused, pilot)
            frozen = app.monitor.snapshot
            await pilot.pause(0.2)
            assert app.monitor.snapshot is frozen  # nothing new while paused
            await pilot.press("p")
            assert not sampler.paused
            await wait_for(lambda: app.monitor.snapshot is not frozen and not app.monitor.snapshot.paused, pilot)
            assert "PAUSED" not in str(app.monitor.query_one("#status").render())

    run(drive())


def test_leaving_the_screen_stops_the_sampler():
    from textual.app import App

    sampler, _ = scripted_sampler("monitor-h100-x8", interval_s=0.05)
    screen = MonitorScreen(sampler.config, sampler=sampler)

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(screen)

    async def drive():
        app = Host()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(lambda: screen.snapshot is not None, pilot)
            stop = screen._stop
            app.pop_screen()
            await pilot.pause()
            assert stop.is_set()
            await app.workers.wait_for_complete()

    run(drive())


def static_app(fixture: str, rounds: int, server=None, size=(80, 24)):
    sampler, clock = scripted_sampler(fixture, server=server)
    snap = run_rounds(sampler, clock, rounds)
    return MonitorApp(sampler.config, sampler=sampler, autostart=False), snap


def test_a_lost_gpu_is_marked_and_the_other_keeps_its_figures():
    app, snap = static_app("monitor-rtx4090-x2-gpu-lost", 5)

    async def drive():
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            app.monitor.show(snap)
            await pilot.pause()
            lost = str(app.monitor.query_one("#gpu-1", GpuPanel).render())
            alive = str(app.monitor.query_one("#gpu-0", GpuPanel).render())
            assert "LOST" in lost and "LOST" not in alive and "12%" in alive
            # The failure is announced once, however many snapshots repeat it.
            app.monitor.show(snap)
            await pilot.pause()
            assert sum("fell off the bus" in n.message for n in app._notifications) == 1
            assert "fell off the bus" in str(app.monitor.query_one("#notice").render())

    run(drive())


def test_our_vllm_is_highlighted_in_the_process_table():
    app, snap = static_app("monitor-h100-x8", 2, server=[up("v0.11.0", 0)])

    async def drive():
        async with app.run_test(size=(120, 40)) as pilot:
            app.monitor.show(snap)
            await pilot.pause()
            table = app.monitor.query_one(ProcessTable)
            assert table.row_count == 9
            first = table.get_row_at(0)
            assert isinstance(first[-1], Text) and "our vLLM" in first[-1].plain and "magenta" in str(first[1].style)
            foreign = table.get_row_at(8)
            assert "--pid=host" in foreign[-1].plain
            # The same processes again: updated in place, the cursor stays.
            table.move_cursor(row=3)
            app.monitor.show(snap)
            await pilot.pause()
            assert table.cursor_row == 3

    run(drive())


def test_layout_follows_the_terminal_width():
    app, snap = static_app("monitor-h100-x8", 3)

    async def drive():
        async with app.run_test(size=(120, 40)) as pilot:
            app.monitor.show(snap)
            await pilot.pause()
            assert app.monitor.has_class("-wide")
            assert not app.monitor.query_one("#gpu-0").has_class("-compact")  # 8 x 3 lines fit
            await pilot.resize_terminal(80, 24)
            await pilot.pause()
            await pilot.pause()
            assert app.monitor.has_class("-narrow")
            assert app.monitor.query_one("#gpu-0").has_class("-compact")

    run(drive())


def test_no_gpu_and_a_down_server():
    app, snap = static_app("nvml-library-missing", 1,
                           server=[FetchResult("down", "nothing listens at http://127.0.0.1:8000")])

    async def drive():
        async with app.run_test(size=(80, 24)) as pilot:
            app.monitor.show(snap)
            await pilot.pause()
            message = str(app.monitor.query_one(GpuList).query_one("#gpu-message").render())
            assert "libnvidia-ml" in message
            assert "DOWN" in str(app.monitor.query_one(ServerPanel).render())

    run(drive())


def test_monitor_screen_can_be_pushed_by_another_app():
    from textual.app import App

    sampler, clock = scripted_sampler("monitor-h100-x8")
    snap = run_rounds(sampler, clock, 1)

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(MonitorScreen(sampler.config, sampler=sampler, autostart=False))

    async def drive():
        app = Host()
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, MonitorScreen)
            app.screen.show(snap)
            await pilot.pause()
            assert len(app.screen.query(GpuPanel)) == 8

    run(drive())


def test_sampling_pauses_while_another_screen_is_on_top():
    from textual.app import App
    from textual.screen import Screen

    sampler, _ = scripted_sampler("monitor-h100-x8", interval_s=0.05)
    screen = MonitorScreen(sampler.config, sampler=sampler)

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(screen)

    async def drive():
        app = Host()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(lambda: screen.snapshot is not None, pilot)
            await app.push_screen(Screen())
            await pilot.pause()
            assert sampler.paused  # the wizard's other screens cost no NVML calls
            app.pop_screen()
            await pilot.pause()
            assert not sampler.paused
            screen.action_toggle_pause()  # the user's own pause survives a round trip
            await app.push_screen(Screen())
            app.pop_screen()
            await pilot.pause()
            assert sampler.paused

    run(drive())


def test_a_sampler_thread_that_dies_is_reported_and_r_restarts_it():
    sampler, _ = scripted_sampler("monitor-h100-x8", interval_s=0.05)
    real_run, calls = sampler.run, []

    def dies_once(publish, stop):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("NVML handle went away")
        real_run(publish, stop)

    sampler.run = dies_once  # type: ignore[method-assign]

    async def drive():
        app = MonitorApp(sampler.config, sampler=sampler)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await wait_for(lambda: app.monitor.stopped is not None, pilot)
            notice = str(app.monitor.query_one("#notice").render())
            assert "Sampling stopped: RuntimeError: NVML handle went away" in notice
            assert any("Press r" in str(n.message) for n in app._notifications)
            assert app.monitor.snapshot is None  # nothing pretends to be live
            await pilot.press("r")
            await wait_for(lambda: app.monitor.snapshot is not None, pilot)
            assert app.monitor.stopped is None
            assert not app.monitor.query_one("#notice").has_class("-shown")
            await pilot.press("q")

    run(drive())
    assert len(calls) == 2


def test_a_bad_launch_record_is_reported_and_r_tries_again(tmp_path, monkeypatch, closed_port_url):
    from wizard.monitor.sampler import MonitorConfig

    monkeypatch.setenv("VLLM_WIZARD_FAKE_GPUS", "monitor-h100-x8")
    record = tmp_path / "launch.json"
    record.write_text("{not json")
    config = MonitorConfig(interval_s=0.05, launch_record=record)

    async def drive():
        app = MonitorApp(config)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await wait_for(lambda: app.monitor.stopped is not None, pilot)
            assert str(record) in str(app.monitor.query_one("#notice").render())
            record.write_text(f'{{"url": "{closed_port_url}"}}')  # the user mends the file
            await pilot.press("r")
            await wait_for(lambda: app.monitor.snapshot is not None, pilot)
            assert app.monitor.stopped is None and len(app.monitor.snapshot.gpus) == 8
            await pilot.press("q")

    run(drive())
