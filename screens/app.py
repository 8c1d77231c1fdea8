"""The wizard app: holds the one state object, folds intents into it, derives the plan, runs the
blocking work in thread workers and moves between the five step screens.

It ends with `exit(Handoff)`; screens/run.py execs its command after Textual has restored
the terminal. Keyboard first: every action has a key, shown in the footer and the command palette.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import partial
from importlib.resources import files
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from screens import messages as act
from screens.derive import Derived, derive, launch_options
from screens.handoff import Handoff
from screens.i18n import t
from screens.messages import Intent
from screens.services import Services
from screens.state import (
    STEPS,
    ApplyFix,
    DownloadEnded,
    DownloadProgress,
    GoTo,
    InspectFailed,
    InspectFinished,
    InspectStarted,
    PrepFinished,
    PrepStarted,
    ProbeFinished,
    WizardState,
    blocked_reason,
    plan_inputs,
    reduce,
)
from screens.steps.base import StepScreen
from screens.steps.goals import GoalsStep
from screens.steps.hardware import HardwareStep
from screens.steps.model import ModelStep
from screens.steps.plan import PlanStep
from screens.steps.review import ReviewStep
from screens.translate import translate_bindings
from wizard.errors import WizardError

if TYPE_CHECKING:
    from screens.launch_prep import Prepared
    from wizard.launch.command import LaunchCommand
    from wizard.planner.plan import Plan

STEP_SCREENS: tuple[type[StepScreen], ...] = (HardwareStep, ModelStep, GoalsStep, PlanStep, ReviewStep)
PROGRESS_INTERVAL = 0.1  # seconds between download progress messages (a fast link sends thousands)


def stylesheet_text() -> str:
    return files("assets").joinpath("wizard.tcss").read_text(encoding="utf-8")


def monitor_available() -> bool:
    """The monitor (screens/monitor, built alongside the wizard) is importable without importing it."""
    try:
        return find_spec("screens.monitor.screen") is not None
    except ImportError:
        return False


def _monitor_screen() -> Screen:
    from screens.monitor.screen import MonitorScreen

    return MonitorScreen()


@dataclass(frozen=True)
class AppConfig:
    services: Services
    vllm_version: str
    model_text: str = ""
    demo: bool = False
    dry_run: bool = False
    export_dir: Path | None = None  # where exports are written; None: the current directory


class WizardApp(App[Handoff]):
    TITLE = "vllm-wizard"
    CSS = stylesheet_text()
    # The steps are pushed over a blank base screen in the "wizard" mode; "monitor" is the live view.
    DEFAULT_MODE = "wizard"
    MODES = {"wizard": Screen, "monitor": _monitor_screen}
    BINDINGS = [
        Binding("escape", "back", "key.back"),
        Binding("ctrl+n", "next", "key.next"),
        Binding("m", "monitor", "key.monitor"),
    ]

    def __init__(self, config: AppConfig) -> None:
        super().__init__()
        translate_bindings(self)
        self.config = config
        self.state = WizardState(vllm_version=config.vllm_version, demo=config.demo)
        self.derived = Derived()
        self._inputs: tuple | None = None
        self._cancel_download = threading.Event()
        self._overwrite: set[str] = set()  # exports the user asked twice for: replace the file

    # --- start-up ---------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.push_screen(self._step_screen(0))
        self._probe()
        if self.config.model_text:
            self._start_inspect(self.config.model_text)

    @work(thread=True, exclusive=True, group="probe", exit_on_error=False)
    def _probe(self) -> None:
        # NVML calls can take seconds on a busy machine: never on the event loop.
        from wizard.hardware.errors import HardwareError

        try:
            facts = self.config.services.probe()
            result = ProbeFinished(facts=facts) if facts.gpus else ProbeFinished(error_code="no_gpu")
        except HardwareError as exc:
            result = ProbeFinished(error_code=exc.code, error_message=exc.message)
        except WizardError as exc:
            result = ProbeFinished(error_code="nvml_error", error_message=exc.message)
        self.post_message(Intent(result))

    # --- intents ------------------------------------------------------------------------------------
    @on(Intent)
    def _on_intent(self, message: Intent) -> None:
        payload = message.payload
        handler = {act.Navigate: self._navigate, act.Inspect: lambda p: self._start_inspect(p.text),
                   act.StartDownload: lambda p: self._start_download(), act.CancelDownload: lambda p: self._cancel(),
                   act.Launch: lambda p: self.action_launch(), act.Export: lambda p: self._export(p.kind)}.get(
            type(payload))
        if handler is not None:
            handler(payload)
        else:
            self.dispatch(payload)

    def dispatch(self, intent: object) -> None:
        """Fold a state intent into the state; re-plan when a planning input changed; re-render."""
        new = reduce(self.state, intent)
        if new == self.state:
            return
        self.state = new
        inputs = plan_inputs(new)
        if inputs != self._inputs:
            self._inputs = inputs
            self.derived = derive(new)
        self.refresh_step()

    def refresh_step(self) -> None:
        self._maybe_prepare()
        for screen in reversed(self.screen_stack):
            if isinstance(screen, StepScreen):
                if screen.is_mounted:
                    screen.show(self.state, self.derived)
                return

    def blocked_reason(self) -> str | None:
        screen = next((s for s in reversed(self.screen_stack) if isinstance(s, StepScreen)), None)
        local = screen.local_block() if screen is not None else None
        return local or blocked_reason(self.state)

    # --- navigation -------------------------------------------------------------------------------
    def _navigate(self, payload: act.Navigate) -> None:
        if payload.delta > 0:
            reason = self.blocked_reason()
            if reason is not None:
                if reason != "nav.blocked.last_step":
                    self.notify(t(reason), severity="warning")
                return
        self.goto(self.state.step + payload.delta)

    def goto(self, step: int) -> None:
        """Show `step`; forward jumps stop at the first step whose input is still missing."""
        step = min(max(step, 0), len(STEPS) - 1)
        for earlier in range(self.state.step, step):
            if blocked_reason(replace(self.state, step=earlier)) is not None:
                step = earlier
                break
        if step == self.state.step and isinstance(self.screen, STEP_SCREENS[step]):
            return
        self.dispatch(GoTo(step))
        self.switch_screen(self._step_screen(step))

    def _step_screen(self, step: int) -> str:
        """Each step's screen is built once and kept (installed): going back and forth re-shows it
        from the state instead of composing it again, which keeps a step change quick over SSH."""
        name = f"step-{STEPS[step]}"
        if not self.is_screen_installed(name):
            self.install_screen(STEP_SCREENS[step](), name)
        return name

    def action_back(self) -> None:
        if self.current_mode == "monitor":
            self.switch_mode("wizard")  # Esc leaves the monitor, back to the step it came from
            return
        self._navigate(act.Navigate(-1))

    def action_next(self) -> None:
        if self.current_mode != "monitor":
            self._navigate(act.Navigate(+1))

    def action_monitor(self) -> None:
        if not monitor_available():
            self.notify(t("app.no_monitor"), severity="warning")
            return
        self.switch_mode("wizard" if self.current_mode == "monitor" else "monitor")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "monitor":
            return monitor_available()
        if action == "next":
            return self.current_mode != "monitor" and self.state.step < len(STEPS) - 1
        return True

    # --- model inspection and download ---------------------------------------------------------------
    def _start_inspect(self, text: str) -> None:
        self.dispatch(InspectStarted(text))
        self._inspect(text)

    @work(thread=True, exclusive=True, group="inspect", exit_on_error=False)
    def _inspect(self, text: str) -> None:
        try:
            found = self.config.services.inspect(text)
            result: object = InspectFinished(text, found.facts, found.ref, found.needs_download)
        except WizardError as exc:
            result = InspectFailed(text, exc.message)
        except Exception as exc:  # noqa: BLE001 - shown to the user instead of killing the app
            result = InspectFailed(text, t("model.unexpected", error=f"{type(exc).__name__}: {exc}"))
        self.post_message(Intent(result))

    def _start_download(self) -> None:
        ref = self.state.model.ref
        if ref is None or self.config.services.download is None or self.state.model.download.running:
            return
        self._cancel_download = threading.Event()
        self.dispatch(DownloadProgress(0, None))
        self._download(ref, self._cancel_download)

    def _cancel(self) -> None:
        self._cancel_download.set()

    @work(thread=True, exclusive=True, group="download", exit_on_error=False)
    def _download(self, ref: str, cancel: threading.Event) -> None:
        assert self.config.services.download is not None
        last = 0.0

        def progress(done: int, total: int | None) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= PROGRESS_INTERVAL or (total is not None and done >= total):
                last = now
                self.post_message(Intent(DownloadProgress(done, total)))

        try:
            self.config.services.download(ref, progress, cancel)
            ended = DownloadEnded(cancelled=cancel.is_set())
        except WizardError as exc:
            # A cancel surfaces as DownloadCancelledError: it is the user's choice, not an error.
            ended = DownloadEnded(cancelled=True) if cancel.is_set() else DownloadEnded(error=exc.message)
        self.post_message(Intent(ended))
        if not ended.cancelled and ended.error is None:
            # The weights are on disk now: inspect the local copy (exact headers, no estimates).
            self.call_from_thread(self._start_inspect, self.state.model.text)

    # --- the end: checks, exports and launch ----------------------------------------------------------
    def _maybe_prepare(self) -> None:
        """On the Review step, run the launcher's checks once per command (and again when it changes)."""
        command, plan = self.derived.command, self.derived.plan
        if (self.state.step_name != "review" or self.config.services.prepare is None or command is None
                or plan is None or self.state.prep_pending
                or (self.state.prep is not None and self.state.prep.planned == command)):
            return
        self.dispatch(PrepStarted())
        self._prepare(plan, command)

    @work(thread=True, exclusive=True, group="prepare", exit_on_error=False)
    def _prepare(self, plan: Plan, command: LaunchCommand) -> None:
        assert self.config.services.prepare is not None
        options = launch_options(self.state)
        try:
            prepared = self.config.services.prepare(plan, command, options, plan.settings.trust_remote_code)
        except WizardError as exc:
            from screens.launch_prep import CheckLine, Prepared

            prepared = Prepared(command, command, checks=(CheckLine("vLLM", "fail", exc.message),))
        self.call_from_thread(self._prepared, prepared)

    def _prepared(self, prepared: Prepared) -> None:
        if prepared.planned == self.derived.command:
            self.dispatch(PrepFinished(prepared))
        else:
            self.dispatch(PrepFinished(None))  # stale: the command changed meanwhile; check again
            self._maybe_prepare()

    def _export(self, kind: str) -> None:
        command = self.derived.command
        if command is None:
            return
        force = kind in self._overwrite
        self._write_export(kind, command, force)

    @work(thread=True, group="export", exit_on_error=False)
    def _write_export(self, kind: str, command: LaunchCommand, force: bool) -> None:
        from screens.exporting import ExportExists, export, export_context

        folder = self.config.export_dir or Path.cwd()
        try:
            path = export(kind, command, export_context(self.state, self.derived), folder, force=force)
        except ExportExists as exc:
            self.call_from_thread(self._exported, kind, t("review.export_exists", path=str(exc.path)), "warning")
        except (OSError, WizardError) as exc:
            reason = exc.message if isinstance(exc, WizardError) else str(exc)
            self.call_from_thread(self._exported, kind, t("review.export_failed", reason=reason), "error")
        else:
            self.call_from_thread(self._exported, kind, t("review.exported", path=str(path)), "information")

    def _exported(self, kind: str, message: str, severity: SeverityLevel) -> None:
        # A file that exists is replaced only when the user asks for the same export again.
        if severity == "warning":
            self._overwrite.add(kind)
        else:
            self._overwrite.discard(kind)
        self.notify(message, severity=severity)

    def action_launch(self) -> None:
        command = self.derived.command
        if command is None:
            self.notify(t("plan.unavailable"), severity="warning")
            return
        prepared = self.state.prep
        if self.config.services.prepare is not None and not self.config.demo:
            if self.state.prep_pending or prepared is None:
                self.notify(t("review.checking"), severity="warning")
                self._maybe_prepare()
                return
            if not prepared.ok and not self.config.dry_run:
                self.notify(t("review.blocked", reason=prepared.blocking[0]), severity="error", timeout=10)
                return
        # Workers are threads: cancel them so the process exits promptly before the exec.
        self._cancel_download.set()
        self.workers.cancel_all()
        self.exit(Handoff(prepared.command if prepared is not None else command, prepared))

    # --- command palette --------------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for index, name in enumerate(STEPS):
            yield SystemCommand(t("cmd.goto", step=t(f"step.{name}.name")), t("cmd.goto_help"),
                                partial(self.goto, index))
        yield SystemCommand(t("cmd.launch"), t("cmd.launch_help"), self.action_launch)
        for number, fix in enumerate(self.derived.fixes, start=1):
            yield SystemCommand(t("cmd.fix", label=fix.label), fix.result, partial(self._apply_fix, number))
        if monitor_available():
            yield SystemCommand(t("cmd.monitor"), t("cmd.monitor_help"), self.action_monitor)
        yield from super().get_system_commands(screen)

    def _apply_fix(self, number: int) -> None:
        fix = self.derived.fixes[number - 1]
        self.dispatch(ApplyFix(tuple(sorted(fix.pins.items()))))
