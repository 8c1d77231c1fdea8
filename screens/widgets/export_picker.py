"""The export picker: every format the launcher renders, with the file it writes; Enter picks one."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from screens.exporting import Format
from screens.i18n import t
from screens.translate import translate_bindings


class ExportPicker(ModalScreen[tuple[str, str] | None]):
    """Dismissed with (format key, folder) or None."""

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
            yield Static(t("export.folder"), id="export-folder-label")
            yield Input(self.folder, id="export-folder", compact=True)

    def on_mount(self) -> None:
        self.query_one("#export-list").focus()

    @on(OptionList.OptionSelected, "#export-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        folder = self.query_one("#export-folder", Input).value.strip() or self.folder
        self.dismiss((event.option.id or "", folder))

    @on(Input.Submitted, "#export-folder")
    def _folder_submitted(self) -> None:
        options = self.query_one("#export-list", OptionList)
        option = options.get_option_at_index(options.highlighted or 0)
        self.dismiss((option.id or "", self.query_one("#export-folder", Input).value.strip() or self.folder))

    def action_cancel(self) -> None:
        self.dismiss(None)
