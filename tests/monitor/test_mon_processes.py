"""The process table: psutil details, processes from other containers, and our own vLLM."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys

import pytest

from wizard.hardware.backend import ProcessInfo, Unavailable
from wizard.monitor.processes import (
    EXITED,
    NOT_IN_NAMESPACE,
    FixtureInspector,
    HostProcess,
    PsutilInspector,
    in_container,
    looks_like_vllm,
    process_rows,
    role_of,
)


def test_psutil_inspector_describes_a_real_process():
    inspector = PsutilInspector(container=False)
    first = inspector.describe(os.getpid())
    assert isinstance(first, HostProcess)
    assert first.user == getpass.getuser()
    assert first.cpu_percent is None  # psutil needs two reads to measure CPU
    assert "pytest" in (first.command or "") or "python" in (first.command or "")
    assert first.elapsed_s is not None and first.elapsed_s >= 0
    assert first.mem_percent is not None and 0 < first.mem_percent < 100
    sum(i * i for i in range(200_000))  # burn a little CPU between the reads
    second = inspector.describe(os.getpid())
    assert isinstance(second, HostProcess) and second.cpu_percent is not None


def test_children_know_their_ancestors():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        host = PsutilInspector(container=False).describe(child.pid)
        assert isinstance(host, HostProcess) and os.getpid() in host.ancestors
        assert role_of(child.pid, host, our_pid=os.getpid()) == "ours"
    finally:
        child.kill()
        child.wait()


@pytest.mark.parametrize(("container", "why"), [(True, NOT_IN_NAMESPACE), (False, EXITED)])
def test_a_pid_that_does_not_exist_here(container, why):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert PsutilInspector(container=container).describe(child.pid) == why


def test_container_detection(tmp_path):
    assert not in_container(tmp_path)
    (tmp_path / "proc/1").mkdir(parents=True)
    (tmp_path / "proc/1/cgroup").write_text("0::/kubepods/besteffort/pod1234\n")
    assert in_container(tmp_path)
    (tmp_path / "proc/1/cgroup").write_text("0::/init.scope\n")
    assert not in_container(tmp_path)
    (tmp_path / ".dockerenv").touch()
    assert in_container(tmp_path)


@pytest.mark.parametrize(("command", "vllm"), [
    ("vllm serve Qwen/Qwen3-8B --port 8000", True),
    ("/usr/bin/python3 -m vllm.entrypoints.openai.api_server --model m", True),
    ("VLLM::EngineCore", True),
    ("VLLM::Worker_TP3", True),
    ("/opt/venv/bin/vllm serve m", True),
    ("python train.py --vllm-compat", False),
    ("/usr/lib/xorg/Xorg", False),
    (None, False),
])
def test_looks_like_vllm(command, vllm):
    assert looks_like_vllm(command) is vllm


def test_rows_put_our_vllm_first_and_explain_missing_details():
    details = {
        10: {"cmdline": ["python", "train.py"], "user": "bob"},
        20: {"cmdline": ["VLLM::Worker_TP0"], "user": "me", "ancestors": [15, 1]},
        30: {"cmdline": ["vllm", "serve", "other-model"], "user": "ann"},
    }

    def lookup(pid):
        if pid not in details:
            raise Unavailable(pid)
        return details[pid]

    found = [(0, ProcessInfo(10, 5 << 30)), (0, ProcessInfo(99, None)), (1, ProcessInfo(20, 70 << 30)),
             (0, ProcessInfo(30, 9 << 30))]
    rows = process_rows(found, FixtureInspector(lookup), our_pid=15)
    assert [(r.pid, r.role) for r in rows] == [(20, "ours"), (30, "vllm"), (10, "other"), (99, "other")]
    foreign = rows[-1]
    assert foreign.missing == NOT_IN_NAMESPACE and foreign.user is None and foreign.gpu_mem_bytes is None


def test_a_process_on_two_gpus_is_inspected_once():
    calls = []

    def lookup(pid):
        calls.append(pid)
        return {"cmdline": ["x"]}

    rows = process_rows([(0, ProcessInfo(5, 1)), (1, ProcessInfo(5, 2))], FixtureInspector(lookup), None)
    assert len(rows) == 2 and calls == [5]


def test_inspector_forgets_processes_that_left():
    inspector = PsutilInspector(container=False)
    process_rows([(0, ProcessInfo(os.getpid(), 1))], inspector, None)
    assert os.getpid() in inspector._procs
    process_rows([], inspector, None)
    assert inspector._procs == {}
