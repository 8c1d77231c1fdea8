"""After a detached launch: wait for /health, read vLLM's start-up lines, show predicted vs actual,
and store what was measured so the next plan of the same setup uses it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wizard.i18n import msg
from wizard.launch.calibration.compare import Row, compare
from wizard.launch.calibration.derive import derive_overheads
from wizard.launch.calibration.parse import StartupFigures, parse_startup_log
from wizard.launch.calibration.store import (
    CalibrationKey,
    CalibrationRecord,
    CalibrationStore,
    StoreWriteError,
    FINGERPRINTED,
)
from wizard.launch.detach import HealthResult, log_tail, wait_healthy
from wizard.launch.records import LaunchRecord
from wizard.doctor.explain import Explanation, explain_log
from wizard.planner.inputs import MeasuredOverheads
from wizard.redact import mask_text

GIB = 1 << 30
# Start-up lines worth showing while waiting (the rest of vLLM's log stays in the file).
MILESTONES = ("Model loading took", "Available KV cache memory", "KV cache size", "Maximum concurrency",
              "Graph capturing finished", "init engine", "Starting vLLM", "GiB for KV cache", " ERROR ")
# "(EngineCore pid=7) INFO 11-21 18:31:46 [cpu_worker.py:260] " — the part a person does not need to read.
_PREFIX = re.compile(r"^(?:\([^)]*\)\s*)?(?:INFO|DEBUG)\s+\d\d-\d\d [\d:]+\s+\[[^\]]*\]\s*")


def is_milestone(line: str) -> bool:
    return any(m in line for m in MILESTONES)


def short_line(line: str, width: int = 160) -> str:
    text = _PREFIX.sub("", line.strip())
    return text if len(text) <= width else text[: width - 1] + "…"


def read_log(path: str | Path, max_bytes: int = 8 << 20) -> str:
    """The log's text (its last `max_bytes` when huge: the start-up lines of the latest boot are there)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            return fh.read().decode(errors="replace")
    except OSError:
        return ""


def calibration_record(figures: StartupFigures, key: CalibrationKey, settings: dict, *, predicted: dict | None,
                       source: str | None) -> CalibrationRecord:
    requested = predicted.get("requested_gib") if predicted else None
    derived = derive_overheads(
        figures, key.vllm_version, requested_bytes=int(requested * GIB) if requested else None,
        kv_pinned=settings.get("kv_cache_memory_bytes") is not None,
    )

    return CalibrationRecord(
        key=key, settings={k: settings.get(k) for k in FINGERPRINTED},
        measured=derived.measured if derived else MeasuredOverheads(),
        figures=figures.as_dict(), predicted=predicted, how=derived.how if derived else
        msg("launch.how.none"),
        source=source,
    )


@dataclass(frozen=True)
class StartupOutcome:
    health: HealthResult
    figures: StartupFigures
    rows: list[Row]
    calibration: CalibrationRecord | None
    explanation: Explanation | None  # why it failed, when it did and the log says
    log_tail: str
    store_problem: str | None = None  # the calibration could not be stored (e.g. a read-only home)


def follow_startup(record: LaunchRecord, *, timeout: float = 900, on_line: Callable[[str], None] | None = None,
                   store: CalibrationStore | None = None, save: bool = True) -> StartupOutcome:
    """Wait for the server, then compare and (when it is healthy and printed its figures) calibrate."""
    # A secret passed in an extra flag can reach vLLM's log; what is shown of it is masked.
    sink = (lambda line: on_line(mask_text(line)) if is_milestone(line) else None) if on_line else None
    health = wait_healthy(record, timeout=timeout, on_progress=sink)
    return conclude_startup(record, health, store=store, save=save)


def conclude_startup(record: LaunchRecord, health: HealthResult, *, store: CalibrationStore | None = None,
                     save: bool = True) -> StartupOutcome:
    """Once the wait is over (healthy, exited or timed out): predicted vs actual from the log, the
    calibration record when it is healthy, and vLLM's own explanation when it is not."""
    text = read_log(record.log_path)
    figures = parse_startup_log(text)
    rows = compare(record.predicted.memory, figures)
    calibration = None
    store_problem = None
    if health.ok and figures.has_memory_lines and record.calibration_key is not None:
        calibration = calibration_record(figures, record.calibration_key, record.predicted.settings,
                                         predicted=record.predicted.memory, source=record.log_path)
        if save:
            try:
                (store or CalibrationStore()).save(calibration)
            except StoreWriteError as exc:
                # The launch succeeded; not keeping the figures is not fatal, but it is said.
                store_problem = msg("bounds.store_unwritable", path=exc.path, reason=exc.reason)
    explanation = None if health.ok else explain_log(text)
    return StartupOutcome(health, figures, rows, calibration, explanation, mask_text(log_tail(record.log_path)),
                          store_problem)
