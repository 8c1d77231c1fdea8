"""Pilot flows through the five steps: happy path, no GPU, back and forth, a predicted failure fixed
with one key, exposure with an API key, exports. Keys only, except where a test says otherwise."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from tui_support import (
    DEMO_ARGV,
    DEMO_ENV,
    VLLM_VERSION,
    make_app,
    no_gpu_services,
    press,
    screen_text,
    settle,
)

from screens.demo import DEMO_MODEL_ID, demo_inspect, demo_probe, demo_services
from screens.exporting import formats
from screens.steps.goals import GoalsStep
from screens.steps.hardware import HardwareStep
from screens.steps.model import ModelStep
from screens.steps.plan import PlanStep
from screens.steps.review import ReviewStep
from screens.widgets.export_picker import ExportPicker
from wizard.launch.command import build_command
from wizard.launch.options import LaunchOptions
from wizard.launch.preflight import Check, PreflightReport
from wizard.launch.prepare import Preparation
from wizard.planner.inputs import Goals, PlanRequest
from wizard.planner.plan import make_plan


def expected_command(goals: Goals | None = None, pins: dict | None = None, options: LaunchOptions | None = None):
    """What the planner and launcher say for the demo setup, computed without the app."""
    found = demo_inspect(DEMO_MODEL_ID)
    plan = make_plan(PlanRequest(hardware=demo_probe(), model=found.facts, vllm_version=VLLM_VERSION,
                                 goals=goals or Goals(), pinned=pins or {}, model_ref=found.ref))
    return build_command(plan, options or LaunchOptions())


def run(coro):
    return asyncio.run(coro)


def test_happy_path_ends_with_the_exact_argv_to_exec():
    async def drive():
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            seen = []
            for _ in range(4):
                seen.append(type(app.screen))
                await press(pilot, "ctrl+n")
            seen.append(type(app.screen))
            assert seen == [HardwareStep, ModelStep, GoalsStep, PlanStep, ReviewStep]
            assert "vllm serve Qwen/Qwen3-14B" in " ".join(screen_text(app).split())  # however it wraps
            await press(pilot, "l", "l")  # a plan with warnings asks once
        return app.return_value.command

    command = run(drive())
    expected = expected_command()
    assert command.argv == expected.argv and command.env == expected.env
    # The demo's plan, spelled out: both 20 GB cards, TP 2, no P2P, Qwen3's parsers, localhost only.
    assert command.argv == DEMO_ARGV and command.env == DEMO_ENV


def test_no_gpu_says_why_and_plans_for_catalog_gpus():
    async def drive():
        app = make_app(services=no_gpu_services())
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            text = screen_text(app)
            assert "No GPU detected" in text and "driver is not loaded" in text
            assert app.state.hardware.use_catalog and app.state.hardware.error_code == "driver_not_loaded"
            # Choose 2 x L4 with the keyboard: focus the GPU select, open it, type to search, pick.
            app.screen.query_one("#catalog-gpu").focus()
            await press(pilot, "enter", "l", "4", "enter")
            app.screen.query_one("#catalog-count").focus()
            await press(pilot, "enter", "down", "enter")
            assert (app.state.hardware.catalog_key, app.state.hardware.catalog_count) == ("l4", 2)
            assert "2 × NVIDIA L4" in screen_text(app)
            await press(pilot, "ctrl+n", "ctrl+n", "ctrl+n")
            assert isinstance(app.screen, PlanStep)
            plan = app.derived.plan
            assert plan is not None and plan.request.hardware.source == "catalog"
            assert len(plan.ranks) >= 1 and plan.ranks[0].total == app.derived.hardware.gpus[0].total_bytes
            await press(pilot, "ctrl+n", "l", "l")  # a plan with warnings asks once
        return app.return_value.command

    command = run(drive())
    # Catalog GPUs are not this machine's: no CUDA_VISIBLE_DEVICES is invented for them.
    assert "CUDA_VISIBLE_DEVICES" not in command.env and command.argv[:3] == ("vllm", "serve", DEMO_MODEL_ID)


def test_going_back_and_forth_loses_nothing():
    async def drive():
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+n")
            assert isinstance(app.screen, GoalsStep)
            await pilot.press(*"16k", "tab", "4")
            await settle(pilot)
            assert app.state.goals == Goals(context=16000, concurrency=4)
            await press(pilot, "ctrl+n")
            # Pin enforce-eager from the table: down to its row, Enter, type, Enter.
            table = app.screen.query_one("#settings")
            table.move_cursor(row=app.screen._rows.index("enforce_eager"))
            await press(pilot, "enter")
            await pilot.press("ctrl+u", *"true", "enter")
            await settle(pilot)
            assert app.state.pinned == {"enforce_eager": True}
            for _ in range(3):
                await press(pilot, "escape")
            assert isinstance(app.screen, HardwareStep)
            await press(pilot, "ctrl+n")
            assert app.screen.query_one("#model-input").value == DEMO_MODEL_ID
            await press(pilot, "ctrl+n")
            assert app.screen.query_one("#goal-context").value == "16k"  # as typed
            assert app.state.goals.context == 16000
            assert app.screen.query_one("#goal-concurrency").value == "4"
            await press(pilot, "ctrl+n")
            table = app.screen.query_one("#settings")
            assert table.get_cell("enforce_eager", "pin") == "*"  # the pin is still marked in the table
            await press(pilot, "ctrl+n", "l", "l")  # a plan with warnings asks once
        return app.return_value.command

    command = run(drive())
    expected = expected_command(Goals(context=16000, concurrency=4), {"enforce_eager": True})
    assert command.argv == expected.argv and "--enforce-eager" in command.argv


def test_a_predicted_failure_is_shown_and_fixed_with_one_key():
    async def drive():
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+n", "ctrl+n")
            table = app.screen.query_one("#settings")
            for name, value in (("tensor_parallel_size", "1"), ("pipeline_parallel_size", "1"),
                                ("max_model_len", "32768")):
                table.move_cursor(row=app.screen._rows.index(name))
                await press(pilot, "e")
                await pilot.press("ctrl+u", *value, "enter")
                await settle(pilot)
            plan = app.derived.plan
            assert plan is not None and not plan.ok and plan.failure_code == "max_model_len_exceeds_kv_cache"
            text = screen_text(app)
            # TP pinned below the GPUs there are: "use all 2 GPUs" comes first (issue 14), then the cap.
            assert "predicted to fail" in text and "1 use 2 GPUs" in text and "2 cap context at" in text
            keys = [fix.key for fix in app.derived.fixes]
            assert "more_gpus" in keys
            await press(pilot, str(keys.index("more_gpus") + 1))
            assert app.derived.plan.ok and app.state.pinned["tensor_parallel_size"] == 2
            assert "predicted to start" in screen_text(app)
            await press(pilot, "ctrl+n", "l", "l")  # a plan with warnings asks once
        return app.return_value.command

    command = run(drive())
    assert command.argv[command.argv.index("--tensor-parallel-size") + 1] == "2"
    assert command.argv[command.argv.index("--max-model-len") + 1] == "32768"


def test_a_bad_value_is_refused_with_the_planners_message():
    async def drive():
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+n", "ctrl+n")
            table = app.screen.query_one("#settings")
            table.move_cursor(row=app.screen._rows.index("gpu_memory_utilization"))
            await press(pilot, "enter")
            await pilot.press("ctrl+u", *"1.5", "enter")
            await settle(pilot)
            assert "a fraction must be at most 1" in screen_text(app)
            assert app.state.pinned == {}
            await press(pilot, "escape")
            assert isinstance(app.screen, PlanStep) and app.state.pinned == {}

    run(drive())


def test_serving_on_all_interfaces_needs_a_key_that_never_shows():
    async def drive():
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+n")
            app.screen.query_one("#goal-exposure").focus()
            await press(pilot, "down", "enter")
            assert app.state.exposure.all_interfaces
            await press(pilot, "ctrl+n")
            assert isinstance(app.screen, GoalsStep)  # blocked: no key yet
            await press(pilot, "ctrl+r")
            key = app.state.exposure.api_key
            assert key is not None and len(key.get_secret_value()) >= 24
            await press(pilot, "ctrl+n", "ctrl+n")
            text = screen_text(app)
            assert "VLLM_API_KEY=<set>" in text and key.get_secret_value() not in text
            await press(pilot, "l", "l")  # a plan with warnings asks once
        return app.return_value.command, key.get_secret_value()

    command, key = run(drive())
    assert command.env["VLLM_API_KEY"] == key and key not in command.argv
    assert command.argv[command.argv.index("--host") + 1] == "0.0.0.0"


def test_exports_are_picked_by_key_and_never_overwrite_silently(tmp_path):
    async def drive():
        app = make_app(export_dir=tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+n", "ctrl+n", "ctrl+n")
            await press(pilot, "x")
            assert isinstance(app.screen, ExportPicker)
            await press(pilot, "enter")  # the first format: the vllm serve --config YAML
            await press(pilot, "x", "down", "enter")  # the shell script
            names = {f.key: f.filename for f in formats(app.derived.command)}
            (tmp_path / names["yaml"]).write_text("mine")
            await press(pilot, "x", "enter")
            assert (tmp_path / names["yaml"]).read_text() == "mine"  # asked first, not replaced
            await press(pilot, "x", "enter")
        return names

    names = run(drive())
    yaml_text = (tmp_path / names["yaml"]).read_text()
    assert "model: Qwen/Qwen3-14B" in yaml_text and "pipeline-parallel-size: 2" in yaml_text
    script = (tmp_path / names["script"]).read_text()
    assert "vllm serve Qwen/Qwen3-14B" in script and "CUDA_VISIBLE_DEVICES=0,1" in script


def _prepared_services(*, fail: bool, fitted_flag: str | None = None):
    def prepare(plan, command, options, consent):
        fitted = replace(command, argv=command.argv + ((fitted_flag,) if fitted_flag else ()))
        status = "fail" if fail else "ok"
        report = PreflightReport((Check("port", status, f"port check {status}", "free it"),))
        return Preparation(command, fitted, preflight=report)

    return replace(demo_services(), prepare=prepare)


def test_a_failed_check_before_launch_refuses_to_launch():
    async def drive():
        app = make_app(services=_prepared_services(fail=True))
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+n", "ctrl+n", "ctrl+n")
            assert app.state.prep is not None and not app.state.prep.ok
            assert "A check below fails" in screen_text(app)
            await press(pilot, "l")
            assert app.return_value is None and isinstance(app.screen, ReviewStep)
            assert any("port check fail" in str(n.message) for n in app._notifications)
            await press(pilot, "ctrl+q")

    run(drive())


def test_launch_hands_over_the_command_spelled_for_the_installed_vllm():
    async def drive():
        app = make_app(services=_prepared_services(fail=False, fitted_flag="--fitted"))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+n", "ctrl+n", "ctrl+n")
            text = screen_text(app)
            assert "port: port check ok" in text and "--fitted" in text
            await press(pilot, "l", "l")  # a plan with warnings asks once
        return app.return_value

    handoff = run(drive())
    assert handoff.command.argv[-1] == "--fitted" and handoff.prepared.ok


def test_keyboard_only_at_80x24_from_an_empty_model_field():
    async def drive():
        app = make_app(model_text="")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            # Step 1: GPU 1 off and on again with Space, then on.
            await press(pilot, "down", "space")
            assert app.state.hardware.selected == (0,)
            await press(pilot, "space", "ctrl+n")
            # Step 2: the model field has focus; the Next key is refused until it is inspected.
            await press(pilot, "ctrl+n")
            assert isinstance(app.screen, ModelStep)
            await pilot.press(*DEMO_MODEL_ID, "enter")
            await settle(pilot)
            assert app.state.model.facts is not None
            await press(pilot, "ctrl+n")
            # Step 3: a context goal, then the priority radio set via Tab.
            await pilot.press(*"8192")
            await press(pilot, "ctrl+n")
            # Step 4: fixes are absent; the plan starts.
            assert app.derived.plan.ok and not app.derived.fixes
            await press(pilot, "ctrl+n")
            assert "Launch (l)" in screen_text(app)
            await press(pilot, "l", "l")  # a plan with warnings asks once
        return app.return_value.command

    command = run(drive())
    assert command.argv == expected_command(Goals(context=8192)).argv


def test_review_repeats_every_warning_and_launch_asks_once():
    async def drive():
        app = make_app()
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+n", "ctrl+n", "ctrl+n")
            assert isinstance(app.screen, ReviewStep)
            plan = app.derived.plan
            assert plan.ok and plan.warnings  # the demo plan carries at least one warning
            text = screen_text(app)
            assert "warning(s) below" in text
            shown = str(app.screen.query_one("#review-warnings").render())
            for warning in plan.warnings:
                assert warning.message[:30] in " ".join(shown.split()), warning.code
            await press(pilot, "l")
            assert app.return_value is None and isinstance(app.screen, ReviewStep)
            assert any("Launch again to start anyway" in str(n.message) for n in app._notifications)
            await press(pilot, "l")  # asked once: the second request launches
        return app.return_value.command

    assert run(drive()).argv == DEMO_ARGV
