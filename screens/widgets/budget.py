"""The live per-GPU VRAM budget bar.

It draws what wizard.planner.budget.bars computed — segments in bytes and cells that sum to the
bar's width, the cell where gpu_memory_utilization's request ends, the overflow — and adds only
glyphs, colours and labels. Each segment has its own glyph as well as its own colour, so the bar
still reads in 16 colours or with NO_COLOR.
"""

from __future__ import annotations

from itertools import groupby

from rich.cells import cell_len
from textual.content import Content
from textual.widget import Widget

from screens.i18n import core, t
from wizard.planner.budget import LABELS, Bar, bars
from wizard.planner.plan import Plan

GIB = 1 << 30
GLYPHS = {"others": "▚", "context": "▞", "weights": "█", "activation": "▄", "non_torch": "▀",
          "cuda_graph": "░", "kv_cache": "▓", "free": "·"}
STYLES = {"others": "$error", "context": "$foreground-muted", "weights": "$primary", "activation": "$accent",
          "non_torch": "$secondary", "cuda_graph": "$warning", "kv_cache": "$success", "free": "$foreground-muted"}
MIN_BAR = 10


def _label_width(plan: Plan) -> int:
    # Widths are terminal cells, not characters: CJK labels take two cells each.
    return cell_len(t("budget.gpu", index=max(r.gpu_index for r in plan.ranks))) + 1


def _total_text(total_bytes: int) -> str:
    return f" {total_bytes / GIB:.2f} GiB"


def bar_width(plan: Plan, width: int) -> int:
    """Cells left for the bar itself once the GPU label and the total are drawn."""
    total = max(cell_len(_total_text(r.total)) for r in plan.ranks)
    return max(MIN_BAR, width - _label_width(plan) - total)


def _bar_line(bar: Bar, label_width: int) -> Content:
    label = t("budget.gpu", index=bar.gpu_index)
    parts: list[tuple[str, str] | str] = [label + " " * (label_width - cell_len(label))]
    parts += [(GLYPHS[s.kind] * s.cells, STYLES[s.kind]) for s in bar.segments if s.cells]
    parts.append(_total_text(bar.total))
    if bar.overflow:
        parts.append((" " + t("budget.overflow", gib=f"{bar.overflow / GIB:.2f}"), "bold $text-error"))
    return Content.assemble(*parts)


def _ruler(bar: Bar, label_width: int, width: int, utilization: float) -> Content:
    """A marker under the cell where vLLM's request (utilization x total, after others) ends."""
    text = t("budget.utilization", value=f"{utilization:.2f}")
    cell = max(1, bar.request_cell)
    if label_width + cell + 1 + cell_len(text) <= width:
        line = " " * (label_width + cell - 1) + "▲ " + text
    else:
        line = " " * max(0, label_width + cell - 2 - cell_len(text)) + text + " ▲"
    return Content.assemble((line, "$text-muted"))


def _legend(bar: Bar, width: int) -> list[Content]:
    """Every non-empty segment as "glyph label X.XX" (GiB, said once at the end), wrapped to the width."""
    items = [(f"{GLYPHS[s.kind]} ", STYLES[s.kind], f"{core(LABELS[s.kind])} {s.gib:.2f}")
             for s in bar.segments if s.bytes > 0 or s.kind == "kv_cache"]
    items.append(("", "", t("budget.unit")))
    lines: list[Content] = []
    parts: list[tuple[str, str] | str] = []
    used = 0
    for glyph, style, text in items:
        size = cell_len(glyph) + cell_len(text) + 2
        if parts and used + size > width:
            lines.append(Content.assemble(*parts))
            parts, used = [], 0
        parts += [(glyph, style), text + "  "]
        used += size
    if parts:
        lines.append(Content.assemble(*parts))
    return lines


def budget_lines(plan: Plan, width: int) -> list[Content]:
    """All lines of the widget: GPUs with identical budgets share one ruler and one legend."""
    label_width = _label_width(plan)
    drawn = bars(plan, bar_width(plan, width))
    lines: list[Content] = []

    def key(b):  # consecutive GPUs whose bars draw the same share one ruler and one legend
        return tuple((s.kind, s.bytes) for s in b.segments), b.request_cell, b.total

    for _, group in groupby(drawn, key=key):
        members = list(group)
        lines += [_bar_line(b, label_width) for b in members]
        lines.append(_ruler(members[0], label_width, width, plan.settings.gpu_memory_utilization))
        lines += _legend(members[0], width)
    return lines


class BudgetBars(Widget):
    """Renders the plan's bars at the widget's current width (so it follows terminal resizes)."""

    DEFAULT_CSS = "BudgetBars { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._plan: Plan | None = None

    def show_plan(self, plan: Plan | None) -> None:
        before = self._key(self._plan)
        self._plan = plan
        if self._key(plan) != before:
            self.refresh(layout=True)

    @staticmethod
    def _key(plan: Plan | None) -> object:
        # What the drawing depends on; an edit that leaves it alone costs no redraw.
        return None if plan is None else (plan.ranks, plan.settings.gpu_memory_utilization, plan.version)

    def _lines(self, width: int) -> list[Content]:
        if self._plan is None or not self._plan.ranks:
            return []
        return budget_lines(self._plan, max(width, MIN_BAR + 20))

    def get_content_height(self, container, viewport, width: int) -> int:
        # The legend wraps, so the height depends on the width being laid out.
        return max(1, len(self._lines(width)))

    def render(self) -> Content:
        return Content("\n").join(self._lines(self.size.width))
