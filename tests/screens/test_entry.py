"""The console script's app branch: --demo and --dry-run print, a launch execs (monkeypatched), the
headless subcommands never import Textual, and the terminal is restored before anything is printed."""

from __future__ import annotations

import subprocess
import sys

import pytest
from tui_support import DEMO_ARGV, settle

import screens.handoff as handoff_module
import screens.run as run_module
from screens.app import WizardApp
from screens.handoff import Handoff
from screens.run import EXEC_FAILED, run_app
from wizard.launch.command import LaunchCommand
from wizard.launch.execute import child_environment
from wizard.launch.preflight import Check, PreflightReport
from wizard.launch.prepare import Preparation

KEYS_TO_LAUNCH = ("ctrl+n", "ctrl+n", "ctrl+n", "ctrl+n", "l", "l")  # warnings: Launch asks once


@pytest.fixture
def drive_headless(monkeypatch):
    """Make WizardApp.run (called by run_app) run headless at 80x24 and press the keys given."""
    keys: list[str] = []
    original = WizardApp.run

    def run(self, **kwargs):
        async def auto_pilot(pilot):
            await pilot.pause()
            for key in keys:
                await settle(pilot)
                if key != "wait":  # "wait": only let workers (the launch checks) finish
                    await pilot.press(key)
            await pilot.pause()

        return original(self, headless=True, size=(80, 24), auto_pilot=auto_pilot)

    monkeypatch.setattr(WizardApp, "run", run)
    return keys


def test_demo_prints_the_command_instead_of_exec(drive_headless, capsys, monkeypatch):
    monkeypatch.setattr(run_module, "exec_command", lambda h: pytest.fail("the demo must not exec"))
    drive_headless.extend(KEYS_TO_LAUNCH)
    assert run_app(["--demo", "--vllm-version", "0.33.0", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "this is the command it would run" in out
    assert "vllm serve Qwen/Qwen3-14B --pipeline-parallel-size 2" in out
    assert out.strip().splitlines()[-1].endswith(" ".join(DEMO_ARGV[-4:]))


def test_launch_execs_the_planned_argv_with_the_plans_environment(drive_headless, monkeypatch, capsys):
    from screens import services

    calls: list[Handoff] = []
    monkeypatch.setattr(run_module, "exec_command", calls.append)
    # This machine: the demo's fake GPUs; the model from the bundled metadata; no launcher checks.
    from screens.demo import demo_inspect, demo_probe

    monkeypatch.setattr(run_module, "default_services", lambda: services.Services(
        probe=demo_probe, inspect=demo_inspect, cached_models=list, download=None, prepare=None))
    drive_headless.extend(KEYS_TO_LAUNCH)
    assert run_app(["Qwen/Qwen3-14B", "--vllm-version", "0.33.0", "--lang", "en"]) == 0
    (handoff,) = calls
    assert handoff.command.argv == DEMO_ARGV
    env = child_environment(handoff.command, base={"PATH": "/usr/bin"})
    assert env["CUDA_VISIBLE_DEVICES"] == "0,1" and env["PATH"] == "/usr/bin"
    assert "vllm-wizard: starting" in capsys.readouterr().out


def test_the_launchers_exec_gets_the_command_and_releases_nvml_first(monkeypatch):
    from wizard.launch import execute
    seen: dict = {}
    order: list[str] = []
    monkeypatch.setattr(handoff_module, "shutdown_nvml", lambda: order.append("nvml"))

    def fake_execvpe(file, argv, env):
        order.append("exec")
        seen.update(file=file, argv=argv, env=env)

    monkeypatch.setattr(execute, "execvpe", fake_execvpe)
    command = LaunchCommand(("vllm", "serve", "m"), {"CUDA_VISIBLE_DEVICES": "0"})
    handoff_module.exec_command(Handoff(command))
    assert order == ["nvml", "exec"]
    assert seen["argv"] == ["vllm", "serve", "m"] and seen["env"]["CUDA_VISIBLE_DEVICES"] == "0"


def test_a_failed_exec_says_so_and_exits_127(drive_headless, monkeypatch, capsys):
    from screens import services
    from screens.demo import demo_inspect, demo_probe
    from wizard.errors import WizardError

    def boom(handoff):
        raise WizardError("vllm: not found; install vLLM (pip install vllm)")

    monkeypatch.setattr(run_module, "exec_command", boom)
    monkeypatch.setattr(run_module, "default_services", lambda: services.Services(
        probe=demo_probe, inspect=demo_inspect, cached_models=list, download=None, prepare=None))
    drive_headless.extend(KEYS_TO_LAUNCH)
    assert run_app(["Qwen/Qwen3-14B", "--vllm-version", "0.33.0", "--lang", "en"]) == EXEC_FAILED
    assert "vllm: not found" in capsys.readouterr().err


def test_quitting_prints_nothing_and_returns_zero(drive_headless, capsys):
    drive_headless.extend(["ctrl+q"])
    assert run_app(["--demo", "--vllm-version", "0.33.0"]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(("argv", "message"), [
    (["--lang", "fr"], "--lang 'fr'"),
    (["--vllm-version", "0.3.3"], "not planned for"),
])
def test_bad_app_options_exit_2_with_one_line(argv, message, capsys):
    assert run_app(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_entry_point_dispatches_headless_commands_without_textual(cli_env):
    code = ("import sys; from screens.entry import main; rc = main(['gpus', '--catalog']); "
            "sys.exit(rc if 'textual' not in sys.modules else 99)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli_env, check=False)
    assert result.returncode == 0, result.stderr
    assert "H100" in result.stdout


def test_dry_run_prints_the_command_and_the_checks_and_execs_nothing(drive_headless, monkeypatch, capsys):
    import screens.services as services
    from screens.demo import demo_inspect, demo_probe
    def prepare(plan, command, options, consent):
        report = PreflightReport((Check("vLLM", "fail", "vLLM is not installed.", "pip install vllm"),))
        return Preparation(command, command, preflight=report)

    monkeypatch.setattr(run_module, "exec_command", lambda h: pytest.fail("--dry-run must not exec"))
    monkeypatch.setattr(run_module, "default_services", lambda: services.Services(
        probe=demo_probe, inspect=demo_inspect, cached_models=list, download=None, prepare=prepare))
    drive_headless.extend([*KEYS_TO_LAUNCH[:-2], "wait", "l", "l"])
    assert run_app(["Qwen/Qwen3-14B", "--dry-run", "--vllm-version", "0.33.0", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "--dry-run: the command:" in out and "vllm serve Qwen/Qwen3-14B" in out
    assert "[FAIL] vLLM: vLLM is not installed." in out and "fix: pip install vllm" in out
