"""The dialog that pins one setting: validated as you type by the planner's own parser.

Dismisses with ("pin", value), ("unpin", None) or None (cancelled). The value is the parser's typed
result, so the app never re-parses; a bad value shows the parser's message and cannot be applied.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from screens.i18n import core, t
from screens.translate import translate_bindings
from wizard.errors import InputError
from wizard.planner.settings import SETTINGS, parse_pin

Result = tuple[str, Any] | None


def shown(value: Any) -> str:
    """A setting's value as the user types it (None as empty, booleans lower-case)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class EditSetting(ModalScreen[Result]):
    BINDINGS = [
        Binding("escape", "cancel", "key.cancel"),
        Binding("ctrl+r", "unpin", "key.unpin"),
    ]

    def __init__(self, name: str, value: Any, pinned: bool, reason: str | None) -> None:
        super().__init__()
        translate_bindings(self)
        self.setting = name
        self.value = value
        self.pinned = pinned
        self.reason = reason
        self._parsed: tuple[bool, Any] = (True, value)

    def compose(self) -> ComposeResult:
        flag = "--" + self.setting.replace("_", "-")
        with Vertical(id="edit-dialog"):
            yield Static(t("edit.title", flag=flag), id="edit-title")
            yield Static(core(SETTINGS[self.setting].help), id="edit-help")
            if self.reason:
                yield Static(t("edit.reason", reason=core(self.reason)), id="edit-reason")
            yield Input(shown(self.value), id="edit-value", select_on_focus=True)
            yield Static("", id="edit-error")
            with Horizontal(id="edit-buttons"):
                yield Button(t("edit.apply"), id="edit-apply", variant="primary", compact=True)
                yield Button(t("edit.unpin"), id="edit-unpin", compact=True, disabled=not self.pinned)
                yield Button(t("edit.cancel"), id="edit-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#edit-value", Input).focus()

    @on(Input.Changed, "#edit-value")
    def _validate(self, event: Input.Changed) -> None:
        try:
            _, value = parse_pin(f"{self.setting}={event.value}")
            self._parsed = (True, value)
            self.query_one("#edit-error", Static).update("")
        except InputError as exc:
            self._parsed = (False, None)
            self.query_one("#edit-error", Static).update(core(exc.message))
        self.query_one("#edit-apply", Button).disabled = not self._parsed[0]

    @on(Input.Submitted, "#edit-value")
    @on(Button.Pressed, "#edit-apply")
    def action_apply(self) -> None:
        ok, value = self._parsed
        if ok:
            self.dismiss(("pin", value))

    @on(Button.Pressed, "#edit-unpin")
    def action_unpin(self) -> None:
        if self.pinned:
            self.dismiss(("unpin", None))

    @on(Button.Pressed, "#edit-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
