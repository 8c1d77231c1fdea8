"""The detached launch, closed loop: follow the start-up live, compare it with the plan, verify the
server, and end with one verdict. UI-independent: `watch_launch` is an iterator of typed events that
the CLI prints and the app's Launch step renders from a worker thread.

Events, in order: `PhaseChanged` / `LogLine` / `Tick` while vLLM starts (each carries a
`StartupView`: phase, elapsed, the usual start-up time, the log tail), `StartupFinished` with the
predicted-vs-actual comparison, `CheckDone` for each verify check as it completes, and last a
`Verdict`: serving correctly at N tokens/s, or what is wrong and the fix. When the start fails the
log goes to `diagnose` (a parameter); the default is the doctor's diagnosis of that log
(wizard.doctor: the one table of vLLM's error wordings).
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from wizard.doctor import start_diagnoses
from wizard.i18n import Message, msg
from wizard.launch.calibration.store import CalibrationStore
from wizard.launch.detach import HealthResult, is_alive, probe_health
from wizard.launch.phases import Phase, PhaseTracker
from wizard.launch.records import LaunchRecord
from wizard.launch.startup import StartupOutcome, conclude_startup, read_log
from wizard.launch.usual import UsualStartup, record_startup, usual_startup
from wizard.verify.runner import run_verify
from wizard.verify.target import target_for_record

if TYPE_CHECKING:  # verify is imported only when the flow reaches it
    from wizard.verify.report import CheckResult, VerifyReport

TAIL_LINES = 40
TICK_S = 1.0  # how often a Tick reports the elapsed time while nothing else happens


class Diagnosis(Protocol):
    """What `diagnose` returns for a failed start: the doctor's diagnoses have these fields."""

    @property
    def code(self) -> str: ...
    @property
    def evidence(self) -> str: ...
    @property
    def cause(self) -> str: ...
    @property
    def fix(self) -> str: ...


Diagnose = Callable[[str], Sequence[Diagnosis]]


@dataclass(frozen=True)
class StartDiagnosis:
    code: str
    evidence: str
    cause: str
    fix: str


def doctor_diagnosis(log_text: str) -> Sequence[Diagnosis]:
    """The default `diagnose`: `vllm-wizard doctor`'s rules on the failed start's log (wizard.doctor),
    most decisive first, so the launch flow and the doctor command never disagree."""
    return start_diagnoses(log_text)


@dataclass(frozen=True)
class StartupView:
    """Everything a live view of the start-up shows, at one moment."""

    phase: Phase
    elapsed_s: float
    usual: UsualStartup | None
    tail: tuple[str, ...]
    log_path: str

    @property
    def slower_than_usual(self) -> bool:
        return self.usual is not None and self.usual.slower_than_usual(self.elapsed_s)


@dataclass(frozen=True)
class PhaseChanged:
    view: StartupView


@dataclass(frozen=True)
class LogLine:
    line: str
    view: StartupView


@dataclass(frozen=True)
class Tick:
    view: StartupView


@dataclass(frozen=True)
class StartupFinished:
    outcome: StartupOutcome
    view: StartupView


@dataclass(frozen=True)
class CheckDone:
    check: CheckResult


@dataclass(frozen=True)
class Verdict:
    ok: bool
    code: str  # serving | problems | started | unreachable | start_failed | start_timeout | cancelled
    headline: Message
    url: str
    tokens_per_s: float | None = None
    fix: str | None = None  # the fix of the first problem, for a one-line answer
    diagnoses: tuple[Diagnosis, ...] = ()
    report: VerifyReport | None = None  # when verify ran
    outcome: StartupOutcome | None = None
    log_tail: str = ""
    problems: tuple[CheckResult, ...] = ()  # the failed checks

    @property
    def exit_code(self) -> int:
        """serve --detach: 0 serving, 3 a problem found, 1 the server did not start, 2 unreachable."""
        return {"serving": 0, "started": 0, "problems": 3, "unreachable": 2}.get(self.code, 1)


WatchEvent = PhaseChanged | LogLine | Tick | StartupFinished | CheckDone | Verdict


