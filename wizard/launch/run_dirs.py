"""Where detached launches live: one run dir each under the state dir (wizard.locations). No pydantic,
no I/O at import, so readers on a budget (the monitor's `--once`) can find the last launch without
the launcher."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from wizard.locations import state_dir

RECORD_NAME = "launch.json"


def runs_dir(root: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    return (root or state_dir(env)) / "runs"


def newest_record_path(root: Path | None = None, env: Mapping[str, str] | None = None) -> Path | None:
    """launch.json of the newest run (run dir names sort by start time), or None."""
    try:
        runs = sorted(runs_dir(root, env).iterdir(), reverse=True)
    except OSError:
        return None
    return next((run / RECORD_NAME for run in runs if (run / RECORD_NAME).is_file()), None)
