"""The one message screens (and workers) post to the app: an intent.

A state intent (screens/state.py) is folded into the wizard's state; an action below asks the app to
do something with side effects (start a worker, change screens, end the app).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from textual.message import Message


class Intent(Message):
    def __init__(self, payload: Any) -> None:
        super().__init__()
        self.payload = payload


@dataclass(frozen=True)
class Navigate:
    delta: int  # -1 back, +1 next


@dataclass(frozen=True)
class Inspect:
    text: str


@dataclass(frozen=True)
class StartDownload:
    pass


@dataclass(frozen=True)
class CancelDownload:
    pass


@dataclass(frozen=True)
class Launch:
    pass


@dataclass(frozen=True)
class Export:
    kind: str  # "yaml", "script", or a launcher export name


@dataclass(frozen=True)
class Exported:
    """An export worker's outcome; "exists" makes the same export, asked again, replace the file."""

    kind: str
    outcome: Literal["written", "exists", "failed"]
    message: str = ""  # shown as a toast when set


@dataclass(frozen=True)
class Retry:
    """Run the failed work of this worker group again (Ctrl+T, or the command palette)."""

    group: str


@dataclass(frozen=True)
class LaunchDetached:
    """Review's other launch: vLLM in the background, followed on the Launch step."""


@dataclass(frozen=True)
class Replan:
    """Back to the Plan step from a failed start, with these settings pinned (empty: none)."""

    pins: tuple[tuple[str, Any], ...] = ()
