"""Foreground exec, detached launch with the start-up followed, records for the monitor, and stop."""

import os
import signal
import time

import pytest

from wizard.errors import WizardError
from wizard.launch import execute
from wizard.launch.command import build_command
from wizard.launch.detach import is_alive, log_tail, server_url, start_detached, stop
from wizard.launch.options import LaunchOptions
from wizard.launch.records import all_launches, latest_launch, launch_for_log
from wizard.launch.startup import follow_startup

SECRET = "sk-launch-secret-7"


def test_exec_uses_the_validated_vllm_and_the_child_env(l40s_plan, monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setattr(execute, "execvpe", lambda f, argv, env: seen.update(f=f, argv=argv, env=env))
    calls = []
    cmd = build_command(l40s_plan, LaunchOptions(api_key=SECRET))
    execute.exec_command(cmd, before_exec=lambda: calls.append("nvml off"), vllm_exe=tmp_path / "vllm")
    assert calls == ["nvml off"] and seen["f"] == str(tmp_path / "vllm") and seen["argv"][1] == "serve"
    assert seen["env"]["VLLM_API_KEY"] == SECRET and seen["env"]["VLLM_NO_USAGE_STATS"] == "1"
    assert all(SECRET not in a for a in seen["argv"])


def test_exec_failure_is_one_line(l40s_plan, monkeypatch):
    def missing(*a):
        raise FileNotFoundError

    monkeypatch.setattr(execute, "execvpe", missing)
    with pytest.raises(WizardError, match="not found; install vLLM"):
        execute.exec_command(build_command(l40s_plan))


def test_urls():
    assert server_url("0.0.0.0", 80) == "http://127.0.0.1:80"
    assert server_url("::", 81) == "http://[::1]:81" and server_url("10.0.0.5", 82) == "http://10.0.0.5:82"


def test_detached_start_follow_calibrate_and_stop(l40s_plan, fake_vllm, port, wizard_dirs):
    options = LaunchOptions(port=port, api_key=SECRET)
    record = start_detached(build_command(l40s_plan, options), l40s_plan, options, vllm_exe=fake_vllm / "vllm",
                            api_key_env="MY_KEY")
    try:
        assert latest_launch() == record and launch_for_log(record.log_path) == record
        assert os.getsid(record.pid) == record.pid  # its own session: survives the terminal
        lines = []
        outcome = follow_startup(record, timeout=30, on_line=lines.append)
        assert outcome.health.ok and any("Model loading took" in line for line in lines)
        assert outcome.figures.kv_cache_tokens == 445920 and outcome.figures.available_kv_gib == 54.43
        rows = {r.label: r for r in outcome.rows}
        assert rows["KV cache tokens"].predicted == record.predicted.memory["kv_cache_tokens"]
        cal = outcome.calibration
        assert cal is not None and cal.key == record.calibration_key and cal.source == record.log_path
        assert (wizard_dirs["data"] / "calibration.json").is_file()
        assert "API key seen: yes" in log_tail(record.log_path)
        text = record.record_path.read_text()
        assert SECRET not in text and '"VLLM_API_KEY": "<set>"' in text and '"api_key_env": "MY_KEY"' in text
    finally:
        assert stop(record, timeout=10)
    assert not is_alive(record)


def test_a_failed_start_is_explained(l40s_plan, fake_vllm, port, monkeypatch):
    monkeypatch.setenv("FAKE_VLLM_FAIL", "No available memory for the cache blocks. Try increasing "
                                         "`gpu_memory_utilization` when initializing the engine.")
    options = LaunchOptions(port=port)
    record = start_detached(build_command(l40s_plan, options), l40s_plan, options, vllm_exe=fake_vllm / "vllm")
    outcome = follow_startup(record, timeout=30)
    assert not outcome.health.ok and outcome.health.reason == "exited"
    assert outcome.explanation.code == "no_kv_cache_memory" and outcome.calibration is None
    assert "ValueError" in outcome.log_tail


def test_a_secret_in_the_log_is_masked_in_the_tail_shown(l40s_plan, fake_vllm, port, monkeypatch):
    token = "hf_" + "Q7x" * 12
    monkeypatch.setenv("FAKE_VLLM_FAIL", f"401 Client Error for url with token={token}")
    options = LaunchOptions(port=port)
    record = start_detached(build_command(l40s_plan, options), l40s_plan, options, vllm_exe=fake_vllm / "vllm")
    outcome = follow_startup(record, timeout=30)
    assert token in log_tail(record.log_path)  # the log file itself is vLLM's, kept as written
    assert token not in outcome.log_tail and "401 Client Error" in outcome.log_tail


def test_stop_does_not_touch_a_reused_pid(l40s_plan, fake_vllm, port):
    options = LaunchOptions(port=port)
    record = start_detached(build_command(l40s_plan, options), l40s_plan, options, vllm_exe=fake_vllm / "vllm")
    try:
        impostor = record.model_copy(update={"pid_started": (record.pid_started or 0) - 1000})
        assert not is_alive(impostor) and stop(impostor)
        assert is_alive(record)  # the real one is still running
    finally:
        stop(record, timeout=10)


def test_records_list_in_start_order(l40s_plan, fake_vllm, port):
    options = LaunchOptions(port=port)
    first = start_detached(build_command(l40s_plan, options), l40s_plan, options, vllm_exe=fake_vllm / "vllm")
    os.killpg(first.pid, signal.SIGKILL)
    time.sleep(0.01)
    second = start_detached(build_command(l40s_plan, options), l40s_plan, options, vllm_exe=fake_vllm / "vllm")
    try:
        assert [r.run_id for r in all_launches()] == [first.run_id, second.run_id]
        assert latest_launch().run_id == second.run_id
    finally:
        stop(second, timeout=10)


def test_monitor_finds_the_launch_through_its_guarded_import(l40s_plan, fake_vllm, port):
    from wizard.monitor.target import resolve_target

    options = LaunchOptions(port=port)
    record = start_detached(build_command(l40s_plan, options), l40s_plan, options, vllm_exe=fake_vllm / "vllm")
    try:
        target = resolve_target()
        assert target.url == record.url and target.pid == record.pid and target.log_path == record.log_path
    finally:
        stop(record, timeout=10)
