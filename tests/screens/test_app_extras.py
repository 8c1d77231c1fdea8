"""Around the steps: the command palette, the monitor mode, Simplified Chinese, and the numbers the
screens show being the planner's own."""

from __future__ import annotations

import asyncio

from tui_support import make_app, press, screen_text, settle

from screens.i18n import set_language
from screens.steps.hardware import HardwareStep
from screens.steps.plan import PlanStep, kv_line
from screens.steps.review import ReviewStep


def run(coro):
    return asyncio.run(coro)


def test_the_command_palette_jumps_to_a_step():
    async def drive():
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+p")
            await pilot.press(*"Go to: Review")
            await settle(pilot)
            await press(pilot, "enter")
            assert isinstance(app.screen, ReviewStep)
            await press(pilot, "ctrl+p")
            await pilot.press(*"Go to: Hardware")
            await settle(pilot)
            await press(pilot, "enter")
            assert isinstance(app.screen, HardwareStep)

    run(drive())


def test_a_forward_jump_stops_at_the_first_step_still_missing_input():
    async def drive():
        app = make_app(model_text="")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.goto(4)
            await settle(pilot)
            assert app.state.step_name == "model"

    run(drive())


def test_m_opens_the_monitor_and_escape_comes_back(monkeypatch):
    monkeypatch.setenv("VLLM_WIZARD_FAKE_GPUS", "rtx3080-20gb-x2")

    async def drive():
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+n", "ctrl+n")
            assert isinstance(app.screen, PlanStep)
            await pilot.press("m")
            await pilot.pause(0.2)
            assert app.current_mode == "monitor"
            await pilot.press("escape")
            await pilot.pause(0.2)
            assert app.current_mode == "wizard" and isinstance(app.screen, PlanStep)
            app.screen.query_one("#settings").focus()
            await pilot.press("ctrl+q")

    run(drive())


def test_the_plan_step_shows_the_planners_kv_figures():
    async def drive():
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+n", "ctrl+n")
            plan = app.derived.plan
            text = screen_text(app)
            assert f"{plan.kv_cache_tokens:,} tokens" in text and f"{plan.max_concurrency:.2f} requests" in text
            assert str(app.screen.query_one("#kv").render()) == kv_line(plan)

    run(drive())


def test_simplified_chinese_from_the_catalog():
    async def drive():
        set_language("zh_CN")
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            text = screen_text(app)
            assert "vLLM 使用哪些 GPU?" in text and "下一步" in text
            await press(pilot, "ctrl+n", "ctrl+n", "ctrl+n")
            text = screen_text(app)
            assert "方案" in text and "KV 缓存" in text

    try:
        run(drive())
    finally:
        set_language("en")


def test_letter_keys_type_into_inputs_instead_of_running_actions():
    async def drive():
        app = make_app(model_text="")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n")
            await pilot.press(*"mlxy-model")
            await settle(pilot)
            assert app.current_mode == "wizard" and app.screen.query_one("#model-input").value == "mlxy-model"

    run(drive())
