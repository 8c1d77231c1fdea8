"""Hub access (ctrl+o on the Model step): the endpoint model ids come from, and a token that is
typed masked, never shown, and stored where the hub's own client keeps it (screens/hub.py)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioSet, Static

from screens.hub import ENDPOINTS, Endpoint, HubChoice
from screens.i18n import core, t
from screens.translate import translate_bindings
from screens.widgets.toggles import StateRadio
from wizard.i18n import msg


class HubDialog(ModalScreen[HubChoice | None]):
    BINDINGS = [Binding("escape", "cancel", "key.cancel"), Binding("ctrl+s", "save", "key.save")]

    def __init__(self, endpoint: Endpoint) -> None:
        super().__init__()
        translate_bindings(self)
        self.endpoint = endpoint

    def compose(self) -> ComposeResult:
        with Vertical(id="hub-dialog"):
            yield Static(t("hub.title"), classes="subtitle")
            with RadioSet(id="hub-endpoint", compact=True):
                for name in ENDPOINTS:
                    yield StateRadio(t(f"hub.endpoint.{name}"), value=name == self.endpoint, id=f"hub-{name}")
            yield Static(t("hub.token"), id="hub-token-label")
            yield Input("", password=True, id="hub-token", placeholder=t("hub.token_hint"), compact=True)
            yield Static(core(msg("appctl.hub.token_note")), id="hub-note")
            with Horizontal(id="hub-actions"):
                yield Button(t("hub.save"), id="hub-save", compact=True, variant="primary")
                yield Button(t("hub.cancel"), id="hub-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#hub-endpoint").focus()

    def _endpoint(self) -> Endpoint:
        pressed = self.query_one("#hub-endpoint", RadioSet).pressed_button
        name = (pressed.id or "").removeprefix("hub-") if pressed is not None else self.endpoint
        return name if name in ENDPOINTS else self.endpoint

    @on(Input.Submitted, "#hub-token")
    @on(Button.Pressed, "#hub-save")
    def action_save(self) -> None:
        self.dismiss(HubChoice(self._endpoint(), self.query_one("#hub-token", Input).value))

    @on(Button.Pressed, "#hub-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
