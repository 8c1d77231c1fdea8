"""F1: every key the wizard answers to right now, from the live bindings of the app and the step
underneath (so it cannot drift from the footer), plus the keys every widget shares."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from screens.i18n import has_key, t
from screens.translate import translate_bindings

# Keys handled inside widgets (focus moves, lists, fields), in the order a user meets them.
COMMON = (("tab / shift+tab", "help.common.focus"), ("enter", "help.common.enter"), ("space", "help.common.space"),
          ("↑ ↓ pgup pgdn", "help.common.arrows"), ("ctrl+p", "help.common.palette"))


def key_lines(app, screen: Screen) -> list[tuple[str, str]]:
    """(key, what it does) for the app's and `screen`'s bindings, hidden ones included."""
    seen: dict[str, str] = {}
    for node in (screen, app):
        for bindings in node._bindings.key_to_bindings.values():
            for binding in bindings:
                if binding.system or binding.action == "help_quit" or binding.key.startswith("super+"):
                    continue
                if not node.check_action(binding.action, ()):
                    continue  # not available here (as the footer hides it)
                shown = binding.key_display or app.get_key_display(binding)
                own = f"help.action.{binding.action}"  # Textual's own bindings carry English descriptions
                seen.setdefault(shown, t(own) if has_key(own) else binding.description or binding.action)
    return list(seen.items()) + [(k, t(v)) for k, v in COMMON]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "close", "key.close")]

    def __init__(self, lines: list[tuple[str, str]]) -> None:
        super().__init__()
        translate_bindings(self)
        self.lines = lines

    def compose(self) -> ComposeResult:
        width = max(len(k) for k, _ in self.lines) + 2
        body = "\n".join(f"{k:<{width}}{v}" for k, v in self.lines)
        with VerticalScroll(id="help-dialog"):
            yield Static(t("help.title"), classes="subtitle")
            yield Static(body, id="help-keys", markup=False)
            yield Static(t("help.close"), id="help-close")

    def action_close(self) -> None:
        self.dismiss(None)
