"""`vllm-wizard serve` and the app prepare a launch with the same code (wizard/launch/prepare.py), so
they agree about a vLLM; and plan, serve and the app find the same vLLM (wizard/vllm_env.py)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest

from screens.app import AppConfig, WizardApp
from screens.demo import demo_services
from screens.handoff import Handoff
from screens.run import _launch
from screens.services import inspect_model, prepare_launch
from screens.state import SetExposure
from wizard import vllm_env
from wizard.cli import main
from wizard.launch import execute
from wizard.launch.command import build_command
from wizard.launch.options import LaunchOptions
from wizard.launch.prepare import prepare_launch as prepare


@pytest.fixture
def exec_calls(monkeypatch):
    calls = []
    monkeypatch.setattr(execute, "execvpe", lambda f, argv, env: calls.append((f, argv, env)))
    return calls


def review_verdict(llama_folder, port: int):
    """The app driven to its Review step on this machine's (fake) vLLM: the preparation it shows."""
    services = replace(demo_services(), inspect=inspect_model, prepare=prepare_launch)
    app = WizardApp(AppConfig(services=services, vllm_version="0.32.0", model_text=str(llama_folder)))

    async def drive():
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(1000):  # the app starts its workers after the first frame
                if app.work_started:
                    break
                await pilot.pause(0.01)
            for _ in range(3):
                await pilot.pause()
                await app.workers.wait_for_complete()
            app.dispatch(SetExposure(port=port))
            for key in ("ctrl+n", "ctrl+n", "ctrl+n", "ctrl+n"):
                await pilot.press(key)
                await pilot.pause()
                await app.workers.wait_for_complete()
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.state.step_name == "review" and not app.state.prep_pending
            prepared = app.state.prep
            await pilot.press("l")
            await pilot.pause()
            return prepared, app.return_value

    return asyncio.run(drive())


def test_a_vllm_that_fails_to_import_gets_the_same_verdict_from_serve_and_the_app(
        llama_folder, fake_vllm, monkeypatch, exec_calls, capsys, port):
    monkeypatch.setenv("FAKE_VLLM_BROKEN", "1")
    rc = main(["serve", str(llama_folder), "--gpu", "L40S", "--yes", "--port", str(port)])
    err = capsys.readouterr().err
    assert rc == 2 and not exec_calls
    assert "preflight refused: vLLM 0.32.0+cpu is installed but does not work" in err

    prepared, handed_off = review_verdict(llama_folder, port)
    assert not prepared.ok and handed_off is None  # Review refuses Launch, as serve refused
    (vllm_check,) = [c for c in prepared.checks if c.name == "vLLM"]
    assert vllm_check.status == "fail"
    assert f"preflight refused: {vllm_check.message} Fix: {vllm_check.fix}" in err  # word for word


def test_a_cached_parser_does_not_hide_a_vllm_broken_since(llama_folder, fake_vllm, monkeypatch, exec_calls,
                                                           capsys, port, l40s_plan):
    options = LaunchOptions(port=port)
    prepared = prepare(l40s_plan, build_command(l40s_plan, options), options)
    assert prepared.ok and prepared.info is not None  # the parser dump is cached now
    monkeypatch.setenv("FAKE_VLLM_BROKEN", "1")
    rc = main(["serve", str(llama_folder), "--gpu", "L40S", "--yes", "--port", str(port)])
    serve_err = capsys.readouterr().err
    assert rc == 2 and "could not be imported" in serve_err
    assert _launch(Handoff(prepared.command, prepared)) == 2  # the app's last step: the same refusal
    assert "could not be imported" in capsys.readouterr().err
    assert not exec_calls


def test_plan_serve_and_the_app_pick_the_same_vllm(llama_folder, fake_vllm, monkeypatch, tmp_path, capsys):
    # A vLLM beside the wizard (0.9.0) and another behind the `vllm` on PATH (0.32.0+cpu): the order
    # is the launch's (PATH first), for every caller.
    monkeypatch.delenv("VLLM_WIZARD_VLLM_PYTHON")
    monkeypatch.setattr(vllm_env, "_version_here", lambda: "0.9.0")
    script = tmp_path / "path-bin" / "vllm"
    script.parent.mkdir()
    script.write_text(f"#!{fake_vllm / 'python'}\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}:/usr/bin:/bin")
    assert vllm_env.find_vllm().python == fake_vllm / "python"
    assert main(["plan", str(llama_folder), "--gpu", "L40S", "--json"]) == 0
    planned = json.loads(capsys.readouterr().out)["vllm_version"]
    assert main(["serve", str(llama_folder), "--gpu", "L40S", "--dry-run"]) == 0
    served = capsys.readouterr().out
    assert planned == "0.32.0"  # the release of the PATH vLLM (0.32.0+cpu), not the one beside the wizard
    assert f"[ok  ] vLLM: vLLM 0.32.0+cpu ({fake_vllm / 'python'})" in served  # serve execs that same one
    from screens.run import _version

    assert _version(None) == "0.32.0+cpu"  # and the app plans for it
