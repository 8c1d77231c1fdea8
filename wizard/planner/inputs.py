"""What the planner is given: hardware facts, model facts, pins, goals and the vLLM version."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from wizard.hardware.facts import HardwareFacts
from wizard.model.facts import ModelFacts


class Goals(BaseModel):
    """What the user wants from the server, separate from any setting they pinned."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    context: int | None = Field(default=None, ge=1, description="tokens per request wanted")
    concurrency: int | None = Field(default=None, ge=1, description="requests served at once at that length")
    priority: Literal["balanced", "throughput", "context", "quality"] = "balanced"


class MeasuredOverheads(BaseModel):
    """A, N, G (bytes per rank) measured by a real start-up of the same setup (calibration)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    activation_bytes: int | None = None
    non_torch_bytes: int | None = None
    cuda_graph_bytes: int | None = None


class PlanRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    hardware: HardwareFacts
    model: ModelFacts
    vllm_version: str
    gpu_indices: tuple[int, ...] | None = None  # None: every GPU in `hardware`
    pinned: dict[str, Any] = Field(default_factory=dict)
    goals: Goals = Goals()
    measured: MeasuredOverheads | None = None
    # Multi-node: `hardware` describes one node; every node is assumed to hold the same GPUs.
    nodes: int = Field(default=1, ge=1, le=64)
    # InfiniBand / RoCE between the nodes: True, False, or None when unknown.
    rdma: bool | None = None
    model_ref: str | None = None  # what `vllm serve` is given (path or hub id); default the model id
