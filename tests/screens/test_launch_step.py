"""The app's detached launch, driven by Pilot: Review's `b` starts a fake `vllm` (a real start-up log,
then the scripted OpenAI server on 127.0.0.1) and the Launch step follows it to one verdict.

Healthy: the phases, the log tail, predicted vs actual, the verify checks, "serving correctly", the
monitor one key away, `s` stops it. Failing (the KV-cache error of seed 003, exit 1): the diagnosis
with its fix and `r`, which goes back to the Plan step with the fix pinned and every input kept.
Cancel stops waiting and offers to stop the server. The step's sentences in Simplified Chinese.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from launch_support import VERSION, write_fake_vllm
from tui_support import make_app, screen_text, settle

from screens.demo import demo_services
from screens.i18n import set_language
from screens.services import prepare_launch, start_detached
from screens.state import SetExposure, SetGoals
from screens.steps.launch import LaunchStep
from screens.steps.plan import PlanStep
from screens.steps.review import ReviewStep
from wizard.planner.inputs import Goals

WAIT_S = 60.0  # generous bounds: the fake starts in about two seconds


@pytest.fixture(autouse=True)
def fake_vllm_env(tmp_path, monkeypatch):
    for name in ("cache", "data", "state"):
        monkeypatch.setenv(f"VLLM_WIZARD_{name.upper()}_DIR", str(tmp_path / name))
    for var in ("VLLM_API_KEY", "FAKE_VLLM_LOG", "FAKE_VLLM_EXIT", "FAKE_VLLM_HANG", "FAKE_OPENAI_MODE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("FAKE_VLLM_LINE_DELAY", "0.02")
    monkeypatch.setenv("VLLM_WIZARD_VLLM_PYTHON", str(write_fake_vllm(tmp_path / "fake-venv" / "bin")))
    yield
    from wizard.launch.detach import is_alive, stop
    from wizard.launch.records import all_launches

    for record in all_launches():  # even when a test failed half-way
        if is_alive(record):
            stop(record, timeout=10)


def _port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch_app():
    services = replace(demo_services(), prepare=prepare_launch, launch=start_detached)
    app = make_app(services=services)
    app.state = replace(app.state, vllm_version=VERSION)  # plan for the fake's release, as `serve` does
    return app


async def until(pilot, condition, what: str, timeout: float = WAIT_S) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.05)


async def to_review(pilot) -> None:
    app = pilot.app
    await settle(pilot)
    app.dispatch(SetExposure(port=_port()))  # never the 8000 a real server may hold
    app.dispatch(SetGoals(Goals(context=16000, concurrency=4)))  # something the user typed
    for _ in range(4):
        await pilot.press("ctrl+n")
        await settle(pilot)
    assert isinstance(app.screen, ReviewStep)
    await until(pilot, lambda: app.state.prep is not None and not app.state.prep_pending, "the preparation")
    assert app.state.prep.ok, app.state.prep.render()


def shown(app) -> str:
    """The terminal's text with wrapping undone (a scrollbar appearing moves the line breaks)."""
    return " ".join(screen_text(app).split())


def body(step: LaunchStep) -> str:
    """Every line of the step, scrolled into view or not."""
    return "\n".join(str(w.render()) for w in step.query("Static"))


async def press_launch(pilot) -> None:
    """`b` on Review; a plan with warnings asks once (issue 14), so a second `b` confirms."""
    await pilot.press("b")
    await pilot.pause()
    if not isinstance(pilot.app.screen, LaunchStep):
        await pilot.press("b")


async def launch(pilot) -> LaunchStep:
    await press_launch(pilot)
    await pilot.pause()
    step = pilot.app.screen
    assert isinstance(step, LaunchStep)
    await until(pilot, lambda: step.verdict is not None, "the verdict")
    await pilot.pause()
    return step


def test_a_healthy_launch_shows_progress_comparison_checks_and_serving(monkeypatch):
    async def drive():
        app = launch_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await to_review(pilot)
            assert "b Background" in shown(app)  # Review's footer offers it beside `l Launch`
            step = await launch(pilot)
            assert step.verdict.code == "serving" and step.verdict.ok, step.verdict.headline
            text = shown(app)  # on screen at 80x24: the verdict and what to do next
            assert "Serving correctly at " in text and "tokens/s" in text
            assert "m opens the monitor" in text
            lines = body(step)
            assert "▶ ready" in lines and "usually" in lines  # the phase, and elapsed against the usual time
            assert "[ok  ] degenerate_output" in lines and "[ok  ] context_length" in lines
            assert "predicted" in lines and "actual" in lines  # the start-up comparison
            log = step.query_one("#launch-log").lines
            assert any("Model loading took" in line for line in log)  # the real log, as vLLM printed it

            record = step.record
            await pilot.press("m")
            await pilot.pause()
            assert app.current_mode == "monitor"
            assert app.screen.config.launch_record == record.record_path  # on this server
            await pilot.press("escape")
            await pilot.pause()
            assert app.current_mode == "wizard" and app.screen is step

            await pilot.press("s")
            await until(pilot, lambda: step.stopped, "the server to stop")
            assert "is stopped" in shown(app)
            from wizard.launch.detach import is_alive

            assert not is_alive(record)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ReviewStep)

    asyncio.run(drive())


