"""The wizard app: holds the one state object, folds intents into it, derives the plan, runs the
blocking work in thread workers and moves between the five step screens.

Workers report to the UI only by posting Intents; a worker that raises ends in one handler
(`_worker_changed`) that folds the intent ending its pending state (screens/workers.py) and offers
Ctrl+T to try again.

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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from screens import messages as act
from screens import workers as w
from screens.derive import Derived, derive, launch_options
from screens.handoff import Handoff
from screens.i18n import current_language, t
from screens.messages import Intent
from screens.services import Services
from screens.state import (
    STEPS,
    ApplyFix,
    CachedModelsFound,
    DownloadEnded,
    DownloadProgress,
    GoTo,
    HostMemoryRead,
    InspectFinished,
    InspectStarted,
    PasteRead,
    PrepFinished,
    PrepStarted,
    ProbeFinished,
    ProbeStarted,
    WizardState,
    blocked_reason,
    plan_inputs,
    reduce,
)
from screens.steps import step_class
from screens.steps.base import StepScreen
from screens.translate import translate_bindings, translate_palette
from screens.widgets.paste_command import PasteCommand, PasteCommandDialog
from wizard.errors import WizardError
from wizard.i18n import localize, msg

if TYPE_CHECKING:
    from collections.abc import Callable

    from wizard.check.paste import Paste
    from wizard.launch.command import LaunchCommand
    from wizard.launch.options import LaunchOptions
    from wizard.launch.preflight import Consent
    from wizard.launch.prepare import Preparation
    from wizard.planner.plan import Plan

PROGRESS_INTERVAL = 0.1  # seconds between download progress messages (a fast link sends thousands)


def stylesheet_text() -> str:
    return files("assets").joinpath("wizard.tcss").read_text(encoding="utf-8")


def _monitor_screen() -> Screen:
    # Imported when the monitor is first opened: the wizard's first frame does not wait for it.
    from screens.monitor.screen import MonitorScreen  # noqa: PLC0415 - screens.monitor.screen pulls psutil and textual: kept off start-up

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
        Binding(w.RETRY_KEY, "retry", "key.retry"),
        Binding("f1", "help", "key.help"),
        Binding("ctrl+q", "quit", "key.quit", priority=True),  # Textual's own, but shown in the footer
    ]

    def __init__(self, config: AppConfig) -> None:
        super().__init__()
        translate_bindings(self)
        translate_palette(self)
        self.config = config
        self.state = WizardState(vllm_version=config.vllm_version, installed_version=config.vllm_version,
                                 demo=config.demo)
        self.derived = Derived()
        self._inputs: tuple | None = None
        self._cancel_download = threading.Event()
        self._export_dir: Path | None = None  # chosen in the export picker
        self._overwrite: set[str] = set()  # exports the user asked twice for: replace the file
        self._acknowledged: LaunchCommand | None = None  # a warned plan launches on the second ask
        self._failed: dict[str, str] = {}  # worker group -> its worker's name, for Ctrl+T; newest last
        self.work_started = False  # the workers deferred past the first frame have started
        self._paste_waiting: Paste | None = None  # a pasted command, until its model is inspected

    # --- start-up ---------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.push_screen(self._step_screen(0))
        # The probe starts at once (its answer is the first screen's content); the rest once the
        # first frame is drawn: a model inspection is Python-heavy and would compete with it.
        self._start_probe()
        self.call_after_refresh(self._start_work)

    def _start_work(self) -> None:
        self.work_started = True
        self._list_cached()
        if self.config.model_text:
            self._start_inspect(self.config.model_text)

    # --- workers: one way to start them, one way they report, one handler when they fail ------------
    def _run(self, group: str, work: Callable[[], None], name: str = "", *, exclusive: bool = True) -> None:
        """Run blocking work in a thread of `group`. It reports by posting Intents; when it raises,
        `_worker_changed` ends what it left pending (never a silent hang, never a crash)."""
        self.run_worker(work, name=name or group, group=group, thread=True, exclusive=exclusive,
                        exit_on_error=False)

    def _report(self, payload: object) -> None:
        """A worker's result or progress, from its thread (post_message is thread-safe)."""
        self.post_message(Intent(payload))

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state != WorkerState.ERROR or worker.group not in w.FAILURES or worker.error is None:
            return
        ctx = w.Context(self.state, self.derived.command, worker.name, self._cancel_download.is_set())
        failure = w.failure(worker.group, worker.error, ctx)
        if failure.retry:
            self._failed.pop(worker.group, None)
            self._failed[worker.group] = worker.name
            self.refresh_bindings()
        self.handle(failure.intent)
        if failure.message:
            hint = " " + t("worker.retry_hint") if failure.retry else ""
            self.notify(failure.message + hint, severity=failure.severity, timeout=10)

    def action_retry(self) -> None:
        """Ctrl+T: run the newest failed work again."""
        if self._failed:
            self._retry(next(reversed(self._failed)))

    def _retry(self, group: str) -> None:
        name = self._failed.pop(group, "")
        self.refresh_bindings()
        starts: dict[str, Callable[[], None]] = {
            w.PROBE: self._start_probe, w.INSPECT: partial(self._start_inspect, name),
            w.DOWNLOAD: self._start_download, w.CACHED: self._list_cached,
            w.PREPARE: partial(self._maybe_prepare, again=True), w.EXPORT: partial(self._export, name),
        }
        starts[group]()

    def _start_probe(self) -> None:
        self.dispatch(ProbeStarted())
        self._run(w.PROBE, self._probe)

    def _probe(self) -> None:
        # NVML calls can take seconds on a busy machine: never on the event loop.
        self._report(HostMemoryRead(self.config.services.host_memory()))
        facts = self.config.services.probe()
        self._report(ProbeFinished(facts=facts) if facts.gpus else ProbeFinished(error_code="no_gpu"))

    def _list_cached(self) -> None:
        self._run(w.CACHED, self._cached)

    def _cached(self) -> None:
        # Scanning caches touches the disk (many files for a big cache): off the event loop.
        self._report(CachedModelsFound(tuple(self.config.services.cached_models())))

    # --- intents ------------------------------------------------------------------------------------
    @on(Intent)
    def _on_intent(self, message: Intent) -> None:
        self.handle(message.payload)

    def handle(self, payload: object) -> None:
        """An action (side effects: workers, screens, the end) or a state intent (folded)."""
        actions: dict[type, Callable[[Any], object]] = {
            act.Navigate: self._navigate, act.Inspect: lambda p: self._start_inspect(p.text),
            act.StartDownload: lambda p: self._start_download(p.folder), act.CancelDownload: lambda p: self._cancel(),
            act.Launch: lambda p: self.action_launch(), act.Export: lambda p: self._export(p.kind, p.folder),
            act.Exported: self._exported, act.Retry: lambda p: self._retry(p.group),
            act.LaunchDetached: lambda p: self.action_launch_detached(), act.Replan: self._replan,
            DownloadEnded: self._download_ended, PrepFinished: self._prepared,
            PasteCommand: lambda p: self.paste(p.text), InspectFinished: self._inspected,
        }
        handler = actions.get(type(payload))
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
        if step == self.state.step and isinstance(self.screen, step_class(step)):
            return
        self.dispatch(GoTo(step))
        self.switch_screen(self._step_screen(step))

    def _step_screen(self, step: int) -> str:
        """Each step's screen is built once and kept (installed): going back and forth re-shows it
        from the state instead of composing it again, which keeps a step change quick over SSH."""
        name = f"step-{STEPS[step]}"
        if not self.is_screen_installed(name):
            self.install_screen(step_class(step)(), name)
        return name

    def action_back(self) -> None:  # type: ignore[override]  # sync on purpose: key bindings call it
        if self.current_mode == "monitor":
            self.switch_mode("wizard")  # Esc leaves the monitor, back to the step it came from
            return
        if isinstance(self.screen, StepScreen) and self.screen.close_panel():
            return
        self._navigate(act.Navigate(-1))

    def action_help(self) -> None:
        from screens.widgets.help_screen import HelpScreen, key_lines  # noqa: PLC0415 - the help screen loads when asked for, not for the first frame

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(key_lines(self, self.screen)))

    def action_next(self) -> None:
        if self.current_mode != "monitor":
            self._navigate(act.Navigate(+1))

    def action_monitor(self) -> None:
        self.switch_mode("wizard" if self.current_mode == "monitor" else "monitor")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next":
            return self.current_mode != "monitor" and self.state.step < len(STEPS) - 1
        if action == "retry":
            return bool(self._failed) and self.current_mode != "monitor"  # in the footer only when useful
        return True

    # --- model inspection and download ---------------------------------------------------------------
    def _start_inspect(self, text: str) -> None:
        self.dispatch(InspectStarted(text))
        self._run(w.INSPECT, partial(self._inspect, text), text)

    def _inspect(self, text: str) -> None:
        found = self.config.services.inspect(text)
        self._report(InspectFinished(text, found.facts, found.ref, found.needs_download))

    def _start_download(self, folder: str | None = None) -> None:
        ref = self.state.model.ref
        if ref is None or self.config.services.download is None or self.state.model.download.running:
            return
        self._cancel_download = threading.Event()
        self.dispatch(DownloadProgress(0, None))
        self._run(w.DOWNLOAD, partial(self._download, ref, self._cancel_download, folder), ref)

    def _cancel(self) -> None:
        self._cancel_download.set()

    def _download(self, ref: str, cancel: threading.Event, folder: str | None = None) -> None:
        assert self.config.services.download is not None
        last = 0.0

        def progress(done: int, total: int | None) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= PROGRESS_INTERVAL or (total is not None and done >= total):
                last = now
                self._report(DownloadProgress(done, total))

        # A chosen folder is passed only when there is one: a service may not take it (the demo's).
        self.config.services.download(ref, progress, cancel, **({"local_dir": folder} if folder else {}))
        self._report(DownloadEnded(cancelled=cancel.is_set(), folder=folder))

    def _download_ended(self, ended: DownloadEnded) -> None:
        self.dispatch(ended)
        if not ended.cancelled and ended.error is None:
            # The weights are on disk now: inspect the local copy (exact headers, no estimates); one
            # downloaded into a chosen folder is served from that folder.
            self._start_inspect(ended.folder or self.state.model.text)

    # --- a pasted command: its flags pinned, then the Plan step -------------------------------------
    def paste(self, text: str) -> str | None:
        """Read a pasted `vllm serve` command or YAML path (wizard.check) and inspect its model; the
        Plan step opens once it is inspected. Returns the refusal, in one sentence, or None; the
        screen then keeps the text with its secrets masked (wizard.check.paste.masked)."""
        from wizard.check.paste import read_paste  # noqa: PLC0415 - wizard.check (30 modules) loads only when a command is pasted

        try:
            pasted = read_paste(text, self.state.vllm_version)
        except WizardError as exc:
            return localize(exc.message, current_language())
        for note in pasted.notes:
            self.notify(localize(note, current_language()), severity="warning", timeout=15)
        model = self.state.model
        if model.facts is not None and model.text == pasted.model and model.pending is None:
            self._paste_waiting = None
            # The same model is inspected already. Later, not now: the palette's dialog is still on
            # top until it is dismissed, and switching now would replace the dialog, not the step.
            self.call_later(self._use_paste, pasted)
        else:
            # Pins, GPUs and exposure change only once the model is found: a model that cannot be
            # inspected leaves them as they were (the step shows why, as for a typed model).
            self._paste_waiting = pasted
            self._start_inspect(pasted.model)
        return None

    def _inspected(self, finished: InspectFinished) -> None:
        self.dispatch(finished)
        waiting = self._paste_waiting
        if waiting is not None and finished.text == waiting.model and self.state.model.pending is None:
            self._paste_waiting = None
            self._use_paste(waiting)

    def _use_paste(self, pasted: Paste) -> None:
        """The command's flags become the pins; the Plan step (or the first step still missing input,
        e.g. the API key a public host needs) shows its prediction."""
        self.dispatch(PasteRead(pasted))
        self.goto(STEPS.index("plan"))

    # --- the end: checks, exports and launch ----------------------------------------------------------
    def _maybe_prepare(self, again: bool = False) -> None:
        """On the Review step, run the launcher's preparation once per command (and again when it
        changes, or when the user asks after a failure)."""
        command, plan = self.derived.command, self.derived.plan
        if (self.state.step_name != "review" or self.config.services.prepare is None or command is None
                or plan is None or self.state.prep_pending
                or (not again and self.state.prep is not None and self.state.prep.planned == command)):
            return
        from wizard.launch.preflight import Consent  # noqa: PLC0415 - wizard.launch.preflight pulls pydantic: kept off start-up

        self.dispatch(PrepStarted())
        # Consent: the Goals step requires a key for every interface; repository code runs only when
        # the plan says so, which the Plan step showed with its reason.
        consent = Consent(trust_remote_code=plan.settings.trust_remote_code)
        self._run(w.PREPARE, partial(self._prepare, plan, command, launch_options(self.state), consent))

    def _prepare(self, plan: Plan, command: LaunchCommand, options: LaunchOptions, consent: Consent) -> None:
        assert self.config.services.prepare is not None
        self._report(PrepFinished(self.config.services.prepare(plan, command, options, consent)))

    def _prepared(self, finished: PrepFinished) -> None:
        prepared: Preparation | None = finished.prepared
        if prepared is None or prepared.planned == self.derived.command:
            self.dispatch(finished)
        else:
            self.dispatch(PrepFinished(None))  # stale: the command changed meanwhile; check again
            self._maybe_prepare()

    def export_folder(self) -> Path:
        """Where exports go: the folder last chosen in the picker, else --export-dir, else the cwd."""
        return self._export_dir or self.config.export_dir or Path.cwd()

    def _export(self, kind: str, folder: str | None = None) -> None:
        if folder:
            self._export_dir = Path(folder).expanduser()
        command = self.derived.command
        if command is None:
            return
        force = kind in self._overwrite
        self._run(w.EXPORT, partial(self._write_export, kind, command, force), kind, exclusive=False)

    def _write_export(self, kind: str, command: LaunchCommand, force: bool) -> None:
        from screens.exporting import MULTINODE, export, export_context, export_multinode_file, export_paths  # noqa: PLC0415 - screens.exporting pulls pydantic: kept off start-up

        folder = self.export_folder()
        if kind in MULTINODE and self.derived.plan is not None:
            path = export_multinode_file(kind, command, self.derived.plan, launch_options(self.state), folder,
                                         force=force)
            self._report(act.Exported(kind, "written", t("review.exported", path=str(path))))
            return
        export(kind, command, export_context(self.state, self.derived), folder, force=force)
        written = ", ".join(str(p) for p in export_paths(kind, command, folder.resolve()))
        self._report(act.Exported(kind, "written", t("review.exported", path=written)))

    def _exported(self, done: act.Exported) -> None:
        # A file that exists is replaced only when the user asks for the same export again.
        if done.outcome == "exists":
            self._overwrite.add(done.kind)
        else:
            self._overwrite.discard(done.kind)
        if done.message:
            self.notify(done.message)

    def _ready_command(self) -> tuple[LaunchCommand, Preparation | None] | None:
        """The command to launch and its preparation, or None after saying why not."""
        command = self.derived.command
        if command is None:
            self.notify(t("plan.unavailable"), severity="warning")
            return None
        if self.state.hardware.nodes > 1:
            # One node cannot start a multi-node server by itself: Ray must run on every node first.
            self.notify(t("review.multinode_launch", nodes=self.state.hardware.nodes), severity="warning", timeout=10)
            return None
        prepared = self.state.prep
        if self.config.services.prepare is not None and not self.config.demo:
            if self.state.prep_pending or prepared is None:
                self.notify(t("review.checking"), severity="warning")
                self._maybe_prepare()
                return None
            if not prepared.ok and not self.config.dry_run:
                self.notify(t("review.blocked", reason=prepared.blocking[0]), severity="error", timeout=10)
                return None
        if not self._warnings_acknowledged(command):
            return None
        return (prepared.command if prepared is not None else command), prepared

    def action_launch(self) -> None:
        ready = self._ready_command()
        if ready is None:
            return
        # Workers are threads: cancel them so the process exits promptly before the exec.
        self._cancel_download.set()
        self.workers.cancel_all()
        self.exit(Handoff(*ready))

    def action_launch_detached(self) -> None:
        """vLLM in the background, followed to its verdict on the Launch step (screens/steps/launch.py)."""
        if self.config.demo or self.config.dry_run or self.config.services.launch is None:
            self.notify(localize(msg("launch.unavailable"), current_language()), severity="warning")
            return
        ready, plan = self._ready_command(), self.derived.plan
        if ready is None or plan is None:
            return
        from screens.steps.launch import LaunchJob, LaunchStep  # noqa: PLC0415 - the launch step's widgets load when it opens, not for the first frame

        command, prepared = ready
        vllm_exe = prepared.vllm_exe if prepared is not None else None
        self.push_screen(LaunchStep(LaunchJob(plan, command, launch_options(self.state), vllm_exe)))

    def _replan(self, replan: act.Replan) -> None:
        """From a failed start back to the Plan step, the diagnosis's fix pinned; every input kept."""
        while not isinstance(self.screen, StepScreen) and len(self.screen_stack) > 2:
            self.pop_screen()
        if replan.pins:
            self.dispatch(ApplyFix(replan.pins))
        self.goto(STEPS.index("plan"))

    def monitor_server(self, record_path: Path) -> None:
        """The monitor on one launched server (the Launch step's `m`); Esc comes back."""
        from screens.monitor.screen import MonitorScreen  # noqa: PLC0415 - screens.monitor.screen pulls psutil and textual: kept off start-up
        from wizard.monitor.sampler import MonitorConfig  # noqa: PLC0415 - wizard.monitor.sampler pulls psutil: kept off start-up

        if self.current_mode != "wizard":
            return
        self.remove_mode("monitor")
        self.add_mode("monitor", lambda: MonitorScreen(MonitorConfig(launch_record=record_path)))
        self.switch_mode("monitor")

    def _warnings_acknowledged(self, command: LaunchCommand) -> bool:
        """A plan with warnings launches on the second request for the same command: the first
        only says how many warnings stand (issue 14: a warning never hides behind a green tick)."""
        plan = self.derived.plan
        if plan is None or not plan.warnings or self._acknowledged == command:
            return True
        self._acknowledged = command

        text = localize(msg("chooser.review.confirm_launch", count=len(plan.warnings)), current_language())
        self.notify(text, severity="warning", timeout=10)
        return False

    # --- command palette --------------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for index, name in enumerate(STEPS):
            yield SystemCommand(t("cmd.goto", step=t(f"step.{name}.name")), t("cmd.goto_help"),
                                partial(self.goto, index))
        yield SystemCommand(t("cmd.launch"), t("cmd.launch_help"), self.action_launch)
        yield SystemCommand(t("paste.cmd"), t("paste.cmd_help"), self.action_paste_command)
        for number, fix in enumerate(self.derived.fixes, start=1):
            yield SystemCommand(t("cmd.fix", label=fix.label), fix.result, partial(self._apply_fix, number))
        for group in reversed(self._failed):
            yield SystemCommand(t(f"retry.{group}"), t("cmd.retry_help"),
                                partial(self.handle, act.Retry(group)))
        yield SystemCommand(t("cmd.monitor"), t("cmd.monitor_help"), self.action_monitor)
        yield from super().get_system_commands(screen)

    def action_paste_command(self) -> None:
        self.push_screen(PasteCommandDialog())

    def _apply_fix(self, number: int) -> None:
        fix = self.derived.fixes[number - 1]
        self.dispatch(ApplyFix(tuple(sorted(fix.pins.items()))))
