"""Pasting a `vllm serve` command (or the path of a vLLM YAML config) into the app.

`PasteInput` keeps a multi-line paste whole (Textual's Input keeps only its first line, which would
drop every flag after a `\\` continuation). `PasteCommandDialog` is the command palette's way in;
the Model step's own input takes a command too. Both hand the text to the app (`WizardApp.paste`),
which reads it with wizard.check (nothing is parsed here) and opens the Plan step with every flag
pinned; a refusal is one sentence shown under the input, with the text left as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from screens.i18n import current_language, t
from screens.translate import translate_bindings
from wizard.i18n import localize

if TYPE_CHECKING:
    from screens.app import WizardApp
    from screens.derive import Derived
    from screens.state import WizardState


@dataclass(frozen=True)
class PasteCommand:
    """An action: read this pasted command or YAML path (screens/app.py `paste`)."""

    text: str


class PasteInput(Input):
    """An Input that takes a multi-line paste as one command line."""

    def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # Input's own handler (first line only) must not run as well
        if event.text:
            # Imported on the first paste: the app's first frame does not wait for wizard.check.
            from wizard.check.paste import one_line  # noqa: PLC0415 - wizard.check (30 modules) loads only when a command is pasted

            line = " ".join(one_line(event.text).split())
            if self.selection.is_empty:
                self.insert_text_at_cursor(line)
            else:
                self.replace(line, *self.selection)
        event.stop()


class PasteCommandDialog(ModalScreen[None]):
    """The palette's "check a command": one input, its refusal under it, Esc to leave."""

    DEFAULT_CSS = """
    PasteCommandDialog { align: center middle; }
    PasteCommandDialog > Vertical { width: 90%; max-width: 110; height: auto; border: round $accent;
                                    background: $surface; padding: 0 1; }
    PasteCommandDialog #paste-error { color: $error; }
    PasteCommandDialog #paste-hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "close", "key.cancel")]

    def __init__(self, text: str = "") -> None:
        super().__init__()
        translate_bindings(self)
        self._text = text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(t("paste.title"), classes="title")
            yield PasteInput(self._text, placeholder=t("paste.placeholder"), id="paste-input")
            yield Static("", id="paste-error")
            yield Static(t("paste.hint"), id="paste-hint")

    def on_mount(self) -> None:
        self.query_one("#paste-input").focus()

    @on(Input.Submitted, "#paste-input")
    def _submit(self, event: Input.Submitted) -> None:
        error = cast("WizardApp", self.app).paste(event.value)
        if error is None:
            self.dismiss(None)
        else:
            from wizard.check.paste import masked  # noqa: PLC0415 - wizard.check (30 modules) loads only when a command is pasted

            # Plain text: the refusal may quote the paste (a path), and `[/x]` in it is not markup.
            self.query_one("#paste-error", Static).update(Content(error))
            event.input.value = masked(event.value)

    def action_close(self) -> None:
        self.dismiss(None)


SHOWN_MAX = 160  # characters of the pasted command repeated on the Plan step


def notice_lines(state: WizardState, derived: Derived) -> list[str]:
    """On the Plan step: which command is predicted (secrets masked), then its check findings the
    planner does not show, in the screen's language."""
    if state.paste is None:
        return []

    shown = state.paste.shown
    shown = shown if len(shown) <= SHOWN_MAX else shown[: SHOWN_MAX - 1] + "…"
    lang = current_language()
    # The Plan step renders these as markup: the user's command and the findings quoting it are
    # escaped, so a value such as `/x/[/b].jinja` is shown as written (not a markup error, not a link).
    return [t("paste.predicting", version=state.vllm_version, command=escape(shown)),
            *(t("paste.notice", message=escape(localize(f.message, lang))) for f in derived.notices)]
