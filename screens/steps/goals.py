"""Step 3: goals (context length, concurrent requests, priority) and who may connect (this machine
only, or all interfaces behind an API key). Goals are wishes the planner weighs, not pins."""

from __future__ import annotations

import secrets

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Input, RadioSet, Static

from screens.derive import Derived
from screens.i18n import t
from screens.state import SetExposure, SetGoals, SetPlanInput, WizardState
from screens.steps.base import StepScreen
from screens.widgets.toggles import StateRadio
from wizard.errors import InputError
from wizard.planner.settings import SETTINGS
from wizard.planner.versions import VllmVersion

PRIORITIES = ("balanced", "throughput", "latency", "context", "quality")


def parse_tokens(text: str) -> int | None:
    """Context length as vLLM reads --max-model-len (32k = 32,000; 32K = 32,768); empty = no goal."""
    return SETTINGS["max_model_len"].parse(text) if text.strip() else None


def parse_count(text: str) -> int | None:
    return SETTINGS["max_num_seqs"].parse(text) if text.strip() else None


def parse_port(text: str) -> int:
    port = int(text.strip())
    if not 1 <= port <= 65535:
        raise ValueError("port")
    return port


class GoalsStep(StepScreen):
    STEP = 2
    BINDINGS = [Binding("ctrl+r", "generate_key", "key.generate_key"),
                Binding("ctrl+y", "copy_key", "key.copy_key")]

    def __init__(self) -> None:
        super().__init__()
        self._invalid: set[str] = set()
        # A key this screen generated, shown in full until the user leaves the step or types over it:
        # the only time it is ever readable (the input, the Review step and the exports mask it).
        self._revealed: str | None = None

    def compose_body(self) -> ComposeResult:
        state = self.wizard.state
        goals, exp = state.goals, state.exposure
        yield Static(t("step.goals.title"), classes="title")
        with Horizontal(classes="field"):
            yield Static(t("goals.context"), classes="label")
            yield Input("" if goals.context is None else str(goals.context), placeholder=t("goals.context_hint"),
                        id="goal-context", compact=True)
        with Horizontal(classes="field"):
            yield Static(t("goals.concurrency"), classes="label")
            yield Input("" if goals.concurrency is None else str(goals.concurrency),
                        placeholder=t("goals.concurrency_hint"), id="goal-concurrency", compact=True)
        yield Static("", id="goals-error", classes="error")
        yield Static(t("goals.priority"), classes="subtitle")
        with RadioSet(id="goal-priority", compact=True):
            for name in PRIORITIES:
                yield StateRadio(t(f"goals.priority.{name}"), value=goals.priority == name, id=f"prio-{name}")
        yield Static(t("goals.exposure"), classes="subtitle")
        with RadioSet(id="goal-exposure", compact=True):
            yield StateRadio(t("goals.exposure.local"), value=not exp.all_interfaces, id="expose-local")
            yield StateRadio(t("goals.exposure.all"), value=exp.all_interfaces, id="expose-all")
        with Horizontal(classes="field", id="key-row"):
            yield Static(t("goals.api_key"), classes="label")
            yield Input(exp.api_key.get_secret_value() if exp.api_key else "", password=True, id="api-key",
                        placeholder=t("goals.api_key_hint"), compact=True)
            yield Button(t("goals.generate"), id="gen-key", compact=True)
        with Horizontal(classes="field", id="key-reveal-row"):
            yield Static("", id="key-reveal")
            yield Button(t("goals.copy_key"), id="copy-key", compact=True)
        with Horizontal(classes="field"):
            yield Static(t("goals.port"), classes="label")
            yield Input(str(exp.port), id="port", compact=True, type="integer")
        with Horizontal(classes="field"):
            yield Static(t("goals.served_name"), classes="label")
            yield Input(exp.served_model_name or "", id="served-name", compact=True,
                        placeholder=t("goals.served_name_hint"))
        with Horizontal(classes="field"):
            yield Static(t("goals.vllm_version"), classes="label")
            yield Input("" if state.vllm_version == state.installed_version else state.vllm_version,
                        id="vllm-version", compact=True,
                        placeholder=t("goals.vllm_version_hint", version=state.installed_version or "?"))

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#goal-context").focus()

    def show(self, state: WizardState, derived: Derived) -> None:
        self.query_one("#key-row").display = state.exposure.all_interfaces
        self.refresh_bindings()
        key = state.exposure.api_key
        if self._revealed is not None and (key is None or key.get_secret_value() != self._revealed):
            self._revealed = None  # the user typed their own key: nothing generated to show
        shown = self._revealed is not None and state.exposure.all_interfaces
        self.query_one("#key-reveal-row").display = shown
        self.set_text("#key-reveal", t("goals.key_reveal", value=self._revealed) if shown else "")
        if shown:
            self.query_one("#key-reveal-row").scroll_visible(animate=False)
        super().show(state, derived)

    def on_screen_suspend(self) -> None:
        # Shown once: after leaving the step the generated key is only ever masked.
        self._revealed = None
        self.set_text("#key-reveal", "")
        self.query_one("#key-reveal-row").display = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy_key":  # in the footer only when there is a key to copy
            exp = self.wizard.state.exposure
            return exp.all_interfaces and exp.api_key is not None
        return True

    def local_block(self) -> str | None:
        return "nav.blocked.invalid" if self._invalid else None

    def _mark(self, field: str, ok: bool) -> None:
        (self._invalid.discard if ok else self._invalid.add)(field)
        self.set_text("#goals-error", 
            " ".join(t(f"goals.invalid.{f}") for f in sorted(self._invalid)))
        self.show(self.wizard.state, self.wizard.derived)

    @on(Input.Changed, "#goal-context")
    def _context_changed(self, event: Input.Changed) -> None:
        try:
            value = parse_tokens(event.value)
        except ValueError:
            return self._mark("context", False)
        self._mark("context", True)
        self.intend(SetGoals(self.wizard.state.goals.model_copy(update={"context": value})))

    @on(Input.Changed, "#goal-concurrency")
    def _concurrency_changed(self, event: Input.Changed) -> None:
        try:
            value = parse_count(event.value)
        except ValueError:
            return self._mark("concurrency", False)
        self._mark("concurrency", True)
        self.intend(SetGoals(self.wizard.state.goals.model_copy(update={"concurrency": value})))

    @on(RadioSet.Changed, "#goal-priority")
    def _priority_changed(self, event: RadioSet.Changed) -> None:
        name = (event.pressed.id or "").removeprefix("prio-")
        if name in PRIORITIES:
            self.intend(SetGoals(self.wizard.state.goals.model_copy(update={"priority": name})))

    @on(RadioSet.Changed, "#goal-exposure")
    def _exposure_changed(self, event: RadioSet.Changed) -> None:
        self.intend(SetExposure(all_interfaces=event.pressed.id == "expose-all"))

    @on(Input.Changed, "#api-key")
    def _api_key_changed(self, event: Input.Changed) -> None:
        self.intend(SetExposure(api_key=event.value.strip()))

    @on(Input.Changed, "#port")
    def _port_changed(self, event: Input.Changed) -> None:
        try:
            port = parse_port(event.value)
        except ValueError:
            return self._mark("port", False)
        self._mark("port", True)
        self.intend(SetExposure(port=port))

    @on(Input.Changed, "#served-name")
    def _served_name_changed(self, event: Input.Changed) -> None:
        name = event.value.strip()
        ok = not any(c.isspace() for c in name)
        self._mark("served_name", ok)
        if ok:
            self.intend(SetPlanInput("served_model_name", name or None))

    @on(Input.Changed, "#vllm-version")
    def _version_changed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        try:
            if text:
                VllmVersion.parse(text)
        except InputError:
            return self._mark("version", False)
        self._mark("version", True)
        self.intend(SetPlanInput("vllm_version", text or None))

    @on(Button.Pressed, "#gen-key")
    def action_generate_key(self) -> None:
        if not self.wizard.state.exposure.all_interfaces:
            return
        # The key goes into the input (masked) and from there into the state, like a typed one; it
        # is shown in full here once, so the user can copy it for their clients.
        key = secrets.token_urlsafe(24)
        self._revealed = key
        self.query_one("#api-key", Input).value = key

    @on(Button.Pressed, "#copy-key")
    def action_copy_key(self) -> None:
        key = self.wizard.state.exposure.api_key
        if key is None or not self.wizard.state.exposure.all_interfaces:
            return
        # OSC 52: reaches the local clipboard over SSH in most terminals (tmux: set-clipboard on).
        self.app.copy_to_clipboard(key.get_secret_value())
        self.notify(t("goals.key_copied"))
