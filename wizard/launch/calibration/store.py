"""Measured start-up overheads, kept per (GPU model, vLLM version, model, settings fingerprint).

One JSON file under the user data dir (wizard.locations.calibration_file). The fingerprint covers
only the settings that move A, N and G (the profile batch, parallelism, dtypes, graphs), not
gpu-memory-utilization or max-model-len, so a re-plan that changes those still finds the measurement.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from wizard.errors import WizardError
from wizard.locations import calibration_file
from wizard.planner.inputs import MeasuredOverheads
from wizard.planner.settings import Settings
from wizard.planner.versions import VllmVersion

SCHEMA_VERSION = 1
FINGERPRINTED = ("tensor_parallel_size", "pipeline_parallel_size", "decode_context_parallel_size",
                 "max_num_batched_tokens", "max_num_seqs", "enforce_eager", "dtype", "quantization",
                 "kv_cache_dtype", "cpu_offload_gb")


def fingerprint_settings(settings: Settings | dict) -> str:
    values = settings.model_dump() if isinstance(settings, Settings) else dict(settings)
    subset = {k: values.get(k) for k in FINGERPRINTED}
    return hashlib.sha256(json.dumps(subset, sort_keys=True).encode()).hexdigest()[:16]


def normalise_version(version: str) -> str:
    """'0.32.0+cpu' and 'v0.32.0' are the same release for calibration purposes."""
    return str(VllmVersion.parse(version))


class CalibrationKey(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    gpu_name: str
    vllm_version: str
    model_id: str
    fingerprint: str


class CalibrationRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: CalibrationKey
    settings: dict  # the fingerprinted settings, readable
    measured: MeasuredOverheads
    figures: dict  # what the log printed (StartupFigures.as_dict())
    predicted: dict | None = None  # the plan's memory figures at launch (contract "memory" block)
    how: str = ""
    source: str | None = None  # the log file
    recorded_at: str = ""


class CalibrationStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or calibration_file()

    def records(self) -> list[CalibrationRecord]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError):
            return []  # unreadable store: plan without calibration rather than fail
        out = []
        for item in raw.get("records", []) if isinstance(raw, dict) else []:
            try:
                out.append(CalibrationRecord.model_validate(item))
            except ValidationError:
                continue  # one bad entry must not hide the others
        return out

    def find(self, key: CalibrationKey) -> CalibrationRecord | None:
        return next((r for r in self.records() if r.key == key), None)

    def candidates(self, gpu_name: str, vllm_version: str, model_id: str) -> list[CalibrationRecord]:
        version = normalise_version(vllm_version)
        return [r for r in self.records()
                if (r.key.gpu_name, r.key.vllm_version, r.key.model_id) == (gpu_name, version, model_id)]

    def save(self, record: CalibrationRecord) -> SaveResult:
        """Replace the record with the same key (the newest start-up wins).

        Concurrent saves (two servers finishing start-up, a script calibrating logs in parallel)
        each keep their record: the read-modify-write runs under an exclusive lock, and the new
        store replaces the old in one step. A store that is not valid JSON is never silently
        dropped: it is renamed aside and the result says where. StoreWriteError when the folder
        cannot be written (a read-only home), naming the path."""
        if not record.recorded_at:
            record = record.model_copy(update={"recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _locked(self.path.with_name(self.path.name + ".lock")):
                existing, aside = self._records_or_set_aside()
                kept = [r for r in existing if r.key != record.key] + [record]
                payload = {"schema_version": SCHEMA_VERSION, "records": [r.model_dump(mode="json") for r in kept]}
                _atomic_write(self.path, json.dumps(payload, indent=1))
        except OSError as exc:
            raise StoreWriteError(self.path, exc.strerror or str(exc)) from None
        return SaveResult(path=self.path, set_aside=aside)

    def _records_or_set_aside(self) -> tuple[list[CalibrationRecord], Path | None]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return [], None
        try:
            raw = json.loads(text)
            if not isinstance(raw, dict) or not isinstance(raw.get("records", []), list):
                raise ValueError("not a calibration store")
        except ValueError:
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
            os.replace(self.path, aside)
            return [], aside
        return self.records(), None


@dataclass(frozen=True)
class SaveResult:
    path: Path
    set_aside: Path | None = None  # where an unreadable store was moved, when there was one


class StoreWriteError(WizardError):
    """The calibration store's folder cannot be written; the figures are still shown."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot write the calibration store {path} ({reason})")
        self.path = path
        self.reason = reason


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
