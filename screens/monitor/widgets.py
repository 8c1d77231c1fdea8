"""The monitor's widgets. Each one is handed a snapshot piece and only renders it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import DataTable, Static

from screens.i18n import core, t
from screens.monitor import render
from wizard.monitor.snapshot import GpuSample, HostSample, MonitorSnapshot, ProcessRow, ServerSample

History = dict[str, tuple[float | None, ...]]


class GpuPanel(Widget):
    """One GPU: figures, memory bar, sparklines. Width-aware, so it renders itself (not a Static)."""

    DEFAULT_CSS = """
    GpuPanel { height: 3; text-wrap: nowrap; text-overflow: ellipsis; }
    GpuPanel.-compact { height: 2; }
    """

    def __init__(self, gpu: GpuSample, history: History, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.gpu = gpu
        self.history = history

    def show(self, gpu: GpuSample, history: History) -> None:
        if gpu == self.gpu and history == self.history:
            return
        self.gpu, self.history = gpu, history
        self.refresh()

    def render(self) -> RenderResult:
        return render.gpu_text(self.gpu, self.history, self.size.width, self.has_class("-compact"))


class GpuList(VerticalScroll):
    """All GPUs, scrolling when they do not fit; two lines each when three would not fit."""

    DEFAULT_CSS = """
    GpuList { height: 1fr; }
    GpuList > #gpu-message { padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield TextPanel(t("mon.sampling"), id="gpu-message")

    def show(self, snap: MonitorSnapshot) -> None:
        message = self.query_one("#gpu-message", TextPanel)
        if snap.gpu_error:
            message.show_text(Text(core(snap.gpu_error), style="red"))
        elif not snap.gpus:
            message.show_text(Text(t("mon.no_gpu"), style="dim"))
        wanted = bool(snap.gpu_error or not snap.gpus)
        if message.display != wanted:
            message.display = wanted
        panels = list(self.query(GpuPanel))
        if [p.gpu.index for p in panels] != [g.index for g in snap.gpus]:
            for panel in panels:
                panel.remove()
            panels = [GpuPanel(g, snap.history.get(g.index, {}), id=f"gpu-{g.index}") for g in snap.gpus]
            self.mount_all(panels)
        compact = self.size.height < 3 * len(snap.gpus) + (1 if message.display else 0)
        for panel, gpu in zip(panels, snap.gpus):
            if panel.has_class("-compact") != compact:
                panel.set_class(compact, "-compact")
            panel.show(gpu, snap.history.get(gpu.index, {}))


class TextPanel(Static):
    """A Static fed whole Text renders. Unchanged text costs nothing; a layout pass (which reflows
    the whole screen) happens only when the number of lines changes, not on every figure update:
    at 1 Hz that is most of the monitor's CPU time."""

    _shown: Text | None = None

    def show_text(self, text: Text) -> None:
        if text == self._shown:
            return
        relayout = self._shown is None or text.plain.count("\n") != self._shown.plain.count("\n")
        self._shown = text
        # Textual-native Content renders in about half the time of a Rich Text.
        self.update(Content.from_rich_text(text), layout=relayout)


class HostPanel(TextPanel):
    def show(self, host: HostSample) -> None:
        self.show_text(render.host_text(host, self.size.width))


class ServerPanel(TextPanel):
    def show(self, server: ServerSample) -> None:
        self.show_text(render.server_text(server, self.size.width, compact=self.screen.has_class("-narrow")))


COLUMNS = (("GPU", "gpu"), ("PID", "pid"), ("mon.col.user", "user"), ("mon.col.mem", "mem"), ("%CPU", "cpu"),
           ("%MEM", "rss"), ("mon.col.time", "time"), ("mon.col.command", "command"))


WIDTHS = {"pid": 7, "gpu": 3}


class ProcessTable(DataTable[Text]):
    """GPU processes in the sampler's order (ours first). Rows are updated in place, cell by cell,
    while the set of processes is unchanged; when it changes the table is rebuilt and the cursor
    stays on the same process."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._cells: dict[str, tuple[Text, ...]] = {}
        # Columns now, not on mount: the first snapshot may arrive before the table is mounted.
        for label, key in COLUMNS:
            # A PID is up to 7 digits (pid_max 4194304): sized for that from the first frame, so the
            # column does not start at the header's width and cut the PIDs until it is rebuilt.
            self.add_column(t(label) if label.startswith("mon.") else label, key=key, width=WIDTHS.get(key))

    def show(self, rows: tuple[ProcessRow, ...]) -> None:
        keys = [f"{r.gpu_index}:{r.pid}" for r in rows]
        cells = {key: render.process_cells(row) for key, row in zip(keys, rows)}
        current = [key.value for key in self.rows]
        if keys != current:
            under_cursor = current[self.cursor_row] if 0 <= self.cursor_row < len(current) else None
            self.clear()
            for key in keys:
                self.add_row(*cells[key], key=key)
            if under_cursor in keys:
                self.move_cursor(row=keys.index(under_cursor))
        else:
            for key in keys:
                old = self._cells.get(key, ())
                for i, ((_, column), cell) in enumerate(zip(COLUMNS, cells[key])):
                    if i >= len(old) or old[i] != cell:
                        self.update_cell(key, column, cell, update_width=column == "command")
        self._cells = cells
