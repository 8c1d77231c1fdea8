"""Launch records: what a detached launch started, where it logs, and what the plan predicted.

Each launch gets a run dir under <state dir>/runs/<UTC time>-<port>/ (wizard.locations.state_dir)
holding server.log, server.pid and launch.json. The monitor reads `latest_launch()`. Records never hold a secret: the environment is stored as
displayed (secrets as "<set>") and the API key only by the name of the variable that holds it.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from wizard.launch.calibration.store import CalibrationKey
from wizard.launch.run_dirs import RECORD_NAME, runs_dir


class PlanSummary(BaseModel):
    """The plan a launch came from, as the monitor shows it next to what vLLM reports."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    vllm_version: str
    model_id: str
    model_ref: str
    gpu_name: str | None = None
    gpu_count: int = 1
    settings: dict = {}
    memory: dict = {}  # the plan contract's "memory" block (per rank, GiB)
    ok: bool = True
    failure_code: str | None = None
    # What verify needs to name a cause: the checkpoint's quantization (GPTQ on Turing...), the GPU
    # generation, and the plan's speed prediction (the contract's "performance" object, once plans
    # carry one; None until then, never made up).
    checkpoint_quantization: str | None = None
    compute_capability: str | None = None
    performance: dict | None = None


class LaunchRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str
    url: str  # where to reach it from this machine (0.0.0.0 → 127.0.0.1)
    host: str
    port: int
    pid: int
    pid_started: float | None = None  # process start time, to tell our vLLM from a reused pid
    log_path: str
    pid_path: str
    run_dir: str
    started_at: str
    argv: list[str]
    env: dict[str, str]  # as displayed: secret values replaced by "<set>"
    served_model_name: str | None = None
    api_key_env: str | None = None  # the variable that holds the key, if the user named one
    api_key_required: bool = False
    predicted: PlanSummary
    calibration_key: CalibrationKey | None = None

    @property
    def record_path(self) -> Path:
        return Path(self.run_dir) / RECORD_NAME


def new_run_dir(port: int, root: Path | None = None) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    path = runs_dir(root) / f"{stamp}-{port}"
    path.mkdir(parents=True, exist_ok=False)
    return path


def write_record(record: LaunchRecord) -> Path:
    path = record.record_path
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record.model_dump(mode="json"), indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_record(path: Path) -> LaunchRecord | None:
    try:
        return LaunchRecord.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError):
        return None


def all_launches(root: Path | None = None) -> list[LaunchRecord]:
    """Every readable record, oldest first (run dir names sort by start time)."""
    base = runs_dir(root)
    if not base.is_dir():
        return []
    out = []
    for run in sorted(base.iterdir()):
        record = read_record(run / RECORD_NAME)
        if record is not None:
            out.append(record)
    return out


def latest_launch(root: Path | None = None) -> LaunchRecord | None:
    """The most recent launch the wizard made on this machine (running or not), or None."""
    launches = all_launches(root)
    return launches[-1] if launches else None


def launch_for_log(log: Path, root: Path | None = None) -> LaunchRecord | None:
    """The launch that wrote this log file, if the wizard made it."""
    try:
        target = Path(log).resolve()
    except OSError:
        return None
    return next((r for r in reversed(all_launches(root)) if Path(r.log_path).resolve() == target), None)
