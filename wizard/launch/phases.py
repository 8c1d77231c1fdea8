"""Where a vLLM start-up is, read from its log lines (every release from 0.4 to today).

The phases follow the order vLLM's engine initialises: the process starts and reads the config,
loads the weights, compiles the model with torch.compile (V1 engine, not with --enforce-eager),
profiles memory and sizes the KV cache, captures CUDA graphs (not with --enforce-eager), then starts
the API server. Each phase is recognised by lines the releases print (quoted in the public logs of
shared/calibration and the CPU lab log): the V0 engine's "Loading model weights took" / "# GPU
blocks" / "Capturing the model for CUDA graphs", the V1 engine's "Model loading took" / "Dynamo
bytecode transform time" / "GPU KV cache size" / "Capturing CUDA graphs", the CPU backend's "GiB
for KV cache on node". The phase only moves forward: a line of an earlier phase printed late (a
compile of one more shape during capture) does not move it back.
"""

from __future__ import annotations

import re
from enum import Enum

from wizard.i18n import Message, msg


class Phase(str, Enum):
    LAUNCHING = "launching"  # the process exists, nothing recognisable printed yet
    STARTING = "starting"  # config resolved, engine being created
    LOADING_WEIGHTS = "loading_weights"
    COMPILING = "compiling"
    PROFILING = "profiling"  # memory profiling, KV cache sizing and allocation
    CAPTURING_GRAPHS = "capturing_graphs"
    STARTING_API = "starting_api"
    READY = "ready"

    @property
    def rank(self) -> int:
        return ORDER.index(self)

    def label(self) -> Message:
        return {
            Phase.LAUNCHING: msg("startup.phase.launching"),
            Phase.STARTING: msg("startup.phase.starting"),
            Phase.LOADING_WEIGHTS: msg("startup.phase.loading_weights"),
            Phase.COMPILING: msg("startup.phase.compiling"),
            Phase.PROFILING: msg("startup.phase.profiling"),
            Phase.CAPTURING_GRAPHS: msg("startup.phase.capturing_graphs"),
            Phase.STARTING_API: msg("startup.phase.starting_api"),
            Phase.READY: msg("startup.phase.ready"),
        }[self]


ORDER = tuple(Phase)

# Later phases first: a line is taken for the latest phase it can mark.
_PATTERNS: tuple[tuple[Phase, re.Pattern], ...] = tuple((phase, re.compile(pattern)) for phase, pattern in (
    (Phase.STARTING_API, r"Graph capturing finished|init engine \(profile, create kv cache, warmup model\) took|"
                         r"Starting vLLM API server|Starting vLLM server on|Available routes are|Route: /|"
                         r"Started server process|Waiting for application startup|Uvicorn running on|"
                         r"Application startup complete|Supported tasks:"),
    (Phase.CAPTURING_GRAPHS, r"Capturing cudagraphs|Capturing CUDA graphs?|Capturing the model for CUDA graphs|"
                             r"CUDA graphs can take additional|cudagraph capturing"),
    (Phase.PROFILING, r"Memory profiling takes|Available KV cache memory|# (?:GPU|cuda|CPU|npu) blocks:|"
                      r"(?:GPU|CPU) KV cache size|Maximum concurrency for|the current vLLM instance can use|"
                      r"model weights take|GiB for KV cache on node|KV cache memory|profile run"),
    (Phase.COMPILING, r"Dynamo bytecode transform time|Compiling a graph for|torch\.compile takes|"
                      r"Directly load the compiled graph|for vLLM's torch\.compile|Start compiling|compiling the model"),
    (Phase.LOADING_WEIGHTS, r"Starting to load model|Loading model weights|Loading (?:safetensors|pt) checkpoint shards|"
                            r"Loading weights took|Model loading took|Using model weights format|Initializing model took|"
                            r"Filesystem type for checkpoints|Downloading|weight_utils"),
    (Phase.STARTING, r"vLLM API server version|non-default args|Initializing an? (?:V\d )?LLM engine|"
                     r"Initializing a V1 LLM engine|args: Namespace\(|Resolved architecture|Using max model len|"
                     r"version \d+\.\d+|Chunked prefill is enabled|world_size=\d"),
))


def recognise(line: str) -> Phase | None:
    """The phase a log line shows vLLM in, or None for a line that says nothing about it."""
    for phase, pattern in _PATTERNS:
        if pattern.search(line):
            return phase
    return None


class PhaseTracker:
    """The current phase of one start-up, and when each phase began (seconds since the launch)."""

    def __init__(self) -> None:
        self.phase = Phase.LAUNCHING
        self.entered: dict[Phase, float] = {Phase.LAUNCHING: 0.0}

    def feed(self, line: str, at: float) -> bool:
        """Read one line; True when it moved the start-up into a later phase."""
        seen = recognise(line)
        return seen is not None and self.advance(seen, at)

    def advance(self, phase: Phase, at: float) -> bool:
        if phase.rank <= self.phase.rank:
            return False
        self.phase = phase
        self.entered.setdefault(phase, at)
        return True
