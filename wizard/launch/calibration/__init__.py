"""Calibration from vLLM's real start-up log: parse it, derive the measured A/N/G, store them per
setup, and feed them back to the planner (see lookup.calibrated_request)."""

from importlib import import_module
from typing import Any

# Where each name lives. Resolved on first use (PEP 562), so importing one submodule (`plan` reads
# only the store) does not load the log parser and the comparison too: start-up time.
_EXPORTS = {
    "Row": "compare", "compare": "compare", "render_comparison": "compare",
    "Derived": "derive", "derive_overheads": "derive",
    "calibrated_request": "lookup", "key_for": "lookup",
    "StartupFigures": "parse", "parse_startup_log": "parse",
    "CalibrationKey": "store", "CalibrationRecord": "store", "CalibrationStore": "store",
}

__all__ = ["CalibrationKey", "CalibrationRecord", "CalibrationStore", "Derived", "Row", "StartupFigures",
           "calibrated_request", "compare", "derive_overheads", "key_for", "parse_startup_log", "render_comparison"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
