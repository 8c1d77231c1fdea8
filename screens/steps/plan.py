"""Step 4: the plan. The start-up verdict with one-key fixes, a live VRAM budget bar per GPU, the KV
cache's capacity, warnings, and every setting with its reason, editable (a pin) with validation."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len, set_cell_size
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Static

from screens.derive import Derived, lora_settings
from screens.i18n import core, t
from screens.state import ApplyFix, ClearPin, SetPin, WizardState
from screens.steps.base import StepScreen
from screens.widgets.budget import BudgetBars
from screens.widgets.edit_setting import EditSetting, Result, shown
from screens.widgets.paste_command import notice_lines
from wizard.i18n import msg
from wizard.planner.fixes import Fix
from wizard.planner.input_settings import quiet_inputs
from wizard.planner.plan import Plan

MAX_FIXES = 4
REASON_OFFSET = 50  # columns taken by the pin, setting and value columns, padding and scrollbar
COLUMNS = ("pin", "setting", "value", "reason")


def _tokens(value: int | None) -> str:
    if value is None:
        return ""
    return f"{value // 1024}k" if value >= 1024 and value % 1024 == 0 else f"{value:,}"


def fix_label(fix: Fix) -> str:
    """The fix in the screen's language; the planner's English label for fixes the catalog lacks."""
    values = {"tokens": _tokens(fix.pins.get("max_model_len")), "gib": fix.pins.get("cpu_offload_gb"),
              "util": fix.pins.get("gpu_memory_utilization"),
              "gpus": max(fix.pins.get("tensor_parallel_size", 1), fix.pins.get("pipeline_parallel_size", 1))}
    key = f"fix.{fix.key}"
    try:
        return t(key, **values)
    except KeyError:
        return fix.label


def kv_line(plan: Plan) -> str:
    return t("plan.kv", tokens=f"{plan.kv_cache_tokens:,}", concurrency=f"{plan.max_concurrency:.2f}",
             length=f"{plan.settings.max_model_len:,}", fits=f"{plan.max_fitting_len:,}")


class PlanStep(StepScreen):
    STEP = 3
    BINDINGS = [
        Binding("e", "edit", "key.edit"),
        Binding("u", "unpin", "key.unpin"),
        # Not in the footer: each fix button starts with its key ("1 cap context at 24k"), and a footer
        # that changed with every re-plan would cost a redraw per keystroke.
        *[Binding(str(i), f"fix({i})", "key.fix", show=False) for i in range(1, MAX_FIXES + 1)],
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[str] = []
        self._lora: frozenset[str] = frozenset()  # settings the LoRA adapters set, not the user's pins

    BODY_SCROLLS = False

    def compose_body(self) -> ComposeResult:
        # The verdict, fixes and bars scroll on their own above the table, so at 80x24 the table
        # keeps a few rows on screen whatever the length of the failure message and warnings.
        with VerticalScroll(id="plan-summary"):
            yield Static("", id="verdict")
            with Horizontal(id="fixes"):
                for i in range(1, MAX_FIXES + 1):
                    yield Button("", id=f"fix-{i}", compact=True, classes="fix")
            yield BudgetBars(id="budget")
            yield Static("", id="kv")
            yield Static("", id="warnings")
        table: DataTable[str] = DataTable(id="settings", cursor_type="row", zebra_stripes=True)
        for column in COLUMNS:
            table.add_column(t(f"plan.column.{column}"), key=column)
        yield table
        yield Static("", id="setting-reason")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#settings").focus()

    def show(self, state: WizardState, derived: Derived) -> None:
        plan = derived.plan
        verdict = self.query_one("#verdict", Static)
        verdict.set_class(plan is not None and not plan.ok, "error")
        verdict.set_class(plan is not None and plan.ok, "ok")
        if plan is None:
            self.set_text("#verdict", core(derived.error) if derived.error else t("plan.unavailable"))
        elif plan.ok:
            self.set_text("#verdict", t("plan.starts", version=plan.version))
        else:
            self.set_text("#verdict", t("plan.fails", version=plan.version, code=plan.failure_code,
                                        message=core(plan.failure_message or "")))
        self._show_fixes(derived.fixes)
        self.query_one("#budget", BudgetBars).show_plan(plan)
        self.set_text("#kv", kv_line(plan) if plan else "")
        warnings = "\n".join(t("plan.warning", message=core(w.message)) for w in plan.warnings) if plan else ""
        warnings = "\n".join(filter(None, [warnings, *notice_lines(state, derived)]))
        self.set_text("#warnings", warnings)
        self.query_one("#warnings").display = bool(warnings)
        if plan is not None:
            self._show_settings(plan)
        super().show(state, derived)

    def _show_fixes(self, fixes: tuple[Fix, ...]) -> None:
        self.query_one("#fixes").display = bool(fixes)
        for i in range(1, MAX_FIXES + 1):
            button = self.query_one(f"#fix-{i}", Button)
            fix = fixes[i - 1] if i <= len(fixes) else None
            button.display = fix is not None
            if fix is not None:
                button.label = f"{i} {fix_label(fix)}"
                button.tooltip = core(fix.result)

    def _show_settings(self, plan: Plan) -> None:
        """Update the table in place (keyed rows) so the cursor stays where the user left it."""
        table = self.query_one("#settings", DataTable)
        quiet = quiet_inputs(plan.settings, frozenset(plan.pinned))  # unused inputs (LoRA, drafter, ...)
        self._lora = lora_settings(self.wizard.state)
        values = {k: v for k, v in plan.settings.model_dump().items() if k not in quiet}
        if list(values) != self._rows:
            table.clear()
            for name, value in values.items():
                table.add_row(*self._cells(plan, name, value), key=name)
            self._rows = list(values)
        else:
            for name, value in values.items():
                for column, cell in zip(COLUMNS, self._cells(plan, name, value)):
                    if table.get_cell(name, column) != cell:
                        table.update_cell(name, column, cell)
        self._show_reason()

    def _cells(self, plan: Plan, name: str, value: Any) -> tuple[str, str, str, str]:
        # The reason column is cut to the room left (no sideways scrolling at 80 columns); the
        # highlighted row's whole reason is shown under the table.
        room = max(12, self.size.width - REASON_OFFSET)
        pinned = core(msg("appctl.lora.reason")) if name in self._lora else t("plan.pinned_reason")
        reason = core(plan.reasons.get(name) or "") or (pinned if name in plan.pinned else "")
        if cell_len(reason) > room:
            reason = set_cell_size(reason, room - 1) + "…"  # by cells: a Chinese character is two
        mark = "*" if name in plan.pinned else ""
        return mark, name.replace("_", "-"), shown(value) or "-", reason

    def on_resize(self) -> None:
        if self.wizard.derived.plan is not None:
            self._show_settings(self.wizard.derived.plan)

    def _current(self) -> str | None:
        table = self.query_one("#settings", DataTable)
        if not self._rows or table.cursor_row < 0 or table.cursor_row >= len(self._rows):
            return None
        return self._rows[table.cursor_row]

    def _show_reason(self) -> None:
        name, plan = self._current(), self.wizard.derived.plan
        text = ""
        if name and plan:
            pinned = ((core(msg("appctl.lora.reason_long")) if name in self._lora else t("plan.pinned"))
                      if name in plan.pinned else "")
            reason = core(plan.reasons.get(name) or "")
            text = f"{name.replace('_', '-')}: {reason} {pinned}".replace("  ", " ").strip()
        self.set_text("#setting-reason", text)

    @on(DataTable.RowHighlighted, "#settings")
    def _highlighted(self) -> None:
        self._show_reason()

    @on(DataTable.RowSelected, "#settings")
    def action_edit(self) -> None:
        name, plan = self._current(), self.wizard.derived.plan
        if name is None or plan is None:
            return
        dialog = EditSetting(name, getattr(plan.settings, name), name in plan.pinned, plan.reasons.get(name))

        def done(result: Result) -> None:
            if result is None:
                return
            verb, value = result
            self.intend(SetPin(name, value) if verb == "pin" else ClearPin(name))

        self.app.push_screen(dialog, done)

    def action_unpin(self) -> None:
        name = self._current()
        if name is not None:
            self.intend(ClearPin(name))

    def action_fix(self, number: int) -> None:
        fixes = self.wizard.derived.fixes
        if 1 <= number <= len(fixes):
            self.intend(ApplyFix(tuple(sorted(fixes[number - 1].pins.items()))))

    @on(Button.Pressed, ".fix")
    def _fix_pressed(self, event: Button.Pressed) -> None:
        self.action_fix(int((event.button.id or "fix-0").removeprefix("fix-")))
