"""The step indicator on top of every step: where you are in the five steps."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from screens.i18n import t
from screens.state import STEPS


def stepper_content(current: int, demo: bool = False) -> Content:
    parts: list[tuple[str, str] | str] = []
    for index, name in enumerate(STEPS):
        if index:
            parts.append((" › ", "$text-muted"))
        label = f"{index + 1} {t(f'step.{name}.name')}"
        if index == current:
            parts.append((f" {label} ", "bold $text on $primary"))
        elif index < current:
            parts.append((label, "$text-success"))
        else:
            parts.append((label, "$text-muted"))
    if demo:
        parts.append(("  " + t("app.demo_badge"), "bold $text-warning"))
    return Content.assemble(*parts)


class Stepper(Static):
    """One line; the current step is highlighted, done steps are green, later ones muted."""

    def __init__(self, current: int, demo: bool = False) -> None:
        super().__init__(stepper_content(current, demo), id="stepper")
