"""SVG snapshots of the Launch step, from scripted events (a real launch's pid, paths and timings
change every run): a serving verdict at 80x24, and a failed start with its diagnosis and re-plan at
80x24 and 120x40. The live flow itself is driven against the fake `vllm` in test_launch_step.py.

Regenerate after a deliberate change: pytest tests/screens/test_launch_snapshots.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from tui_support import make_app, settle

from screens.steps.launch import Followed, LaunchJob, LaunchStep, ReplanFound, Started
from wizard.i18n import msg
from wizard.launch.calibration.compare import Row
from wizard.launch.diagnosis import Replan
from wizard.launch.phases import Phase
from wizard.launch.usual import UsualStartup
from wizard.launch.watch import (
    CheckDone,
    LogLine,
    PhaseChanged,
    StartDiagnosis,
    StartupFinished,
    StartupView,
    Verdict,
)
from wizard.verify.report import CheckResult

LOGS = Path(__file__).parents[1] / "verify" / "fixtures"
URL = "http://127.0.0.1:8000"
RECORD = SimpleNamespace(pid=4242, log_path="~/.local/state/vllm-wizard/runs/20260101T000000Z-8000/server.log",
                         record_path=Path("launch.json"), url=URL)
USUAL = UsualStartup(31, 293, msg("startup.usual.modelled", gib=27.5, gpus=2))
ROWS = [Row("weights (Model loading took)", 13.76, 14.08, "GiB"), Row("KV cache memory", 4.38, 4.12, "GiB"),
        Row("KV cache tokens", 57440, 54016, "tokens")]


def view(phase: Phase, elapsed: float, tail: tuple[str, ...] = ()) -> StartupView:
    return StartupView(phase, elapsed, USUAL, tail, RECORD.log_path)


class ScriptedLaunch(LaunchStep):
    """The Launch step fed a fixed sequence of watch_launch's events instead of a real vLLM."""

    def __init__(self, log: str, ok: bool) -> None:
        super().__init__(LaunchJob(plan=None, command=None, options=None))  # type: ignore[arg-type]
        self.script, self.ok = log, ok

    def _follow(self) -> None:
        post = lambda event: self.post_message(Followed(event))  # noqa: E731
        self.post_message(Started(RECORD))  # type: ignore[arg-type]
        lines = (LOGS / self.script).read_text(encoding="utf-8").splitlines()
        post(PhaseChanged(view(Phase.LAUNCHING, 0)))
        for line in lines:
            post(LogLine(line, view(Phase.LOADING_WEIGHTS, 40)))
        if self.ok:
            post(PhaseChanged(view(Phase.READY, 95)))
            post(StartupFinished(SimpleNamespace(rows=ROWS), view(Phase.READY, 95)))  # type: ignore[arg-type]
            for code, evidence in (("reachable", "the OpenAI API answered /v1/models in 3 ms"),
                                   ("degenerate_output", "replies have a normal form"),
                                   ("context_length", "max_model_len 36864, as planned"),
                                   ("speed", "decode 31.2 tokens/s over 64 tokens (plan 33.9)")):
                post(CheckDone(CheckResult(code, True, evidence)))
            post(Verdict(True, "serving", msg("startup.verdict.serving", rate=31.2, url=URL), URL, tokens_per_s=31.2))
            return
        post(PhaseChanged(view(Phase.COMPILING, 26)))
        post(StartupFinished(SimpleNamespace(rows=ROWS[:1]), view(Phase.COMPILING, 26)))  # type: ignore[arg-type]
        diagnosis = StartDiagnosis("no_kv_cache_memory", "ValueError: No available memory for the cache blocks.",
                                   "vLLM said: ValueError: No available memory for the cache blocks.",
                                   "Nothing is left for the KV cache: raise gpu-memory-utilization, use a quantized "
                                   "checkpoint, or more GPUs.")
        post(Verdict(False, "start_failed", msg("startup.verdict.exited", phase=Phase.COMPILING.label(), seconds=26),
                     URL, fix=diagnosis.fix, diagnoses=(diagnosis,)))
        self.post_message(ReplanFound(Replan("no_kv_cache_memory", (("gpu_memory_utilization", 0.95),))))


def _launched(log: str, ok: bool):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for _ in range(4):  # on Review, where `b` pushes the step
            await pilot.press("ctrl+n")
            await settle(pilot)
        pilot.app.push_screen(ScriptedLaunch(log, ok))
        await settle(pilot)

    return run_before


def test_serving(snap_compare):
    assert snap_compare(make_app(demo=True), terminal_size=(80, 24),
                        run_before=_launched("startup-0.10.2-gpu.log", True))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_failed_start_with_replan(snap_compare, size):
    assert snap_compare(make_app(demo=True), terminal_size=size,
                        run_before=_launched("startup-0.8.5-kv-fail.log", False))
