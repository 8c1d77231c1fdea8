"""What every step screen shares: the step indicator, a scrolling body, Back/Next and the footer.

A step renders the app's state in `show()` (called on mount and after every state change) and posts
intents; it never changes the state itself and never plans.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from screens.derive import Derived
from screens.i18n import t
from screens.messages import Intent, Navigate
from screens.state import WizardState
from screens.translate import translate_bindings
from screens.widgets.stepper import Stepper

if TYPE_CHECKING:
    from screens.app import WizardApp


class StepScreen(Screen[None]):
    STEP: ClassVar[int] = 0
    NEXT_LABEL: ClassVar[str] = "nav.next"
    # False: the step lays out its own scrolling parts (the plan keeps its table on screen).
    BODY_SCROLLS: ClassVar[bool] = True

    def __init__(self) -> None:
        super().__init__(classes=f"step step-{self.STEP}")
        translate_bindings(self)
        self._shown: dict[str, object] = {}

    def set_text(self, selector: str, content: object) -> None:
        """Update a Static only when its text changed: every update costs a layout pass, and a
        re-plan on each keystroke must stay well under 50 ms."""
        if self._shown.get(selector, self) != content:
            self._shown[selector] = content
            self.query_one(selector, Static).update(content)  # type: ignore[arg-type]

    @property
    def wizard(self) -> WizardApp:
        return cast("WizardApp", self.app)

    def compose(self) -> ComposeResult:
        yield Stepper(self.STEP, self.wizard.state.demo)
        with VerticalScroll(id="body") if self.BODY_SCROLLS else Vertical(id="body"):
            yield from self.compose_body()
        with Horizontal(id="nav"):
            yield Button(t("nav.back"), id="nav-back", compact=True, disabled=self.STEP == 0)
            yield Static("", id="nav-status")
            yield Button(t(self.NEXT_LABEL), id="nav-next", compact=True, variant="primary")
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.show(self.wizard.state, self.wizard.derived)

    def on_screen_resume(self) -> None:
        # Steps are kept between visits; whatever changed meanwhile is shown on the way back in.
        if self.is_mounted:
            self.show(self.wizard.state, self.wizard.derived)

    def show(self, state: WizardState, derived: Derived) -> None:
        """Render the state; subclasses extend this and call super() for the nav line."""
        reason = self.local_block() or self.wizard.blocked_reason()
        self.set_text("#nav-status", t(reason) if reason and reason != "nav.blocked.last_step" else "")

    def close_panel(self) -> bool:
        """Esc: close whatever this step has open (or stop what it waits for); True when it did, so
        Esc steps back only when there is nothing to close."""
        return False

    def local_block(self) -> str | None:
        """A catalog key when this screen holds input that is not valid yet (blocks Next)."""
        return None

    def intend(self, payload: Any) -> None:
        self.post_message(Intent(payload))

    @on(Button.Pressed, "#nav-back")
    def _back(self) -> None:
        self.intend(Navigate(-1))

    @on(Button.Pressed, "#nav-next")
    def _next(self) -> None:
        self.next_pressed()

    def next_pressed(self) -> None:
        """The Next button; the last step turns it into Launch."""
        self.intend(Navigate(+1))
