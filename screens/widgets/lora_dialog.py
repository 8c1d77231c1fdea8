"""LoRA adapters (ctrl+l on the Model step): add NAME=PATH, a folder or a Hugging Face id; each is
read and checked by wizard.model.lora_adapter in a worker (a folder may sit on a slow network mount),
listed with its rank, and removed with Delete. Done (or Esc) hands the list back to the step."""

from __future__ import annotations

from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.worker import Worker, WorkerState

from screens.i18n import core
from screens.translate import translate_bindings
from screens.workers import reason
from wizard.i18n import msg
from wizard.model.lora_adapter import LoraAdapter, read_adapter

READ_GROUP = "lora-read"


def adapter_line(adapter: LoraAdapter) -> str:
    if adapter.rank is None:
        return core(msg("appctl.lora.line_hub", name=adapter.name, source=adapter.source))
    return core(msg("appctl.lora.line_local", name=adapter.name, source=adapter.source, rank=adapter.rank))


class LoraDialog(ModalScreen[tuple[LoraAdapter, ...]]):
    DEFAULT_CSS = """
    LoraDialog { align: center middle; }
    #lora-dialog {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        padding: 0 1; background: $panel; border: round $primary;
    }
    #lora-row { height: 1; margin: 1 0 0 0; }
    #lora-input { width: 1fr; }
    #lora-add { margin: 0 0 0 1; }
    #lora-error { height: auto; }
    #lora-list { height: auto; max-height: 8; margin: 1 0 0 0; }
    #lora-note { color: $text-muted; height: auto; }
    #lora-actions { height: 1; margin: 1 0 0 0; }
    """
    BINDINGS = [Binding("escape", "done", "appctl.key.done"), Binding("delete", "remove", "appctl.key.remove")]

    def __init__(self, adapters: tuple[LoraAdapter, ...], taken: tuple[str, ...] = ()) -> None:
        super().__init__()
        translate_bindings(self)
        self.adapters = list(adapters)
        self.taken = taken  # names clients already use: the base model's

    def compose(self) -> ComposeResult:
        with Vertical(id="lora-dialog"):
            yield Static(core(msg("appctl.lora.title")), classes="subtitle")
            with Horizontal(id="lora-row"):
                yield Input("", id="lora-input", placeholder=core(msg("appctl.lora.hint")), compact=True)
                yield Button(core(msg("appctl.lora.add")), id="lora-add", compact=True)
            yield Static("", id="lora-error", classes="error")
            yield OptionList(id="lora-list")
            yield Static(core(msg("appctl.lora.note")), id="lora-note")
            with Horizontal(id="lora-actions"):
                yield Button(core(msg("appctl.lora.close")), id="lora-done", compact=True, variant="primary")

    def on_mount(self) -> None:
        self._show_list()
        self.query_one("#lora-input").focus()

    def _show_list(self) -> None:
        listing = self.query_one("#lora-list", OptionList)
        listing.clear_options()
        if self.adapters:
            listing.add_options([adapter_line(a) for a in self.adapters])
            listing.highlighted = len(self.adapters) - 1
        else:
            listing.add_option(core(msg("appctl.lora.none")))
        listing.disabled = not self.adapters

    def _say(self, text: str) -> None:
        self.query_one("#lora-error", Static).update(text)

    @on(Input.Submitted, "#lora-input")
    @on(Button.Pressed, "#lora-add")
    def action_add(self) -> None:
        text = self.query_one("#lora-input", Input).value.strip()
        taken = self.taken + tuple(a.name for a in self.adapters)
        self._say(core(msg("appctl.lora.reading", text=text)))
        self.run_worker(partial(read_adapter, text, taken), name=text, group=READ_GROUP, thread=True,
                        exclusive=True, exit_on_error=False)

    @on(Worker.StateChanged)
    def _read(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != READ_GROUP:
            return
        event.stop()  # this dialog's own work: the app's failure table does not know it
        if event.state == WorkerState.SUCCESS and isinstance(worker.result, LoraAdapter):
            self.adapters.append(worker.result)
            self.query_one("#lora-input", Input).value = ""
            self._say("")
            self._show_list()
        elif event.state == WorkerState.ERROR and worker.error is not None:
            self._say(reason(worker.error))  # the typed text stays in the field to be fixed

    def action_remove(self) -> None:
        listing = self.query_one("#lora-list", OptionList)
        index = listing.highlighted
        if self.adapters and index is not None and 0 <= index < len(self.adapters):
            del self.adapters[index]
            self._show_list()

    @on(Button.Pressed, "#lora-done")
    def action_done(self) -> None:
        self.dismiss(tuple(self.adapters))
