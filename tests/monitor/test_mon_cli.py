"""`vllm-wizard monitor --once [--json]`: headless, pipe-friendly, and the live hand-off rules."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest
from support import ROOT, run_cli

from wizard.cli import build_parser
from wizard.commands.monitor import config_from_args, live_argv, wants_live


@pytest.fixture
def fake_env(cli_env):
    return {**cli_env, "VLLM_WIZARD_FAKE_GPUS": "monitor-h100-x8"}


def test_once_prints_an_nvidia_smi_style_table(fake_env):
    result = run_cli("monitor", "--once", env=fake_env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "GPU NAME" in out and out.count("H100 80GB HBM3") == 8
    assert "HOST  CPU" in out and "PROCESSES" in out and "VLLM::Worker_TP0" in out
    assert "--pid=host" in out  # the foreign process says why its details are missing
    assert "SERVER  none" in out
    out.encode("ascii")  # pipes may be ASCII-only


def test_once_json_with_a_live_metrics_server(fake_env, metrics_server):
    result = run_cli("monitor", "--once", "--json", "--url", metrics_server.url, env=fake_env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["gpus"]) == 8 and data["gpus"][0]["mem_total_bytes"] > 0
    server = data["server"]
    assert server["state"] == "up" and server["model"] == "Qwen/Qwen3-8B"
    assert server["kv_usage_percent"] == pytest.approx(93.4) and server["waiting"] == 3
    assert server["ttft"]["p50"] > 0 and server["ttft"]["window_s"] is None
    # --once uses sustain=1: advice shows on the first sample.
    assert "--gpu-memory-utilization" in {a["setting"] for a in server["advice"]}


def test_once_reports_a_down_server_and_still_exits_0(fake_env, closed_port_url):
    result = run_cli("monitor", "--once", "--url", closed_port_url, env=fake_env)
    assert result.returncode == 0
    assert f"SERVER  {closed_port_url}  DOWN" in result.stdout and "nothing listens" in result.stdout


def test_once_without_gpus_says_why(cli_env):
    env = {**cli_env, "VLLM_WIZARD_FAKE_GPUS": "nvml-library-missing"}
    result = run_cli("monitor", "--once", "--json", env=env)
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["gpus"] == [] and "libnvidia-ml" in data["gpu_error"]


def test_without_a_terminal_monitor_prints_once(fake_env):
    # Like nvidia-smi in a pipe: no --once needed, no UI.
    result = subprocess.run([sys.executable, "-m", "screens.entry", "monitor"], capture_output=True, text=True,
                            env=fake_env, cwd=ROOT, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert "GPU NAME" in result.stdout


@pytest.mark.parametrize("argv", [["monitor", "--once"], ["monitor", "--once", "--json"], ["monitor"]])
def test_monitor_never_imports_the_ui(fake_env, argv):
    code = (
        "import contextlib, io, json, sys\n"
        "from screens.entry import main\n"
        "out = io.StringIO()\n"
        f"with contextlib.redirect_stdout(out): rc = main({argv!r})\n"
        "print(json.dumps({'rc': rc, 'ui': [m for m in ('textual', 'rich') if m in sys.modules]}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=fake_env, cwd=ROOT,
                            timeout=60, stdin=subprocess.DEVNULL)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"rc": 0, "ui": []}, result.stderr


@pytest.mark.parametrize(("argv", "needle"), [
    (["monitor", "--once", "--interval", "0"], "at least 0.1"),
    (["monitor", "--once", "--interval", "soon"], "not a number"),
    (["monitor", "--once", "--launch-record", "/nonexistent/launch.json"], "cannot read"),
])
def test_bad_options_exit_2_with_one_line(fake_env, argv, needle):
    result = run_cli(*argv, env=fake_env)
    assert result.returncode == 2 and needle in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_monitor(cli_env):
    assert "monitor" in run_cli("--help", env=cli_env).stdout


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["monitor", *argv])


def test_options_become_a_config():
    config = config_from_args(parse("--interval", "0.5", "--url", "http://h:1", "--history", "60"))
    assert (config.interval_s, config.url, config.history_s, config.use_last_launch) == (0.5, "http://h:1", 60, True)
    quiet = config_from_args(parse("--no-server", "--url", "http://h:1"))
    assert quiet.url is None and not quiet.use_last_launch


def test_live_hand_off_rebuilds_the_command_line(tmp_path):
    args = parse("--interval", "2", "--url", "http://h:1", "--launch-record", str(tmp_path / "r.json"))
    argv = live_argv(args)
    again = build_parser().parse_args(argv)
    assert config_from_args(again) == config_from_args(args)


def test_live_only_in_a_terminal_without_once(monkeypatch):
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert wants_live(parse())
    assert not wants_live(parse("--once")) and not wants_live(parse("--json"))
    from screens.entry import _wants_live_monitor

    assert _wants_live_monitor(["monitor", "--url", "x"])
    assert not _wants_live_monitor(["monitor", "--once"])
    assert not _wants_live_monitor(["monitor", "--help"])
    assert not _wants_live_monitor(["gpus"])
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    assert not wants_live(parse()) and not _wants_live_monitor(["monitor"])


def test_live_monitor_rejects_a_bad_launch_record_before_starting(monkeypatch, capsys, cli_env):
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setenv("VLLM_WIZARD_FAKE_GPUS", "monitor-h100-x8")
    from screens.entry import main

    assert main(["monitor", "--launch-record", "/nonexistent/launch.json"]) == 2
    assert "cannot read" in capsys.readouterr().err


@pytest.mark.parametrize("module", ["screens.entry", "wizard"])
def test_live_monitor_in_a_real_terminal(fake_env, module):
    """`vllm-wizard monitor` in a terminal is the Textual app (python -m wizard hands over to it):
    it paints the GPUs, pauses on p, and quits on q."""
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(sys.executable, ["-m", module, "monitor", "--interval", "0.2", "--no-server"],
                          env={**fake_env, "TERM": "xterm-256color"}, cwd=str(ROOT), dimensions=(24, 80),
                          encoding="utf-8", timeout=30)
    try:
        child.expect("H100 80GB HBM3")
        child.send("p")
        child.expect("PAUSED")
        child.send("q")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
