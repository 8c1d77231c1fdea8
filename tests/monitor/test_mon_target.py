"""Which server to watch: --url, a launch record, or the launcher's latest_launch() (guarded)."""

from __future__ import annotations

import json
import sys
import types
from dataclasses import dataclass

import pytest

from wizard.errors import InputError
from wizard.monitor.target import normalize_url, read_launch_record, resolve_target


@pytest.mark.parametrize(("given", "url"), [
    ("127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
    ("http://box:8000/metrics", "http://box:8000"),
    ("https://box/v1", "https://box"),
])
def test_urls_are_normalized(given, url):
    assert normalize_url(given) == url


def test_launch_record_gives_pid_and_log(tmp_path):
    path = tmp_path / "launch.json"
    path.write_text(json.dumps({"url": "http://127.0.0.1:8011", "pid": 4242, "log_path": "/tmp/vllm.log"}))
    target = read_launch_record(path)
    assert (target.url, target.pid, target.log_path, target.source) == (
        "http://127.0.0.1:8011", 4242, "/tmp/vllm.log", str(path))


@pytest.mark.parametrize(("content", "needle"), [
    ("{", "not valid JSON"),
    ('{"pid": 3}', '"url"'),
    ("[]", '"url"'),
])
def test_bad_launch_records_are_one_line_errors(tmp_path, content, needle):
    path = tmp_path / "launch.json"
    path.write_text(content)
    with pytest.raises(InputError, match=needle):
        read_launch_record(path)
    with pytest.raises(InputError, match="cannot read"):
        read_launch_record(tmp_path / "missing.json")


@dataclass
class Launch:
    url: str
    pid: int
    log_path: str


def test_precedence_url_then_record_then_last_launch(tmp_path):
    record = tmp_path / "r.json"
    record.write_text(json.dumps({"url": "http://127.0.0.1:9001"}))
    latest = lambda: Launch("http://127.0.0.1:9002", 77, "/l.log")  # noqa: E731
    assert resolve_target("127.0.0.1:9000", record, latest=latest).url == "http://127.0.0.1:9000"
    assert resolve_target(None, record, latest=latest).url == "http://127.0.0.1:9001"
    last = resolve_target(None, None, latest=latest)
    assert last is not None and (last.url, last.pid, last.source) == ("http://127.0.0.1:9002", 77, "last launch")
    assert resolve_target(None, None, latest=lambda: None) is None
    assert resolve_target(None, None, use_latest=False) is None


def test_a_broken_launch_history_does_not_stop_the_monitor():
    def broken():
        raise OSError("history file is corrupt")

    assert resolve_target(None, None, latest=broken) is None


def test_last_launch_is_read_from_its_record_without_the_launcher(tmp_path, monkeypatch):
    # The launcher's pydantic records are not imported: `monitor --once` reads launch.json itself.
    monkeypatch.setitem(sys.modules, "wizard.launch.records", None)  # importing it would now fail
    monkeypatch.setenv("VLLM_WIZARD_STATE_DIR", str(tmp_path))
    assert resolve_target() is None  # nothing launched here
    older = tmp_path / "runs" / "20261121T143000.000000Z-8123"
    newer = tmp_path / "runs" / "20261121T150000.000000Z-8124"
    for run, port in ((older, 8123), (newer, 8124)):
        run.mkdir(parents=True)
        (run / "launch.json").write_text(json.dumps({"url": f"http://127.0.0.1:{port}", "pid": port}))
    target = resolve_target()
    assert target is not None and target.url == "http://127.0.0.1:8124" and target.pid == 8124
    (newer / "launch.json").write_text("{broken")
    assert resolve_target() is None  # a broken record is skipped quietly, never a crash


def test_a_launcher_without_latest_launch_is_tolerated(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "wizard.launch", types.ModuleType("wizard.launch"))
    monkeypatch.setenv("VLLM_WIZARD_STATE_DIR", str(tmp_path))
    (tmp_path / "runs" / "x").mkdir(parents=True)
    assert resolve_target() is None


def test_the_runs_folder_check_agrees_with_the_launcher(tmp_path, monkeypatch):
    records = pytest.importorskip("wizard.launch.records")
    from wizard.monitor.target import launch_records_may_exist

    for env in ({"VLLM_WIZARD_STATE_DIR": str(tmp_path / "state")}, {"XDG_STATE_HOME": str(tmp_path / "xdg")},
                {"HOME": str(tmp_path / "home")}):
        for key in ("VLLM_WIZARD_STATE_DIR", "XDG_STATE_HOME"):
            monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        runs = records.runs_dir()
        assert not launch_records_may_exist()
        (runs / "20261121T143000.000000Z-8000").mkdir(parents=True)
        assert launch_records_may_exist(), env  # the monitor looks where the launcher writes


def test_a_real_launch_record_is_found_with_its_start_time(tmp_path, monkeypatch):
    records = pytest.importorskip("wizard.launch.records")
    monkeypatch.setenv("VLLM_WIZARD_STATE_DIR", str(tmp_path))
    assert resolve_target() is None
    run = records.new_run_dir(8011)
    record = {"run_id": run.name, "url": "http://127.0.0.1:8011", "host": "0.0.0.0", "port": 8011, "pid": 4242,
              "pid_started": 1795271000.5, "log_path": str(run / "server.log"), "pid_path": str(run / "server.pid"),
              "run_dir": str(run), "started_at": "2026-11-21T14:30:00Z", "argv": ["vllm", "serve", "m"], "env": {},
              "predicted": {"vllm_version": "0.11.0", "model_id": "m", "model_ref": "m"}}
    try:
        records.write_record(records.LaunchRecord.model_validate(record))
    except Exception as exc:  # noqa: BLE001 - the launcher's record shape moved on: this test must follow it
        pytest.fail(f"launch record shape changed: {exc}")
    target = resolve_target()
    assert target is not None and (target.url, target.pid, target.pid_started) == (
        "http://127.0.0.1:8011", 4242, 1795271000.5)
    assert target.log_path == str(run / "server.log") and target.source == "last launch"
