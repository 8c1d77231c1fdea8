"""The export picker: every format the launcher renders, with the file it writes; Enter picks one."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from screens.exporting import Format
from screens.i18n import t
from screens.translate import translate_bindings


class ExportPicker(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "key.cancel")]

    def __init__(self, formats: list[Format], folder: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.formats = formats
        self.folder = folder

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Static(t("export.title", folder=self.folder), id="export-title")
            yield OptionList(*[Option(t("export.option", what=t(f"export.{f.key}"), file=f.filename), id=f.key)
                               for f in self.formats], id="export-list")

    def on_mount(self) -> None:
        self.query_one("#export-list").focus()

    @on(OptionList.OptionSelected, "#export-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
