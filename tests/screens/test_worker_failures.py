"""A worker that raises never leaves the app hanging: one per worker kind, the failure is injected,
and the screen recovers — the pending state ends, the user reads why, Next (or Launch's refusal)
works, and Ctrl+T runs the work again (here: successfully, the second time)."""

from __future__ import annotations

import asyncio
import errno
import threading
from dataclasses import replace

from tui_support import make_app, press, screen_text, settle

from screens.demo import DEMO_MODEL_ID, demo_inspect, demo_probe, demo_services
from screens.messages import Export
from screens.services import CachedModel, Inspection
from screens.steps.model import ModelStep
from screens.steps.review import ReviewStep
from wizard.launch.preflight import Check, PreflightReport
from wizard.launch.prepare import Preparation


def run(coro):
    return asyncio.run(coro)


class Flaky:
    """Raises `error` on the first `failures` calls, then does `then`."""

    def __init__(self, error: BaseException, then, failures: int = 1) -> None:
        self.error, self.then, self.left, self.calls = error, then, failures, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.left:
            self.left -= 1
            raise self.error
        return self.then(*args, **kwargs)


def toasts(app) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


def test_a_probe_that_raises_ends_probing_and_ctrl_t_detects_again():
    probe = Flaky(RuntimeError("NVML segfaulted in a thread"), demo_probe)

    async def drive():
        app = make_app(services=replace(demo_services(), probe=probe))
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            hw = app.state.hardware
            assert not hw.probing and hw.use_catalog and hw.error_code == "probe_failed"
            assert "NVML segfaulted" in screen_text(app) and "Ctrl+T" in toasts(app)
            assert app.blocked_reason() is None  # Next works: planning for catalog GPUs
            assert "Try again" in screen_text(app)  # the footer offers it
            await press(pilot, "ctrl+t")
            assert app.state.hardware.detected is not None and len(app.state.hardware.selected) == 2
            assert "Try again" not in screen_text(app)
            await press(pilot, "ctrl+n")
            assert isinstance(app.screen, ModelStep)

    run(drive())
    assert probe.calls == 2


def test_an_inspection_that_raises_says_why_and_can_be_tried_again():
    inspect = Flaky(ValueError("unexpected header layout"), demo_inspect)

    async def drive():
        app = make_app(services=replace(demo_services(), inspect=inspect))
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n")
            model = app.state.model
            assert model.pending is None and model.facts is None
            assert "Could not inspect the model: ValueError: unexpected header layout" in screen_text(app)
            await press(pilot, "ctrl+t")
            assert app.state.model.facts is not None and app.state.model.error is None
            await press(pilot, "ctrl+n")
            assert app.state.step_name == "goals"

    run(drive())


def _needs_download(download):
    found = demo_inspect(DEMO_MODEL_ID)
    done = {"yes": False}

    def inspect(text: str) -> Inspection:
        return Inspection(found.facts, found.ref, needs_download=not done["yes"])

    def finish(ref, progress, cancel) -> None:
        done["yes"] = True
        progress(1, 1)

    return replace(demo_services(), inspect=inspect, download=Flaky(download, finish))


def test_a_full_disk_stops_the_download_not_the_app():
    services = _needs_download(OSError(errno.ENOSPC, "No space left on device"))

    async def drive():
        app = make_app(services=services)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+g")
            download = app.state.model.download
            assert not download.running and not download.finished
            assert "No space left on device" in download.error and "No space left on device" in screen_text(app)
            assert "Ctrl+T" in toasts(app)
            await press(pilot, "ctrl+t")
            await settle(pilot)
            assert app.state.model.download.finished and not app.state.model.needs_download

    run(drive())


def test_a_cancelled_download_is_not_a_failure():
    cancel_seen = threading.Event()

    def download(ref, progress, cancel: threading.Event) -> None:
        progress(0, 10)
        cancel_seen.set()
        cancel.wait(10)
        raise OSError(errno.EINTR, "Interrupted")

    services = replace(_needs_download(OSError()), download=download)

    async def drive():
        app = make_app(services=services)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n")
            await pilot.press("ctrl+g")
            for _ in range(100):
                if cancel_seen.is_set():
                    break
                await pilot.pause(0.05)
            await press(pilot, "ctrl+g")
            download = app.state.model.download
            assert not download.running and download.error is None
            assert "Try again" not in screen_text(app) and toasts(app) == ""

    run(drive())


def test_a_cache_listing_that_fails_warns_and_lists_on_retry():
    on_disk = [CachedModel(ref="org/on-disk", label="org/on-disk@main  1.0 GiB  (complete)")]
    cached = Flaky(PermissionError(errno.EACCES, "Permission denied", "/root/.cache/huggingface/hub"),
                   lambda: on_disk)

    async def drive():
        app = make_app(services=replace(demo_services(), cached_models=cached))
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n")
            assert app.state.model.cached == ()
            assert "Permission denied: /root/.cache/huggingface/hub" in toasts(app)
            await press(pilot, "ctrl+t")
            assert app.state.model.cached == tuple(on_disk)
            assert "org/on-disk" in screen_text(app)

    run(drive())


def test_launch_checks_that_raise_block_the_launch_until_they_run():
    def ok(plan, command, options, consent):
        return Preparation(command, command, preflight=PreflightReport((Check("port", "ok", "port 8000 is free"),)))

    prepare = Flaky(RuntimeError("psutil exploded"), ok)

    async def drive():
        app = make_app(services=replace(demo_services(), prepare=prepare))
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+n", "ctrl+n", "ctrl+n")
            assert isinstance(app.screen, ReviewStep) and not app.state.prep_pending
            text = screen_text(app)
            assert "Checking the installed vLLM" not in text
            assert "The launch checks could not run: RuntimeError: psutil exploded" in text
            await press(pilot, "l")
            assert app.return_value is None  # nothing was checked: not launched
            await press(pilot, "ctrl+t")
            assert app.state.prep is not None and app.state.prep.ok
            assert "port 8000 is free" in screen_text(app)
            await press(pilot, "l", "l")  # a plan with warnings asks once
        return app.return_value

    assert run(drive()) is not None
    assert prepare.calls == 2


def test_an_export_that_fails_says_so_and_writes_on_retry(tmp_path, monkeypatch):
    import screens.exporting as exporting

    real = exporting.export
    monkeypatch.setattr(exporting, "export", Flaky(OSError(errno.EROFS, "Read-only file system", str(tmp_path)),
                                                   real))

    async def drive():
        app = make_app(export_dir=tmp_path)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+n", "ctrl+n", "ctrl+n")
            app.handle(Export("yaml"))
            await settle(pilot)
            assert f"Could not export: Read-only file system: {tmp_path}" in toasts(app)
            await press(pilot, "ctrl+t")
            assert "Wrote" in toasts(app)

    run(drive())
    assert list(tmp_path.glob("*.yaml"))