def _failing(monkeypatch) -> None:
    monkeypatch.setenv("FAKE_VLLM_LOG", "startup-0.8.5-kv-fail.log")  # seed 003's real failure
    monkeypatch.setenv("FAKE_VLLM_EXIT", "1")


def test_a_failed_start_shows_the_diagnosis_and_replans_with_the_fix_pinned(monkeypatch):
    _failing(monkeypatch)

    async def drive():
        app = launch_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await to_review(pilot)
            before = app.state
            step = await launch(pilot)
            assert step.verdict.code == "start_failed"
            await until(pilot, lambda: step.replan is not None, "the re-plan")
            text = shown(app)
            assert "exited during start-up" in text
            assert "no_kv_cache_memory" in text and "Fix: " in text
            pins = step.replan.pins
            assert pins and f"Press r to re-plan with {step.replan.label}" in text
            await pilot.press("r")
            await settle(pilot)
            assert isinstance(app.screen, PlanStep)
            after = app.state
            assert after.pinned == {**before.pinned, **dict(pins)}
            # Nothing the user entered is lost: the same hardware, model, goals and exposure.
            assert (after.hardware, after.model, after.goals, after.exposure) == \
                (before.hardware, before.model, before.goals, before.exposure)
            name, value = pins[0]
            assert getattr(app.derived.plan.settings, name) == value and app.derived.plan.ok

    asyncio.run(drive())


def test_cancel_stops_waiting_and_offers_to_stop_the_server(monkeypatch):
    monkeypatch.setenv("FAKE_VLLM_LOG", "startup-0.6.6-v0-t4.log")
    monkeypatch.setenv("FAKE_VLLM_HANG", "1")

    async def drive():
        app = launch_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await to_review(pilot)
            await press_launch(pilot)
            await pilot.pause()
            step = app.screen
            assert isinstance(step, LaunchStep)
            await until(pilot, lambda: step.record is not None and len(step.query_one("#launch-log").lines) > 3,
                        "the start-up log")
            await pilot.press("escape")
            await until(pilot, lambda: step.verdict is not None, "the cancel")
            await pilot.pause()  # the verdict is set; let the screen draw it before reading the terminal
            assert step.verdict.code == "cancelled" and app.screen is step
            assert "Stopped waiting" in shown(app) and "s stops it" in shown(app)
            await pilot.press("s")
            await until(pilot, lambda: step.stopped, "the server to stop")

    asyncio.run(drive())


def test_the_launch_step_speaks_chinese(monkeypatch):
    _failing(monkeypatch)

    async def drive():
        set_language("zh_CN")
        app = launch_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await to_review(pilot)
            step = await launch(pilot)
            await until(pilot, lambda: step.replan is not None, "the re-plan")
            lines = body(step)
            assert "后台启动" in lines and "vLLM 已启动" in lines
            assert "解决办法" in lines and "按 r 用" in lines and "重新规划" in lines
            assert "重新规划" in shown(app)  # the footer's key, translated

    asyncio.run(drive())


def test_the_demo_offers_no_background_launch():
    async def drive():
        app = make_app(demo=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            for _ in range(4):
                await pilot.press("ctrl+n")
                await settle(pilot)
            assert isinstance(app.screen, ReviewStep)
            assert "Background" not in shown(app)
            await press_launch(pilot)
            await pilot.pause()
            assert isinstance(app.screen, ReviewStep)

    asyncio.run(drive())


def test_a_launch_that_cannot_start_says_why_and_replans_without_a_pin():
    from wizard.errors import WizardError

    def refuse(*_args):
        raise WizardError("vllm: not found; install vLLM or set VLLM_WIZARD_VLLM_PYTHON")

    async def drive():
        app = launch_app()
        app.config = replace(app.config, services=replace(app.config.services, launch=refuse))
        async with app.run_test(size=(80, 24)) as pilot:
            await to_review(pilot)
            before = app.state
            await press_launch(pilot)
            step = app.screen
            assert isinstance(step, LaunchStep)
            await until(pilot, lambda: step.check_action("replan", ()), "the failure")
            text = shown(app)
            assert "Could not start vLLM: vllm: not found" in text and "Press r to go back to the Plan step" in text
            await pilot.press("r")
            await settle(pilot)
            assert isinstance(app.screen, PlanStep)
            assert app.state.pins == before.pins and app.state.goals == before.goals

    asyncio.run(drive())


def test_following_that_breaks_says_so_and_leaves_the_server_to_the_user(monkeypatch):
    import wizard.launch.watch as watch

    real = watch.watch_launch

    def breaks(record, **kwargs):
        events = real(record, **kwargs)
        yield next(events)  # the first phase, then the disk fills up
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(watch, "watch_launch", breaks)

    async def drive():
        app = launch_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await to_review(pilot)
            await press_launch(pilot)
            step = app.screen
            await until(pilot, lambda: "Stopped following" in shown(app), "the failure")
            assert "No space left on device" in shown(app) and step.record is not None
            assert step.check_action("stop", ()) and step.check_action("monitor", ())
            assert not step.check_action("replan", ())

    asyncio.run(drive())