def watch_launch(record: LaunchRecord, *, timeout: float = 900, poll: float = 0.5, api_key: str | None = None,
                 verify: bool = True, verify_timeout: float = 120, diagnose: Diagnose | None = None,
                 store: CalibrationStore | None = None, save: bool = True,
                 cancel: threading.Event | None = None) -> Iterator[WatchEvent]:
    """Follow a detached launch to its verdict. Blocking between events (run it in a worker)."""
    started = time.monotonic()
    tracker = PhaseTracker()
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    usual = usual_startup(record)
    reader = _LogReader(Path(record.log_path))

    def view() -> StartupView:
        return StartupView(tracker.phase, time.monotonic() - started, usual, tuple(tail), record.log_path)

    yield PhaseChanged(view())
    last_tick = 0.0
    while True:
        for line in reader.new_lines():
            tail.append(line)
            moved = tracker.feed(line, time.monotonic() - started)
            yield LogLine(line, view())
            if moved:  # after the line: "Graph capturing finished" ends one phase and starts the next
                yield PhaseChanged(view())
        elapsed = time.monotonic() - started
        if cancel is not None and cancel.is_set():
            yield Verdict(False, "cancelled", msg("startup.verdict.cancelled", url=record.url), record.url)
            return
        if probe_health(record.url):
            health = HealthResult(True, elapsed, "healthy")
            break
        if not is_alive(record):
            for line in reader.new_lines():
                tail.append(line)
                yield LogLine(line, view())
            health = HealthResult(False, elapsed, "exited")
            break
        if elapsed > timeout:
            health = HealthResult(False, elapsed, "timeout")
            break
        if elapsed - last_tick >= TICK_S:
            last_tick = elapsed
            yield Tick(view())
        time.sleep(poll)

    outcome = conclude_startup(record, health, store=store, save=save)
    failed_in = tracker.phase
    if health.ok:
        tracker.advance(Phase.READY, health.seconds)
        record_startup(record, health.seconds, {p.value: round(t, 1) for p, t in tracker.entered.items()})
    yield StartupFinished(outcome, view())
    if not health.ok:
        yield _failed_start(record, health, failed_in, outcome, diagnose or doctor_diagnosis)
        return
    if not verify:
        yield Verdict(True, "started", msg("startup.verdict.started", url=record.url, seconds=health.seconds),
                      record.url, outcome=outcome)
        return
    report = None
    for event in _verify_live(record, api_key, verify_timeout):
        if isinstance(event, CheckDone):
            yield event
        else:
            report = event
    yield _verdict_after_verify(record, outcome, report)


def _failed_start(record: LaunchRecord, health: HealthResult, phase: Phase, outcome: StartupOutcome,
                  diagnose: Diagnose) -> Verdict:
    try:
        found = tuple(diagnose(read_log(record.log_path)))
    except Exception:  # noqa: BLE001 - a diagnosis bug must not hide that the start failed
        found = ()
    code = "start_failed" if health.reason == "exited" else "start_timeout"
    if health.reason == "exited":
        headline = msg("startup.verdict.exited", phase=phase.label(), seconds=health.seconds)
    else:
        headline = msg("startup.verdict.timeout", phase=phase.label(), seconds=health.seconds)
    first = found[0] if found else None
    return Verdict(False, code, headline, record.url, fix=first.fix if first else msg("startup.verdict.see_log",
                                                                                     log=record.log_path),
                   diagnoses=found, outcome=outcome, log_tail=outcome.log_tail)


def _verify_live(record: LaunchRecord, api_key: str | None, timeout: float) -> Iterator[CheckDone | VerifyReport]:
    """Run verify in a thread and pass each check on as it completes; the report comes last."""
    results: queue.Queue = queue.Queue()
    target = target_for_record(record, api_key)

    def work() -> None:
        try:
            results.put(run_verify(target, timeout=timeout, on_check=lambda c: results.put(CheckDone(c))))
        except Exception as exc:  # noqa: BLE001 - delivered, not lost in a thread
            results.put(exc)

    thread = threading.Thread(target=work, name="verify", daemon=True)
    thread.start()
    while True:
        item = results.get()
        if isinstance(item, Exception):
            raise item
        yield item
        if not isinstance(item, CheckDone):
            return


def _verdict_after_verify(record: LaunchRecord, outcome: StartupOutcome, report: VerifyReport | None) -> Verdict:
    if report is None:  # the verify thread ended without a report: say so rather than guess
        return Verdict(False, "unreachable", msg("startup.verdict.unreachable", url=record.url, why="-"), record.url,
                       outcome=outcome)
    if not report.reachable:
        reach = report.check("reachable")
        return Verdict(False, "unreachable", msg("startup.verdict.unreachable", url=record.url,
                                                 why=reach.evidence if reach else "-"),
                       record.url, fix=reach.fix if reach else None, report=report, outcome=outcome)
    if report.failed:
        first = report.failed[0]
        headline = msg("startup.verdict.problems", count=len(report.failed), code=first.code, evidence=first.evidence)
        return Verdict(False, "problems", headline, record.url, fix=first.fix, report=report, outcome=outcome,
                       problems=report.failed)
    rate = report.speed.decode_tokens_per_s
    headline = msg("startup.verdict.serving", url=record.url, rate=rate) if rate is not None else \
        msg("startup.verdict.serving_no_speed", url=record.url)
    return Verdict(True, "serving", headline, record.url, tokens_per_s=rate, report=report, outcome=outcome)


class _LogReader:
    """New whole lines of a growing log file (a partial last line waits for its newline)."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0

    def new_lines(self) -> list[str]:
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                data = fh.read(4 << 20)
        except OSError:
            return []
        complete = data.rfind(b"\n") + 1
        self.offset += complete
        # tqdm progress bars redraw with \r: the last state of each line is what a person would see
        lines = (line.rstrip("\r").rsplit("\r", 1)[-1] for line in data[:complete].decode(errors="replace").split("\n"))
        return [line for line in lines if line.strip()]
