"""Fixtures for verify and the detached launch flow: isolated wizard dirs, the scripted OpenAI
server, and launch records that point at it (as `serve --detach` would have written them)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fake_openai import FakeConfig, FakeOpenAI  # noqa: E402


@pytest.fixture(autouse=True)
def wizard_dirs(tmp_path, monkeypatch) -> dict[str, Path]:
    dirs = {name: tmp_path / name for name in ("cache", "data", "state")}
    monkeypatch.setenv("VLLM_WIZARD_CACHE_DIR", str(dirs["cache"]))
    monkeypatch.setenv("VLLM_WIZARD_DATA_DIR", str(dirs["data"]))
    monkeypatch.setenv("VLLM_WIZARD_STATE_DIR", str(dirs["state"]))
    monkeypatch.delenv("VLLM_WIZARD_VLLM_PYTHON", raising=False)
    monkeypatch.delenv("VLLM_API_KEY", raising=False)
    return dirs


@pytest.fixture
def fake():
    """Start a fake server: `url = fake(mode="bang", ...)`; stopped at the end of the test."""
    servers = []

    def start(**config) -> str:
        server = FakeOpenAI(FakeConfig(**config))
        servers.append(server)
        server.config_url = server.__enter__()
        return server.config_url

    start.servers = servers
    yield start
    for server in servers:
        server.__exit__(None, None, None)


@pytest.fixture
def record_for(tmp_path):
    """Write a launch record for a server at `url`, as `serve --detach` does; returns the record."""
    from wizard.launch.records import LaunchRecord, PlanSummary, new_run_dir, write_record

    def make(url: str, *, model: str = "fake-model", log: str = "", **plan) -> LaunchRecord:
        alive = plan.pop("alive", True)  # a record whose process runs (this test's), or one long gone
        port = int(url.rsplit(":", 1)[1])
        run = new_run_dir(port)
        (run / "server.log").write_text(log, encoding="utf-8")
        settings = {"max_model_len": 4096, "reasoning_parser": None, "tool_call_parser": None,
                    "enable_auto_tool_choice": False, "dtype": "auto", "quantization": None,
                    **plan.pop("settings", {})}
        summary = PlanSummary(vllm_version=plan.pop("vllm_version", "0.32.0"), model_id=model, model_ref=model,
                              gpu_name=plan.pop("gpu_name", "NVIDIA L40S"), settings=settings, **plan)
        import os

        import psutil

        pid = os.getpid() if alive else 999999
        record = LaunchRecord(run_id=run.name, url=url, host="127.0.0.1", port=port, pid=pid,
                              pid_started=psutil.Process().create_time() if alive else None,
                              log_path=str(run / "server.log"), pid_path=str(run / "server.pid"), run_dir=str(run),
                              started_at="2026-01-01T00:00:00+00:00", argv=["vllm", "serve", model], env={},
                              served_model_name=model, predicted=summary)
        write_record(record)
        return record

    return make


FAKE_PYTHON = """#!/usr/bin/env bash
# Answers the wizard's version question only; serve runs with --no-validate against this fake.
if [ "$1" = "-c" ]; then echo "${FAKE_VLLM_VERSION:-0.32.0}"; exit 0; fi
echo "fake python: only the version is known here" >&2; exit 1
"""
FAKE_VLLM = """#!/usr/bin/env bash
exec "%(python)s" "%(script)s" "$@"
"""


@pytest.fixture
def fake_vllm(tmp_path, monkeypatch) -> Path:
    """A vLLM environment whose `vllm` prints a real start-up log, then serves the scripted API."""
    import stat

    bin_dir = tmp_path / "fake-venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, text in (("python", FAKE_PYTHON),
                       ("vllm", FAKE_VLLM % {"python": sys.executable, "script": Path(__file__).with_name("fake_vllm.py")})):
        path = bin_dir / name
        path.write_text(text, encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("VLLM_WIZARD_VLLM_PYTHON", str(bin_dir / "python"))
    return bin_dir


@pytest.fixture
def port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def stop_servers():
    """Stops what a test started detached, even when the test fails."""
    yield
    from wizard.launch.detach import is_alive, stop
    from wizard.launch.records import all_launches

    for record in all_launches():
        if is_alive(record):
            stop(record, timeout=10)
