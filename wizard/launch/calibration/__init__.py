"""Calibration from vLLM's real start-up log: parse it, derive the measured A/N/G, store them per
setup, and feed them back to the planner (see lookup.calibrated_request)."""

from wizard.launch.calibration.compare import Row, compare, render_comparison
from wizard.launch.calibration.derive import Derived, derive_overheads
from wizard.launch.calibration.lookup import calibrated_request, key_for
from wizard.launch.calibration.parse import StartupFigures, parse_startup_log
from wizard.launch.calibration.store import CalibrationKey, CalibrationRecord, CalibrationStore

__all__ = ["CalibrationKey", "CalibrationRecord", "CalibrationStore", "Derived", "Row", "StartupFigures",
           "calibrated_request", "compare", "derive_overheads", "key_for", "parse_startup_log", "render_comparison"]
