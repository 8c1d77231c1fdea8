"""SVG snapshots of the monitor at 80x24 (SSH default) and 120x40, built from scripted inputs only:
fake GPUs, a fixed host, /metrics fixtures, fixed clocks. Regenerate with `--snapshot-update` and
review the report before committing."""

from __future__ import annotations

import pytest
from monitor_support import run_rounds, scripted_sampler, up

from screens.monitor.app import MonitorApp
from wizard.monitor.metrics_client import FetchResult

SIZES = [(80, 24), (120, 40)]


def app_after(fixture: str, rounds: int, server=None):
    sampler, clock = scripted_sampler(fixture, server=server)
    snap = run_rounds(sampler, clock, rounds)
    app = MonitorApp(sampler.config, sampler=sampler, autostart=False)

    async def show(pilot) -> None:
        pilot.app.monitor.show(snap)
        await pilot.pause()
        # Toasts are transient (the Pilot tests check them): the snapshot shows what stays.
        pilot.app.clear_notifications()
        await pilot.pause()

    return app, show


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_eight_h100_serving_under_kv_pressure(snap_compare, utc, size):
    """8 GPUs under load, our vLLM's workers first, server up with rates, latencies and advice."""
    server = [up("v0.11.0", 0), up("v0.11.0", 0)] + [up("v0.11.0", 10)]
    app, show = app_after("monitor-h100-x8", 12, server)
    assert snap_compare(app, terminal_size=size, run_before=show)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_gpu_lost_while_the_server_starts(snap_compare, utc, size):
    """GPU 1 fell off the bus (marked lost, announced once); the launched server is still loading."""
    server = [FetchResult("starting", "process 4242 is running; vLLM opens the port once the model is loaded")]
    app, show = app_after("monitor-rtx4090-x2-gpu-lost", 5, server)
    assert snap_compare(app, terminal_size=size, run_before=show)


def test_no_driver_and_server_down(snap_compare, utc):
    """No NVIDIA driver: the GPU panel says why; the server is down and retried."""
    server = [FetchResult("down", "nothing listens at http://127.0.0.1:8000")]
    app, show = app_after("nvml-library-missing", 1, server)
    assert snap_compare(app, terminal_size=(80, 24), run_before=show)
