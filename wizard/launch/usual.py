"""How long a start-up usually takes, so a live view can say "2:10 elapsed, usually 1-3 min".

First choice: how long the same setup (model, GPU, count, vLLM release, eager or not) took the last
time it started healthy on this machine (each healthy start leaves startup.json in its run dir).
Otherwise a range built from the start-up's parts, each an empirical term named here, with its
fast and slow ends read from public start-up logs (shared/calibration: "Model loading took X GiB
and Y seconds", "Graph capturing finished in N secs", "torch.compile takes", the timestamps):

- process: Python and torch imports, the tokenizer, engine and API-server processes (15-90 s;
  the slow end is an overloaded or network-mounted machine)
- weights: bytes read / read rate; 2 GiB/s from the page cache or NVMe down to 0.15 GiB/s from a
  network disk or a cold HDD (the logs show 0.11 to 3 GiB/s). All ranks read from the same disk.
- compile: torch.compile of the V1 engine, 5 s from its cache to 60 s cold; none with enforce-eager
- profiling: the profile run and the KV cache allocation, 2-20 s
- graphs: CUDA graph capture, 3-45 s; none with enforce-eager
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from wizard.i18n import Message, msg
from wizard.launch.records import LaunchRecord, all_launches

STARTUP_NAME = "startup.json"
PROCESS_S = (15.0, 90.0)
READ_GIB_PER_S = (2.0, 0.15)
COMPILE_S = (5.0, 60.0)
PROFILE_S = (2.0, 20.0)
GRAPHS_S = (3.0, 45.0)
HISTORY_SPREAD = (0.75, 1.5)  # a repeat start of the same setup, page cache warm or cold
FIRST_V1_RELEASE = (0, 8)  # the V1 engine (which compiles) is the default from 0.8


@dataclass(frozen=True)
class UsualStartup:
    low_s: float
    high_s: float
    basis: Message  # where the range comes from, in one phrase

    def slower_than_usual(self, elapsed_s: float) -> bool:
        return elapsed_s > self.high_s


def usual_startup(record: LaunchRecord, history: list[LaunchRecord] | None = None) -> UsualStartup | None:
    """The usual start-up time of the setup `record` launched; None when the plan says too little."""
    previous = last_start_of_same_setup(record, history)
    if previous is not None:
        seconds, when = previous
        return UsualStartup(seconds * HISTORY_SPREAD[0], seconds * HISTORY_SPREAD[1],
                            msg("startup.usual.history", seconds=seconds, when=when))
    return modelled(record)


def modelled(record: LaunchRecord) -> UsualStartup | None:
    plan = record.predicted
    weights = plan.memory.get("weights_gib")
    if not isinstance(weights, (int, float)) or isinstance(weights, bool) or weights < 0:
        return None  # 0.00 is a real figure (a tiny model), a missing one is not
    total = weights * max(1, plan.gpu_count)
    eager = bool(plan.settings.get("enforce_eager"))
    compiles = not eager and _release(plan.vllm_version) >= FIRST_V1_RELEASE
    low = PROCESS_S[0] + total / READ_GIB_PER_S[0] + PROFILE_S[0]
    high = PROCESS_S[1] + total / READ_GIB_PER_S[1] + PROFILE_S[1]
    if compiles:
        low, high = low + COMPILE_S[0], high + COMPILE_S[1]
    if not eager:
        low, high = low + GRAPHS_S[0], high + GRAPHS_S[1]
    return UsualStartup(low, high, msg("startup.usual.modelled", gib=total, gpus=max(1, plan.gpu_count)))


def record_startup(record: LaunchRecord, healthy_after_s: float, phases: dict[str, float]) -> None:
    """Keep how long this start took (next to launch.json) for the next start of the same setup."""
    path = Path(record.run_dir) / STARTUP_NAME
    tmp = path.with_suffix(".tmp")
    try:
        tmp.write_text(json.dumps({"healthy_after_s": round(healthy_after_s, 1), "phases": phases}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only state dir costs the next estimate, not this launch


def last_start_of_same_setup(record: LaunchRecord, history: list[LaunchRecord] | None = None) -> tuple[float, str] | None:
    """(seconds, started_at) of the newest earlier healthy start of the same setup."""
    for other in reversed(history if history is not None else all_launches()):
        if other.run_id == record.run_id or _setup(other) != _setup(record):
            continue
        try:
            seconds = json.loads((Path(other.run_dir) / STARTUP_NAME).read_text(encoding="utf-8"))["healthy_after_s"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(seconds, (int, float)) and seconds > 0:
            return float(seconds), other.started_at
    return None


def _setup(record: LaunchRecord) -> tuple:
    p = record.predicted
    return (p.model_id, p.gpu_name, p.gpu_count, p.vllm_version, bool(p.settings.get("enforce_eager")))


def _release(version: str) -> tuple[int, int]:
    try:
        major, minor = version.lstrip("v").split(".")[:2]
        return int(major), int("".join(ch for ch in minor if ch.isdigit()) or 0)
    except ValueError:
        return (0, 0)


def clock(seconds: float) -> str:
    """"45 s", "2:05", "1:02:07": elapsed time as a person reads it."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
