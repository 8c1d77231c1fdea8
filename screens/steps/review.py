"""Step 5: review. The exact command (secrets masked), its environment and config YAML, the
launcher's checks, exports, and Launch, which ends the app and hands the terminal to `vllm serve`;
`b` launches in the background instead and goes on to the Launch step (screens/steps/launch.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, Static

from screens.derive import Derived
from screens.exporting import export_context, formats, render
from screens.i18n import core, current_language, t
from screens.messages import Export, Launch, LaunchDetached
from screens.state import WizardState
from screens.steps.base import StepScreen
from screens.widgets.export_picker import ExportPicker
from wizard.i18n import localize, msg
from wizard.launch.preflight import NAME_KEYS

if TYPE_CHECKING:
    from wizard.launch.prepare import Preparation

MARKS = {"ok": ("✔", "$text-success"), "warn": ("!", "$text-warning"), "fail": ("✘", "$text-error"),
         "skip": ("-", "$text-muted")}


def checks_content(prepared: Preparation) -> Content:
    """One line per check (the launcher's words), its fix under a warning or failure."""
    lines: list[Content] = []
    for note in prepared.notes:
        lines.append(Content.assemble(("· ", "$text-muted"), core(note)))
    for problem in prepared.problems:
        lines.append(Content.assemble(("✘ ", "$text-error"), core(problem)))
    for check in prepared.checks:
        mark, style = MARKS.get(check.status, ("?", ""))
        lines.append(Content.assemble((f"{mark} ", style), (f"{check_name(check.name)}: ", "bold"), core(check.message)))
        if check.fix and check.status in {"warn", "fail"}:
            lines.append(Content.assemble("  ", (t("review.fix", fix=core(check.fix)), "$text-muted")))
    return Content("\n").join(lines)


def check_name(name: str) -> str:
    """A check's name (English in data: records and tests key on it) in the screen's language."""
    return core(msg(NAME_KEYS[name])) if name in NAME_KEYS else name


def review_text(key: str, **params: object) -> str:
    """Text from the core catalog (area `chooser`) in the screens' language."""
    return localize(msg(key, **params), current_language())


def review_text_of(message: str) -> str:
    return localize(message, current_language())


class ReviewStep(StepScreen):
    STEP = 4
    NEXT_LABEL = "review.launch"
    BINDINGS = [
        Binding("l", "launch", "key.launch"),
        Binding("b", "launch_detached", "launch.key.background"),
        Binding("y", "copy", "key.copy"),
        Binding("x", "export", "key.export"),
        # The focus sits on Launch: the arrows and page keys scroll the review without Tab first.
        *(Binding(key, f"scroll_body('{how}')", show=False) for key, how in (
            ("down", "down"), ("up", "up"), ("pagedown", "page_down"), ("pageup", "page_up"), ("home", "home"),
            ("end", "end"))),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static("", id="review-verdict")
        yield Static(t("review.command"), classes="subtitle")
        yield Static("", id="review-command", classes="code")
        yield Static("", id="review-warnings")
        yield Static(t("review.env"), classes="subtitle")
        yield Static("", id="review-env", classes="code")
        yield Static(t("review.checks"), classes="subtitle", id="review-checks-title")
        yield Static("", id="review-checks")
        yield Static(t("review.yaml"), classes="subtitle")
        yield Static("", id="review-yaml", classes="code")
        with Horizontal(id="review-actions"):
            yield Button(t("review.copy"), id="copy", compact=True)
            yield Button(t("review.export"), id="export", compact=True)
        yield Static(t("review.tmux_hint"), id="review-hint")

    def on_mount(self) -> None:
        super().on_mount()
        label = "review.print" if self.wizard.config.demo or self.wizard.config.dry_run else "review.launch"
        self.query_one("#nav-next", Button).label = t(label)
        self.query_one("#nav-next").focus()

    def show(self, state: WizardState, derived: Derived) -> None:
        plan, command = derived.plan, derived.command
        prepared: Preparation | None = state.prep
        if prepared is not None and prepared.planned == command:
            command = prepared.command  # spelled for the installed vLLM: exactly what will run
        failed = prepared is not None and prepared.planned == derived.command and not prepared.ok
        self.query_one("#review-verdict").set_class(plan is not None and (not plan.ok or failed), "error")
        if plan is None or command is None:
            self.set_text("#review-verdict", core(derived.error) or t("plan.unavailable"))
        elif plan.ok and prepared is not None and prepared.planned == derived.command and not prepared.ok:
            self.set_text("#review-verdict", t("review.check_failed"))
        elif plan.ok and plan.warnings:
            self.set_text("#review-verdict", review_text("chooser.review.ready_with_warnings", count=len(plan.warnings)))
        elif plan.ok:
            self.set_text("#review-verdict", t("review.ready"))
        else:
            self.set_text("#review-verdict", t("review.predicted_failure", code=plan.failure_code))
        # Every warning of the plan again here: a green "Ready" never hides one (issue 14).
        warnings = "\n".join(t("plan.warning", message=review_text_of(w.message)) for w in plan.warnings) \
            if plan is not None else ""
        self.set_text("#review-warnings", warnings)
        self.query_one("#review-warnings").display = bool(warnings)
        self.set_text("#review-command", command.shell_line() if command else "")
        env = command.display_env() if command else {}
        self.set_text("#review-env", "\n".join(f"{k}={v}" for k, v in env.items()) or "-")
        yaml_text = render("yaml", command, export_context(state, derived)).rstrip() if command else ""
        self.set_text("#review-yaml", yaml_text)
        self._show_checks(state, prepared)
        super().show(state, derived)

    def _show_checks(self, state: WizardState, prepared: Preparation | None) -> None:
        available = self.wizard.config.services.prepare is not None
        self.query_one("#review-checks-title").display = available
        self.query_one("#review-checks").display = available
        if state.prep_pending or (available and prepared is None):
            self.set_text("#review-checks", t("review.checking"))
        elif prepared is not None:
            self.set_text("#review-checks", checks_content(prepared))

    def action_scroll_body(self, how: str) -> None:
        getattr(self.query_one("#body"), f"scroll_{how}")(animate=False)

    def next_pressed(self) -> None:
        self.action_launch()

    def action_launch(self) -> None:
        self.intend(Launch())

    def action_launch_detached(self) -> None:
        self.intend(LaunchDetached())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "launch_detached":  # only where a vLLM can be started (not the demo, not --dry-run)
            config = self.wizard.config
            return config.services.launch is not None and not config.demo and not config.dry_run
        return True

    @on(Button.Pressed, "#copy")
    def action_copy(self) -> None:
        command = self.wizard.derived.command
        if command is not None:
            # OSC 52: reaches the local clipboard over SSH in most terminals (tmux: set-clipboard on).
            self.app.copy_to_clipboard(command.shell_line())
            self.notify(t("review.copied"))

    @on(Button.Pressed, "#export")
    def action_export(self) -> None:
        command = self.wizard.derived.command
        if command is None:
            return
        folder = str(self.wizard.export_folder())

        def picked(choice: tuple[str, str] | None) -> None:
            if choice:
                self.intend(Export(*choice))

        self.app.push_screen(ExportPicker(formats(command, self.wizard.state.hardware.nodes), folder), picked)
