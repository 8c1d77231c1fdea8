"""Measured start-up overheads, kept per (GPU model, vLLM version, model, settings fingerprint).

One JSON file under the user data dir (wizard.locations.calibration_file). The fingerprint covers
only the settings that move A, N and G (the profile batch, parallelism, dtypes, graphs), not
gpu-memory-utilization or max-model-len, so a re-plan that changes those still finds the measurement.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

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

    def save(self, record: CalibrationRecord) -> None:
        """Replace the record with the same key (the newest start-up wins); atomic write."""
        if not record.recorded_at:
            record = record.model_copy(update={"recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        kept = [r for r in self.records() if r.key != record.key] + [record]
        payload = {"schema_version": SCHEMA_VERSION, "records": [r.model_dump(mode="json") for r in kept]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".calibration-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=1)
        os.replace(tmp, self.path)
