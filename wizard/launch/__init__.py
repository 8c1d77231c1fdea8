"""From a plan to a process: the exact `vllm serve` command, its checks, exports and launches.

Public entry points (imported lazily, so `wizard.launch.command` stays cheap):
  latest_launch() -> LaunchRecord | None     the last launch the wizard made (for the monitor)
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {"latest_launch": "wizard.launch.records", "LaunchRecord": "wizard.launch.records"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'wizard.launch' has no attribute {name!r}")
