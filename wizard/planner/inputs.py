"""What the planner is given: hardware facts, model facts, pins, goals and the vLLM version."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from wizard.bounds import NODES
from wizard.frozen import Frozen
from wizard.hardware.facts import HardwareFacts
from wizard.model.facts import ModelFacts

MAX_NODES = int(NODES.hi)  # the CLI refuses more at the boundary (wizard.bounds), with the reason


@dataclass(frozen=True, kw_only=True)
class Goals(Frozen):
    """What the user wants from the server, separate from any setting they pinned."""

    context: int | None = None  # tokens per request wanted
    concurrency: int | None = None  # requests served at once at that length
    priority: Literal["balanced", "throughput", "latency", "context", "quality"] = "balanced"

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("context", "concurrency"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"Goals.{name}: {value} is not at least 1")


@dataclass(frozen=True, kw_only=True)
class MeasuredOverheads(Frozen):
    """A, N, G (bytes per rank) measured by a real start-up of the same setup (calibration)."""

    activation_bytes: int | None = None
    non_torch_bytes: int | None = None
    cuda_graph_bytes: int | None = None
    # What the GPU held before vLLM's memory snapshot (total - free on startup, as the log's summary
    # says): the CUDA context, from 0.11 the communication buffers too (wizard.launch.calibration.derive).
    context_bytes: int | None = None


@dataclass(frozen=True, kw_only=True)
class PlanRequest(Frozen):
    hardware: HardwareFacts
    model: ModelFacts
    vllm_version: str
    gpu_indices: tuple[int, ...] | None = None  # None: every GPU in `hardware`
    pinned: dict[str, Any] = field(default_factory=dict)
    goals: Goals = field(default_factory=Goals)
    measured: MeasuredOverheads | None = None
    # Environment variables the server starts with that change what vLLM does (VLLM_USE_V1).
    vllm_env: dict[str, str] = field(default_factory=dict)
    # How vLLM is started: `vllm serve` or the offline LLM class (their V1 batch defaults differ).
    usage: Literal["serve", "llm"] = "serve"
    # FlashInfer installed where vLLM runs (V1 samples with it; the vLLM docker images ship it).
    flashinfer: bool = False
    # Multi-node: `hardware` describes one node; every node is assumed to hold the same GPUs.
    nodes: int = 1
    # InfiniBand / RoCE between the nodes: True, False, or None when unknown.
    rdma: bool | None = None
    model_ref: str | None = None  # what `vllm serve` is given (path or hub id); default the model id
    # The separate draft model of speculative decoding (`speculative-config` "model"), when it could be read.
    draft_model: ModelFacts | None = None
    # Host RAM in bytes (psutil for a detected machine, --host-memory for a catalog plan); bounds
    # CPU offload. None: unknown, and offload is bounded by the checkpoint alone.
    host_memory_bytes: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 1 <= self.nodes <= MAX_NODES:
            raise ValueError(f"PlanRequest.nodes: {self.nodes} is not between 1 and {MAX_NODES}")
