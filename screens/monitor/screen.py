"""MonitorScreen: the GPUs, the host, the processes and the vLLM server, refreshed by a sampler thread.

The sampler (wizard.monitor.sampler) runs in a Textual thread worker; each snapshot is posted to the
screen as a `SnapshotReady` message (post_message is thread-safe, and `can_replace` drops stale
snapshots if the UI falls behind). No NVML or HTTP call ever runs on the event loop. If the sampler
thread dies (or cannot be built), the screen says so on its notice line and `r` starts it again,
instead of freezing on the last snapshot.
"""

from __future__ import annotations

import threading
from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from screens.i18n import core, t
from screens.monitor import render
from screens.monitor.widgets import GpuList, HostPanel, ProcessTable, ServerPanel, TextPanel
from screens.translate import translate_bindings
from wizard.errors import WizardError
from wizard.monitor.sampler import MonitorConfig, Sampler
from wizard.monitor.snapshot import MonitorSnapshot, Notice

SAMPLER_GROUP = "monitor-sampler"


class SnapshotReady(Message):
    """A new snapshot from the sampler thread."""

    def __init__(self, snapshot: MonitorSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SnapshotReady)


class MonitorScreen(Screen[None]):
    """The live monitor. `config` says what to watch; `sampler` replaces the real one (tests);
    `autostart=False` leaves sampling off until `start_sampling()` (snapshots in tests)."""

    DEFAULT_CSS = """
    MonitorScreen { layout: vertical; }
    MonitorScreen #status { height: 1; background: $panel; text-wrap: nowrap; text-overflow: ellipsis; }
    MonitorScreen #notice { height: 1; padding: 0 1; color: $warning; display: none;
                            text-wrap: nowrap; text-overflow: ellipsis; }
    MonitorScreen #notice.-shown { display: block; }
    MonitorScreen #top { height: 1fr; }
    MonitorScreen #gpus { width: 1fr; border: round $primary; border-title-color: $text; padding: 0 0; }
    MonitorScreen #side { width: 46; }
    MonitorScreen #host { height: 4; border: round $secondary; padding: 0 1; text-wrap: nowrap;
                          text-overflow: ellipsis; }
    MonitorScreen #server { height: 1fr; border: round $secondary; padding: 0 1; overflow-y: auto; }
    MonitorScreen #procs { height: 9; border: round $secondary; }
    MonitorScreen.-narrow #top { layout: vertical; }
    MonitorScreen.-narrow #gpus { width: 1fr; height: 1fr; min-height: 4; border: none; border-top: round $primary; }
    MonitorScreen.-narrow #side { width: 1fr; height: auto; }
    MonitorScreen.-narrow #host { height: 2; border: none; border-top: round $secondary; }
    MonitorScreen.-narrow #server { height: auto; max-height: 7; border: none; border-top: round $secondary; }
    MonitorScreen.-narrow #procs { height: 6; border: none; border-top: round $secondary; }
    """
    # Side by side from 110 columns; stacked below that (80x24 over SSH).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [Binding("p", "toggle_pause", "mon.key.pause", id="monitor.pause"),
                Binding("r", "restart", "mon.key.restart", id="monitor.restart")]

    def __init__(self, config: MonitorConfig | None = None, *, sampler: Sampler | None = None,
                 autostart: bool = True, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        translate_bindings(self)
        self.config = config or MonitorConfig()
        self.sampler = sampler
        self.autostart = autostart
        self.snapshot: MonitorSnapshot | None = None
        self.paused = False
        self._stop = threading.Event()
        self._seen_notices: set[str] = set()
        self._ready = False
        self._worker: Worker[None] | None = None
        self.stopped: str | None = None  # why sampling stopped (the thread died); `r` restarts it

    def compose(self) -> ComposeResult:
        yield TextPanel(render.status_text(None, False), id="status")
        yield TextPanel(id="notice")
        with Horizontal(id="top"):
            gpus = GpuList(id="gpus")
            gpus.border_title = t("mon.title.gpus")
            yield gpus
            with Vertical(id="side"):
                host = HostPanel(id="host")
                host.border_title = t("mon.title.host")
                yield host
                server = ServerPanel(Text(t("mon.waiting_first"), style="dim"), id="server")
                server.border_title = t("mon.title.server")
                yield server
        procs = ProcessTable(id="procs")
        procs.border_title = t("mon.title.processes")
        yield procs
        yield Footer()

    def on_mount(self) -> None:
        self._ready = True
        if self.snapshot is not None:  # shown before the widgets existed
            self.show(self.snapshot)
        if self.autostart:
            # After the first paint: the layout exists before the first snapshot lands in it.
            self.call_after_refresh(self.start_sampling)

    # -- sampling --------------------------------------------------------------------------------

    def start_sampling(self) -> None:
        """Start the sampler thread (once: a second loop would share, and close, the same NVML)."""
        if self._worker is not None and not self._worker.is_finished:
            return
        if self.sampler is None:
            try:
                self.sampler = Sampler.from_config(self.config)
            except WizardError as exc:  # a bad launch record, a malformed GPU fixture
                self._stopped(exc.message)
                return
        self._stopped(None)
        self._stop = threading.Event()
        self._worker = self.run_worker(partial(self.sampler.run, self._publish, self._stop), thread=True,
                                       group=SAMPLER_GROUP, exit_on_error=False, name="monitor sampler")

    def stop_sampling(self) -> None:
        self._stop.set()

    @on(Worker.StateChanged)
    def _sampler_changed(self, event: Worker.StateChanged) -> None:
        # The sampler survives a failing round by itself; this is the thread itself dying.
        if event.worker.group == SAMPLER_GROUP and event.state == WorkerState.ERROR:
            error = event.worker.error
            self._stopped(f"{type(error).__name__}: {error}")

    def _stopped(self, reason: str | None) -> None:
        """Say that (and why) sampling stopped, or clear it when sampling runs again."""
        self.stopped = reason
        self.refresh_bindings()
        if reason is not None:
            self.notify(t("monitor.stopped", reason=reason), title=t("mon.toast_title"), severity="error", timeout=10)
        if self._ready:
            self._show_notices(self.snapshot.notices if self.snapshot else ())

    def action_restart(self) -> None:
        if self.stopped is not None:
            self.start_sampling()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "restart":
            return self.stopped is not None  # in the footer only while stopped
        return True

    def _publish(self, snapshot: MonitorSnapshot) -> None:
        # Runs on the sampler thread: post only (thread-safe), never touch widgets here.
        self.post_message(SnapshotReady(snapshot))

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        self.show(message.snapshot)

    def on_unmount(self) -> None:
        self._stop.set()

    def on_screen_suspend(self) -> None:
        # Another mode or screen is on top: stop touching NVML and the server until we are back.
        if self.sampler is not None:
            self.sampler.pause()

    def on_screen_resume(self) -> None:
        if self.sampler is not None and not self.paused:
            self.sampler.resume()

    def on_resize(self) -> None:
        # Widths and the stacked/side-by-side layout changed: re-render the last snapshot once the
        # new layout exists (also while paused, when no new snapshot would come).
        if self.snapshot is not None:
            self.call_after_refresh(self.show, self.snapshot)

    # -- rendering -------------------------------------------------------------------------------

    def show(self, snap: MonitorSnapshot) -> None:
        """Render one snapshot (called on the event loop; tests call it directly)."""
        self.snapshot = snap
        if not self._ready:
            return  # on_mount shows it
        with self.app.batch_update():
            self.query_one("#status", TextPanel).show_text(render.status_text(snap, self.paused))
            self.query_one(GpuList).show(snap)
            self.query_one(HostPanel).show(snap.host)
            self.query_one(ServerPanel).show(snap.server)
            self.query_one(ProcessTable).show(snap.processes)
            self._show_notices(snap.notices)

    def _show_notices(self, notices: tuple[Notice, ...]) -> None:
        line = self.query_one("#notice", TextPanel)
        shown = bool(notices) or self.stopped is not None
        if line.has_class("-shown") != shown:
            line.set_class(shown, "-shown")
        if self.stopped is not None:
            line.show_text(Text(t("monitor.stopped", reason=self.stopped)))
        elif notices:
            latest = notices[-1]
            more = " " + t("mon.earlier", count=len(notices) - 1) if len(notices) > 1 else ""
            line.show_text(Text(f"! {core(latest.message)}{more}"))
        fresh = [n for n in notices if n.key not in self._seen_notices]
        self._seen_notices.update(n.key for n in fresh)  # each failure is announced once
        if fresh:
            # One toast, the newest: a stack of them would cover the panels at 80x24 (the notice
            # line keeps the count of the earlier ones).
            self.app.clear_notifications()
            self.notify(core(fresh[-1].message), title=t("mon.toast_title"), severity=_severity(fresh[-1]))

    # -- actions ---------------------------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        if self.sampler is not None:
            (self.sampler.pause if self.paused else self.sampler.resume)()
        self.query_one("#status", TextPanel).show_text(render.status_text(self.snapshot, self.paused))


def _severity(notice: Notice) -> SeverityLevel:
    if notice.severity == "error":
        return "error"
    return "warning" if notice.severity == "warning" else "information"
