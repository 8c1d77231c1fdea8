"""The five wizard steps, one screen each, in order.

Each step's module is imported when the step is first shown (`step_class`): the app's first frame
needs only the first step's, and the later ones pull in the planner and the launcher.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from screens.steps.base import StepScreen

STEP_CLASSES = (("screens.steps.hardware", "HardwareStep"), ("screens.steps.model", "ModelStep"),
                ("screens.steps.goals", "GoalsStep"), ("screens.steps.plan", "PlanStep"),
                ("screens.steps.review", "ReviewStep"))


def step_class(step: int) -> type[StepScreen]:
    module, name = STEP_CLASSES[step]
    return getattr(import_module(module), name)
