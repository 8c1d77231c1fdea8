"""The detached-launch flow as an API (what the app's Launch step drives from a worker): phases read
from real start-up logs of several releases, the usual start-up time, typed events in order, the
diagnosis seam, and cancellation."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from wizard.launch.phases import Phase, PhaseTracker, recognise
from wizard.launch.watch import (
    CheckDone,
    LogLine,
    PhaseChanged,
    StartDiagnosis,
    StartupFinished,
    Tick,
    Verdict,
    watch_launch,
)

FIXTURES = Path(__file__).parent / "fixtures"


def phases_of(name: str) -> list[Phase]:
    tracker, seen = PhaseTracker(), []
    for i, line in enumerate((FIXTURES / name).read_text(encoding="utf-8").splitlines()):
        if tracker.feed(line, float(i)):
            seen.append(tracker.phase)
    return seen


@pytest.mark.parametrize("log, expected", [
    ("startup-0.10.2-gpu.log", [Phase.STARTING, Phase.LOADING_WEIGHTS, Phase.COMPILING, Phase.PROFILING,
                                Phase.CAPTURING_GRAPHS, Phase.STARTING_API]),
    ("startup-0.6.6-v0-t4.log", [Phase.STARTING, Phase.LOADING_WEIGHTS, Phase.PROFILING, Phase.CAPTURING_GRAPHS,
                                 Phase.STARTING_API]),
    ("startup-0.32.0-cpu.log", [Phase.STARTING, Phase.LOADING_WEIGHTS, Phase.PROFILING, Phase.STARTING_API]),
    ("startup-0.8.5-kv-fail.log", [Phase.STARTING, Phase.LOADING_WEIGHTS, Phase.COMPILING]),
])
def test_phases_are_recognised_in_the_logs_of_each_release(log, expected):
    assert phases_of(log) == expected


def test_a_phase_never_moves_back_and_noise_says_nothing():
    tracker = PhaseTracker()
    assert tracker.feed("INFO [gpu_model_runner.py:1] Capturing CUDA graphs (decode, FULL): 10%", 5.0)
    assert not tracker.feed("INFO [backends.py:215] Compiling a graph for shape 8 takes 0.52 s", 6.0)
    assert tracker.phase is Phase.CAPTURING_GRAPHS and tracker.entered[Phase.CAPTURING_GRAPHS] == 5.0
    assert recognise("WARNING Found ulimit of 20000 and failed to automatically increase") is None


@pytest.fixture
def plan(llama_folder):
    from wizard.hardware.catalog import catalog_hardware
    from wizard.model.local import inspect_local
    from wizard.planner.inputs import PlanRequest
    from wizard.planner.plan import make_plan

    return make_plan(PlanRequest(hardware=catalog_hardware("L40S"), model=inspect_local(llama_folder),
                                 vllm_version="0.32.0"))


@pytest.fixture
def launch(plan, fake_vllm, port, stop_servers):
    from wizard.launch.command import build_command
    from wizard.launch.detach import start_detached
    from wizard.launch.options import LaunchOptions

    def start():
        options = LaunchOptions(port=port)
        return start_detached(build_command(plan, options), plan, options, vllm_exe=fake_vllm / "vllm")

    return start


def test_the_events_of_a_healthy_launch_come_in_order_and_end_in_one_verdict(launch):
    events = list(watch_launch(launch(), timeout=120, poll=0.2))
    kinds = [type(e) for e in events]
    assert kinds[0] is PhaseChanged and events[0].view.phase is Phase.LAUNCHING
    assert kinds[-1] is Verdict and kinds.count(Verdict) == 1 and kinds.count(StartupFinished) == 1
    finished = kinds.index(StartupFinished)
    assert all(k in (PhaseChanged, LogLine, Tick) for k in kinds[:finished])
    assert kinds[finished + 1:-1] == [CheckDone] * 7
    ranks = [e.view.phase.rank for e in events[:finished] if hasattr(e, "view")]
    assert ranks == sorted(ranks)
    verdict = events[-1]
    assert verdict.ok and verdict.code == "serving" and verdict.exit_code == 0 and verdict.tokens_per_s > 0
    assert events[finished].outcome.rows and events[finished].view.tail  # the comparison and the log tail
    assert any(isinstance(e, LogLine) and "Model loading took" in e.line for e in events)


def test_a_failed_start_goes_to_the_diagnose_callable(launch, monkeypatch):
    monkeypatch.setenv("FAKE_VLLM_LOG", "startup-0.8.5-kv-fail.log")
    monkeypatch.setenv("FAKE_VLLM_EXIT", "1")
    seen = []

    def doctor(log_text: str):
        seen.append(log_text)
        return [StartDiagnosis("no_kv_cache_memory", "ValueError: No available memory", "too little memory",
                               "--gpu-memory-utilization 0.9")]

    verdict = list(watch_launch(launch(), timeout=120, poll=0.2, diagnose=doctor))[-1]
    assert verdict.code == "start_failed" and verdict.exit_code == 1 and not verdict.ok
    assert "No available memory for the cache blocks" in seen[0]
    assert verdict.diagnoses[0].fix == "--gpu-memory-utilization 0.9" and verdict.fix == "--gpu-memory-utilization 0.9"
    assert "No available memory" in verdict.log_tail


def test_the_default_diagnosis_reads_vllms_error_and_a_broken_one_does_not_hide_the_failure(launch, monkeypatch):
    monkeypatch.setenv("FAKE_VLLM_LOG", "startup-0.8.5-kv-fail.log")
    monkeypatch.setenv("FAKE_VLLM_EXIT", "1")
    record = launch()
    verdict = list(watch_launch(record, timeout=120, poll=0.2, verify=False))[-1]
    assert verdict.diagnoses[0].code == "no_kv_cache_memory"
    # the default is the doctor itself: the launch flow and `vllm-wizard doctor` give the same fix
    from pathlib import Path

    from wizard.doctor import diagnose_text

    report = diagnose_text(Path(record.log_path).read_text().splitlines())
    assert verdict.diagnoses[0].fix == str(report.diagnoses[0].fix)

    def broken(log_text: str):
        raise RuntimeError("bug in a diagnosis")

    verdict = list(watch_launch(launch(), timeout=120, poll=0.2, diagnose=broken))[-1]
    assert verdict.code == "start_failed" and verdict.diagnoses == () and "doctor" in verdict.fix


def test_cancelling_stops_the_watch_and_leaves_the_server(launch, monkeypatch):
    from wizard.launch.detach import is_alive

    monkeypatch.setenv("FAKE_VLLM_HANG", "1")
    record = launch()
    cancel = threading.Event()
    events = []
    for event in watch_launch(record, timeout=120, poll=0.2, cancel=cancel):
        events.append(event)
        if isinstance(event, Tick):
            cancel.set()
    assert events[-1].code == "cancelled" and is_alive(record)


def test_the_usual_start_up_is_modelled_then_taken_from_this_machines_last_start(record_for):
    from wizard.launch.usual import record_startup, usual_startup

    memory = {"weights_gib": 15.0}
    eager = record_for("http://127.0.0.1:9001", memory=memory, settings={"enforce_eager": True})
    graphs = record_for("http://127.0.0.1:9002", memory=memory, settings={"enforce_eager": False})
    fast, slow = usual_startup(eager), usual_startup(graphs)
    assert fast.low_s < slow.low_s and fast.high_s < slow.high_s  # no compile, no graph capture
    assert "15.0 GiB" in slow.basis
    assert usual_startup(record_for("http://127.0.0.1:9003")) is None  # no weights figure: no guess
    record_startup(graphs, 80.0, {"ready": 80.0})
    again = record_for("http://127.0.0.1:9004", memory=memory, settings={"enforce_eager": False})
    usual = usual_startup(again)
    assert (usual.low_s, usual.high_s) == (60.0, 120.0) and "80 s" in usual.basis


def test_a_tiny_model_still_gets_a_usual_start_up(record_for):
    from wizard.launch.usual import usual_startup

    usual = usual_startup(record_for("http://127.0.0.1:9005", memory={"weights_gib": 0.0},
                                     settings={"enforce_eager": True}))
    assert usual is not None and usual.low_s > 0  # the processes still take their time


@pytest.mark.parametrize("line, shown", [
    ("(EngineCore_DP0 pid=7) ERROR 05-16 23:09:36 [core.py:396] EngineCore failed to start.", True),
    ("ValueError: No available memory for the cache blocks.", True),
    ("torch.OutOfMemoryError: CUDA out of memory.", True),
    ("(APIServer pid=1) WARNING [system_utils.py:255] Found ulimit of 20000 ... fd limit errors like `OSError: [Errno 24]`",
     False),
])
def test_the_text_view_shows_error_lines_and_not_warnings_that_mention_errors(line, shown):
    from wizard.launch.watch_text import _is_error

    assert _is_error(line) is shown
