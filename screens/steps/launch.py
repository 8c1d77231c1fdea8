"""After Review, for the detached path: vLLM starts in the background and this step follows it to
one verdict. The flow is `serve --detach`'s own (wizard.launch.detach.start_detached, then
wizard.launch.watch.watch_launch): this screen only renders its events, which a thread worker posts
as messages (the event loop never waits on vLLM). A failed start shows the flow's diagnosis with its
fix, and `r` re-plans with that fix pinned (wizard.launch.diagnosis), back on the Plan step with
every input kept; a running server is one key from the monitor (`m`) and from being stopped (`s`).

The foreground launch (Review's `l`) is unchanged: it ends the app and vLLM owns the terminal.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Log, Static
from textual.worker import Worker, WorkerState

from screens.i18n import current_language
from screens.messages import Intent, Replan
from screens.translate import translate_bindings
from screens.widgets.stepper import Stepper
from screens.workers import reason
from wizard.i18n import localize, msg
from wizard.launch.calibration.compare import render_comparison
from wizard.launch.diagnosis import replan_for
from wizard.verify.report import render_check

if TYPE_CHECKING:
    from screens.app import WizardApp
    from wizard.launch.command import LaunchCommand
    from wizard.launch.diagnosis import Replan as ReplanPins
    from wizard.launch.options import LaunchOptions
    from wizard.launch.records import LaunchRecord
    from wizard.launch.watch import StartupView, Verdict
    from wizard.planner.plan import Plan

FOLLOW, STOP = "launch-follow", "launch-stop"
FAILED_START = {"start_failed", "start_timeout"}
LOG_LINES = 40  # the tail kept on screen (watch_launch keeps as many)
WAIT_S = 900.0  # serve --detach's default --wait


@dataclass(frozen=True)
class LaunchJob:
    """What Review hands over: the plan, the command spelled for the installed vLLM, who may connect."""

    plan: Plan
    command: LaunchCommand
    options: LaunchOptions
    vllm_exe: Path | None = None


class Started(Message):
    def __init__(self, record: LaunchRecord) -> None:
        super().__init__()
        self.record = record


class Followed(Message):
    """One event of watch_launch (PhaseChanged, LogLine, Tick, StartupFinished, CheckDone, Verdict)."""

    def __init__(self, event: object) -> None:
        super().__init__()
        self.event = event


class ReplanFound(Message):
    def __init__(self, replan: ReplanPins | None) -> None:
        super().__init__()
        self.replan = replan


class Stopped(Message):
    def __init__(self, gone: bool) -> None:
        super().__init__()
        self.gone = gone


def _t(message: object) -> str:
    return localize(message, current_language())


class LaunchStep(Screen[None]):
    """The Launch step: progress, comparison, checks, one verdict, and the keys that follow from it."""

    DEFAULT_CSS = """
    LaunchStep { layout: vertical; }
    LaunchStep #launch-phase { text-style: bold; }
    LaunchStep #launch-verdict { text-style: bold; margin: 1 0 0 0; }
    LaunchStep #launch-hint { color: $text-accent; }
    LaunchStep #launch-log { height: 8; background: $surface; }
    """
    BINDINGS = [
        Binding("escape", "leave", "launch.key.cancel"),
        Binding("m", "monitor", "launch.key.monitor"),
        Binding("r", "replan", "launch.key.replan"),
        Binding("s", "stop", "launch.key.stop"),
    ]

    def __init__(self, job: LaunchJob, *, wait_s: float = WAIT_S) -> None:
        super().__init__(classes="step step-launch")
        translate_bindings(self)
        self.job, self.wait_s = job, wait_s
        self.record: LaunchRecord | None = None
        self.verdict: Verdict | None = None
        self.replan: ReplanPins | None = None
        self.stopped = False
        self._failed = False  # the launch could not start at all (the worker raised before a record)
        self._checks: list[str] = []
        self._cancel = threading.Event()

    @property
    def wizard(self) -> WizardApp:
        return cast("WizardApp", self.app)

    @property
    def failed_start(self) -> bool:
        return self.verdict is not None and self.verdict.code in FAILED_START

    def compose(self) -> ComposeResult:
        yield Stepper(4, self.wizard.state.demo)
        with VerticalScroll(id="body"):
            yield Static(_t(msg("launch.title")), classes="title")
            yield Static(_t(msg("launch.starting")), id="launch-status")
            yield Static("", id="launch-phase")
            yield Static("", id="launch-verdict")
            yield Static("", id="launch-fix")
            yield Static("", id="launch-hint")
            yield Static(_t(msg("launch.log_title")), classes="subtitle")
            yield Log(max_lines=LOG_LINES, id="launch-log")
            yield Static(_t(msg("launch.compare_title")), classes="subtitle", id="launch-compare-title")
            yield Static("", id="launch-compare", classes="code")
            yield Static(_t(msg("launch.checks_title")), classes="subtitle", id="launch-checks-title")
            yield Static(_t(msg("launch.waiting_checks")), id="launch-checks")
        yield Footer()

    def on_mount(self) -> None:
        for hidden in ("#launch-compare-title", "#launch-compare", "#launch-fix", "#launch-hint"):
            self.query_one(hidden).display = False
        self.run_worker(self._follow, name=FOLLOW, group=FOLLOW, thread=True, exit_on_error=False)

    def on_unmount(self) -> None:
        self._cancel.set()  # the worker thread stops following; the server itself keeps running

    # --- the worker: start, then follow; it only posts messages ------------------------------------
    def _follow(self) -> None:
        from wizard.launch.startup import read_log  # noqa: PLC0415 - wizard.launch.startup pulls psutil and pydantic: kept off start-up
        from wizard.launch.watch import Verdict, watch_launch  # noqa: PLC0415 - wizard.launch.watch pulls psutil and pydantic: kept off start-up

        start = self.wizard.config.services.launch
        assert start is not None  # the app offers this step only with a launcher
        record = start(self.job.plan, self.job.command, self.job.options, self.job.vllm_exe)
        self.post_message(Started(record))
        key = self.job.options.api_key.get_secret_value() if self.job.options.api_key is not None else None
        for event in watch_launch(record, timeout=self.wait_s, api_key=key, cancel=self._cancel):
            self.post_message(Followed(event))
            if isinstance(event, Verdict) and event.code in FAILED_START:
                self.post_message(ReplanFound(replan_for(self.job.plan, event.diagnoses, read_log(record.log_path))))

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != FOLLOW or event.state != WorkerState.ERROR or self.verdict is not None:
            return

        why = reason(event.worker.error) if event.worker.error is not None else "-"
        if self.record is None:  # it could not even start (no vLLM, the machine refused): re-plan
            self._failed = True
            self.set_line("#launch-status", _t(msg("launch.start_error", reason=why)), "error")
            self.set_line("#launch-hint", _t(msg("launch.replan_plain")))
        else:  # following broke (a bug, the disk): vLLM itself may well be running
            self.set_line("#launch-verdict", _t(msg("launch.follow_error", reason=why)), "error")
            self.set_line("#launch-hint", _t(msg("launch.running_hint")))
        self.refresh_bindings()

    # --- rendering the events ----------------------------------------------------------------------
    def set_line(self, selector: str, text: str, cls: str | None = None) -> None:
        widget = self.query_one(selector, Static)
        widget.update(Content(text))  # plain: "[ok  ]" and vLLM's "[core.py:396]" are not markup
        widget.display = bool(text)
        widget.set_class(cls == "error", "error")
        widget.set_class(cls == "ok", "ok")

    @on(Started)
    def _started(self, message: Started) -> None:
        self.record = message.record
        self.set_line("#launch-status", _t(msg("launch.started", pid=message.record.pid, log=message.record.log_path)))
        self.refresh_bindings()

    @on(Followed)
    def _followed(self, message: Followed) -> None:
        from wizard.launch.watch import CheckDone, LogLine, StartupFinished, Verdict  # noqa: PLC0415 - wizard.launch.watch pulls psutil and pydantic: kept off start-up

        event = message.event
        view = getattr(event, "view", None)
        if view is not None:
            self._show_phase(view)
        if isinstance(event, LogLine):
            self.query_one("#launch-log", Log).write_line(event.line)
        elif isinstance(event, StartupFinished):
            self._show_comparison(event)
        elif isinstance(event, CheckDone):
            self._show_check(event)
        elif isinstance(event, Verdict):
            self._show_verdict(event)

    def _show_phase(self, view: StartupView) -> None:
        from wizard.launch.usual import clock  # noqa: PLC0415 - wizard.launch.usual pulls pydantic: kept off start-up

        line = _t(msg("launch.phase", phase=view.phase.label(), elapsed=clock(view.elapsed_s)))
        if view.usual is not None:
            line += _t(msg("launch.usual", low=clock(view.usual.low_s), high=clock(view.usual.high_s),
                           basis=view.usual.basis))
        if view.slower_than_usual:
            line += _t(msg("launch.slow"))
        self.set_line("#launch-phase", "▶ " + line)

    def _show_comparison(self, event) -> None:
        if event.outcome.rows:
            text = render_comparison(event.outcome.rows)
            self.query_one("#launch-compare-title").display = True
            self.set_line("#launch-compare", text)

    def _show_check(self, event) -> None:
        self._checks.append(render_check(event.check, current_language()).strip("\n"))
        self.query_one("#launch-checks", Static).update(Content("\n".join(self._checks)))

    def _show_verdict(self, verdict: Verdict) -> None:
        self.verdict = verdict
        self.set_line("#launch-verdict", ("✔ " if verdict.ok else "✘ ") + _t(verdict.headline),
                      "ok" if verdict.ok else "error")
        fixes = [_t(msg("launch.diagnosis", code=d.code, cause=d.cause)) + "\n" + _t(msg("launch.fix", fix=d.fix))
                 for d in verdict.diagnoses]
        if not fixes and verdict.fix and not verdict.ok:
            fixes = [_t(msg("launch.fix", fix=verdict.fix))]
        self.set_line("#launch-fix", "\n".join(fixes))
        if verdict.code in FAILED_START:
            self.set_line("#launch-hint", _t(msg("launch.replan_plain")))  # until the re-plan is found
            for unchecked in ("#launch-checks-title", "#launch-checks"):  # nothing to check: it did not start
                self.query_one(unchecked).display = False
        elif verdict.code == "cancelled":
            self.set_line("#launch-hint", _t(msg("launch.cancelled")))
        else:
            self.set_line("#launch-hint", _t(msg("launch.running_hint")))
        self.refresh_bindings()

    @on(ReplanFound)
    def _replan_found(self, message: ReplanFound) -> None:
        self.replan = message.replan
        if message.replan is not None:
            self.set_line("#launch-hint", _t(msg("launch.replan_offer", pins=message.replan.label)))

    # --- keys ----------------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "replan":
            return self.failed_start or self._failed
        if action in {"monitor", "stop"}:
            return self.record is not None and not self.stopped and not self.failed_start
        return True

    def action_leave(self) -> None:
        """Esc: while vLLM starts, stop waiting (it keeps running; the verdict says so and offers `s`);
        afterwards, or pressed again while verify finishes its bounded checks, back to Review."""
        if self.verdict is None and not self._failed and not self._cancel.is_set():
            self._cancel.set()
            return
        self.app.pop_screen()

    def action_monitor(self) -> None:
        if self.record is not None:
            self.wizard.monitor_server(self.record.record_path)

    def action_replan(self) -> None:
        if self.failed_start or self._failed:
            self.post_message(Intent(Replan(self.replan.pins if self.replan is not None else ())))

    def action_stop(self) -> None:
        record = self.record
        if record is None or self.stopped:
            return
        self._cancel.set()
        self.set_line("#launch-hint", _t(msg("launch.stopping", pid=record.pid)))

        def stop() -> None:
            from wizard.launch.detach import stop as stop_server  # noqa: PLC0415 - wizard.launch.detach pulls psutil and pydantic: kept off start-up

            self.post_message(Stopped(stop_server(record)))

        self.run_worker(stop, name=STOP, group=STOP, thread=True, exclusive=True, exit_on_error=False)

    @on(Stopped)
    def _stopped(self, message: Stopped) -> None:
        assert self.record is not None
        self.stopped = message.gone
        key = "launch.stopped" if message.gone else "launch.not_stopped"
        self.set_line("#launch-hint", _t(msg(key, pid=self.record.pid)), None if message.gone else "error")
        self.refresh_bindings()
