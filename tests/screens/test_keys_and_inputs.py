"""Keyboard and plan inputs: ctrl+q in the footer, F1 lists every key, Esc closes a panel before
stepping back, Review scrolls without Tab, toggle state readable without colour, and the plan inputs
the app lacked (vLLM version, served model name, catalog GPU memory, nodes). 80x24 and 120x40, en
and zh_CN where text is involved."""

from __future__ import annotations

import asyncio

import pytest
from tui_support import make_app, press, screen_text, settle

from screens.i18n import set_language, t
from screens.steps.goals import GoalsStep
from screens.steps.hardware import HardwareStep
from screens.steps.review import ReviewStep
from screens.widgets.help_screen import HelpScreen

SIZES = [(80, 24), (120, 40)]
CASES = [(size, lang) for size in SIZES for lang in ("en", "zh_CN")]
IDS = [f"{w}x{h}-{lang}" for (w, h), lang in CASES]
GIB = 1 << 30


def run(coro):
    return asyncio.run(coro)


@pytest.mark.parametrize(("size", "lang"), CASES, ids=IDS)
def test_quit_is_in_the_footer_and_f1_lists_every_key(size, lang):
    set_language(lang)

    async def drive():
        app = make_app(demo=True)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            footer = screen_text(app).splitlines()[-1]
            assert f"^q {t('key.quit')}" in footer
            shown = [(b.binding, b.node) for b in app.screen.active_bindings.values() if b.binding.show and b.enabled]
            await press(pilot, "f1")
            assert isinstance(app.screen, HelpScreen)
            text = str(app.screen.query_one("#help-keys").render())
            for binding, _ in shown:
                assert app.get_key_display(binding) in text and binding.description in text
            assert t("help.common.focus") in text and "ctrl+p" in text
            await press(pilot, "escape")  # closes the list, does not step back
            assert isinstance(app.screen, HardwareStep)

    run(drive())


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_review_scrolls_with_the_arrows_while_launch_keeps_the_focus(size):
    async def drive():
        app = make_app(demo=True)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+n", "ctrl+n", "ctrl+n")
            assert isinstance(app.screen, ReviewStep)
            body = app.screen.query_one("#body")
            if body.max_scroll_y == 0:
                return None
            await press(pilot, "end")
            end = body.scroll_y
            await press(pilot, "home")
            start = body.scroll_y
            await press(pilot, "down")
            return end, start, body.scroll_y, app.focused.id

    result = run(drive())
    if size == (80, 24):
        assert result is not None  # the review is taller than 24 rows
    if result is not None:
        end, start, down, focused = result
        assert end > 0 and start == 0 and down == 1 and focused == "nav-next"


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_toggle_state_reads_without_colour(size):
    async def drive():
        app = make_app(demo=True)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            before = screen_text(app)
            await press(pilot, "c")
            after = screen_text(app)
            await press(pilot, "c", "ctrl+n", "ctrl+n")
            return before, after, screen_text(app)

    before, after, goals = run(drive())
    assert "▐✔▌ GPU 0" in before and f"▐ ▌ {t('hardware.use_catalog')}" in before
    assert f"▐✔▌ {t('hardware.use_catalog')}" in after
    assert f"▐●▌ {t('goals.priority.balanced')}" in goals and f"▐○▌ {t('goals.priority.context')}" in goals


@pytest.mark.parametrize(("size", "lang"), CASES, ids=IDS)
def test_plan_inputs_vllm_version_and_served_model_name(size, lang):
    set_language(lang)

    async def drive():
        app = make_app(demo=True)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+n")
            assert isinstance(app.screen, GoalsStep)
            app.screen.query_one("#vllm-version").focus()
            await press(pilot, *"0.1x")
            assert t("goals.invalid.version") in screen_text(app)
            await press(pilot, "ctrl+n")
            assert isinstance(app.screen, GoalsStep)  # blocked until it is a version
            await press(pilot, "backspace", "backspace", *"10.0")
            assert app.state.vllm_version == "0.10.0" and app.derived.plan.version == "0.10.0"
            app.screen.query_one("#served-name").focus()
            await press(pilot, *"qwen")
            await press(pilot, "ctrl+n", "ctrl+n")
            assert isinstance(app.screen, ReviewStep)
            argv = app.derived.command.argv
            assert argv[argv.index("--served-model-name") + 1] == "qwen"
            await press(pilot, "escape", "escape")
            app.screen.query_one("#vllm-version").value = ""
            await settle(pilot)
            return app.state.vllm_version

    assert run(drive()) == "0.33.0"  # empty: back to the installed release


@pytest.mark.parametrize(("size", "lang"), CASES, ids=IDS)
def test_plan_inputs_catalog_memory_and_nodes(size, lang):
    set_language(lang)

    async def drive():
        app = make_app(demo=True)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await press(pilot, "c")
            app.screen.query_one("#catalog-memory").focus()
            await press(pilot, *"40")
            gpu = app.derived.hardware.gpus[0]
            app.screen.query_one("#nodes").focus()
            await press(pilot, "ctrl+u", "2")
            nodes = app.derived.plan.request.nodes
            await press(pilot, "ctrl+u", "0")
            refused = t("hardware.invalid.nodes") in screen_text(app)
            return gpu.total_bytes, nodes, refused

    total, nodes, refused = run(drive())
    assert abs(total / GIB - 40) < 1 and nodes == 2 and refused


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_no_label_is_cut_at_80x24(lang):
    """Only the plan table's "why" cells may end in an ellipsis (the whole reason is shown under
    the table); every other text on every step fits or wraps."""
    set_language(lang)
    cut: list[str] = []

    async def drive():
        app = make_app(demo=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            for step in range(5):
                if step:
                    await press(pilot, "ctrl+n")
                settings = app.screen.query("#settings")
                for widget in settings:
                    widget.display = False  # the why cells: cut with "…" on purpose
                await pilot.pause()
                text = screen_text(app).replace(t("model.hub"), "")
                cut.extend(f"step {step}: {line.strip()}" for line in text.splitlines() if "…" in line)
                for widget in settings:
                    widget.display = True

    run(drive())
    assert cut == []


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_goals_offer_latency_and_the_plan_ranks_by_it(size):
    """Issue 14's `latency` priority (single-request decode) is a choice on the Goals step too."""
    async def drive():
        app = make_app(demo=True)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+n")
            assert isinstance(app.screen, GoalsStep)
            app.screen.query_one("#prio-latency").value = True
            await settle(pilot)
            shown = screen_text(app)
            return app.state.goals.priority, app.derived.plan.request.goals.priority, shown

    state_priority, planned_priority, shown = run(drive())
    assert state_priority == "latency" and planned_priority == "latency"
    assert t("goals.priority.latency") in shown
