"""One pass over a log: the rule matches, the settings the log shows, the start-up phase each
failure happened in, and the lines calibrate's parser reads — all in bounded memory.

Only what a diagnosis needs is kept: the first match of each rule (with its evidence), the last
exception line (for a failure no rule knows), the command settings, and the start-up memory lines
(a bounded window). A log holding several start-ups (a supervisor restarting vLLM into the same
file) is judged by its last attempt that got anywhere: a new start banner after a failure or a
ready server begins a fresh attempt.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from wizard.doctor.command import LoggedCommand, parse_command_line
from wizard.doctor.normalise import LogLine, normalise
from wizard.doctor.rules import Match, match_line

CALIBRATION_LINES = 4000  # start-up memory lines kept for the calibration parser
CALIBRATION_LINE = 2048  # characters kept of each: the figures sit near the start of vLLM's short lines

# Markers are plain substrings (tested at C speed on every line); only the few lines holding one go
# further.
# Printed once per server process (not per engine core: with data parallelism a second engine's config
# line can follow the first engine's failure).
_START = ("vLLM API server version", "non-default args:", "args: Namespace(")
_READY = ("Starting vLLM API server", "Application startup complete", "Uvicorn running on")
# The start-up phases a CUDA OOM can happen in, by the line that opens each (0.4 through 0.34 wordings).
_PHASES = (
    ("loading", ("Starting to load model", "Loading model weights", "Loading safetensors checkpoint")),
    ("profiling", ("Model loading took", "Memory profiling takes", "determine_num_available_blocks")),
    ("kv_cache", ("# GPU blocks:", "KV cache size:", "Available KV cache memory")),
    ("graph_capture", ("Capturing cudagraphs", "Capturing CUDA graph", "Capturing the model for CUDA graphs")),
    ("ready", _READY),
)
_CALIBRATION = ("Model loading took", "KV cache", "Maximum concurrency", "Graph capturing finished", "init engine",
                "Free memory on device", "Desired GPU memory", "GiB for ", "non-default args:", "with config: model=",
                "vLLM API server version", "█")


def _has(text: str, needles: tuple[str, ...]) -> bool:
    for needle in needles:  # a plain loop: a generator's overhead doubles the cost of a log's scan
        if needle in text:
            return True
    return False


# Exceptions that only report that another process failed ("See root cause above").
_WRAPPERS = ("Engine core initialization failed", "See root cause above", "died unexpectedly",
             "EngineDeadError", "Worker failed with error", "ray.exceptions.RayTaskError")
# A traceback's source lines quote the message being raised; the exception line itself follows.
_SOURCE = re.compile(r"""^(?:raise |File "|f?["'])""")
_EXCEPTION = re.compile(r"^(?:[\w.]{0,80}\.)?[A-Z]\w{0,60}(?:Error|Exception|Interrupt): .{3,}")


@dataclass(frozen=True)
class Found:
    match: Match
    line: LogLine
    phase: str | None  # the start-up phase the failure happened in (for CUDA OOM)


@dataclass
class Attempt:
    """One start-up attempt's evidence."""

    found: dict[str, Found] = field(default_factory=dict)
    command: LoggedCommand = field(default_factory=LoggedCommand)
    phase: str | None = None
    ready: bool = False
    first_exception: LogLine | None = None  # the root cause comes first; wrappers re-raise it later
    calibration: deque = field(default_factory=lambda: deque(maxlen=CALIBRATION_LINES))
    lines: int = 0

    @property
    def over(self) -> bool:
        return self.ready or bool(self.found)


@dataclass
class ScanResult:
    attempt: Attempt
    lines: int
    vllm_lines: int  # lines that looked like vLLM's logger or a known wrapper's


def scan(raw_lines: Iterable[str]) -> ScanResult:
    attempt = Attempt()
    total = vllm_lines = 0
    for number, raw in enumerate(raw_lines, start=1):
        total = number
        line = normalise(raw, number)
        text = line.text
        if not text:
            continue
        if line.level or line.process:
            vllm_lines += 1
        if attempt.over and _has(text, _START):
            attempt = Attempt()  # a restart: judge the new attempt
        attempt.lines += 1
        logged = parse_command_line(text)
        if logged is not None:
            attempt.command = attempt.command.merged(logged) if attempt.command.source else logged
        for phase, needles in _PHASES:
            if _has(text, needles):
                attempt.phase = phase
        if _has(text, _READY):
            attempt.ready = True
        if _has(text, _CALIBRATION):
            attempt.calibration.append(text[:CALIBRATION_LINE])
        # vLLM logs failures at WARNING/ERROR or prints them raw (tracebacks, stderr, supervisors): its
        # INFO/DEBUG lines only describe the start-up, so rules skip them.
        quiet = line.level in ("INFO", "DEBUG") or _SOURCE.match(text)
        match = None if quiet else match_line(text)
        if match is not None and match.rule.code not in attempt.found:
            oom_phase: str | None = None
            if match.rule.code == "cuda_oom":
                oom_phase = "sampler_warmup" if match.values.get("warmup") else attempt.phase
            attempt.found[match.rule.code] = Found(match, line, oom_phase)
        elif match is None and attempt.first_exception is None and _EXCEPTION.match(text) \
                and not _has(text, _WRAPPERS):
            attempt.first_exception = line
    return ScanResult(attempt, total, vllm_lines)
