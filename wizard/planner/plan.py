"""The plan: settings with reasons, per-rank memory, the start-up verdict, warnings and the command.

`make_plan` is the planner's one entry point (pure: no files, no NVML, no network). `Plan.contract()`
renders exactly the JSON of shared/contracts/plan-cli.md (schema_version 1).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from wizard.planner import warnings as plan_warnings
from wizard.planner.argv import build_argv, build_env
from wizard.planner.choose import node_gpus, plan_settings, select_gpus
from wizard.planner.inputs import PlanRequest
from wizard.planner.predict import EmpiricalTerm, RankMemory
from wizard.i18n import msg
from wizard.perf import estimate_plan
from wizard.planner.settings import Settings
from wizard.planner.versions import VllmVersion

if TYPE_CHECKING:
    from wizard.perf import Performance

SCHEMA_VERSION = 1
RankBudget = RankMemory  # one GPU's bar: bytes by segment, as vLLM will account them
GIB = 1 << 30


# Plain frozen dataclasses: a plan is built on every keystroke in the UI and pydantic's schema
# building would dominate the CLI's start-up; validation happens on the inputs, not here.
@dataclass(frozen=True)
class Warning_:
    code: str
    message: str


@dataclass(frozen=True)
class Plan:
    request: PlanRequest
    version: str
    settings: Settings
    pinned: tuple[str, ...]
    reasons: dict[str, str]
    ranks: tuple[RankMemory, ...]
    worst_rank: int
    kv_cache_tokens: int
    max_concurrency: float
    kv_bytes_per_token: int
    block_size: int
    max_fitting_len: int
    derived_max_len: int
    failure_code: str | None
    failure_message: str | None
    warnings: tuple[Warning_, ...]
    argv: tuple[str, ...]
    env: dict[str, str]
    engine: str = "V1"  # the engine vLLM starts for this plan (wizard.releases.engine)
    engine_reason: str = ""  # why, in the user's language
    # The named empirical terms in the worst rank's figures: estimates, or values `calibrate` measured.
    empirical_terms: tuple[EmpiricalTerm, ...] = ()

    @property
    def ok(self) -> bool:
        return self.failure_code is None

    @property
    def worst(self) -> RankMemory:
        return self.ranks[self.worst_rank]

    def contract(self) -> dict[str, Any]:
        model, w = self.request.model, self.worst
        gpus = select_gpus(self.request)
        quant = model.quantization.method if model.quantization else None
        return {
            "schema_version": SCHEMA_VERSION,
            "vllm_version": self.version,
            "model": {
                "source": model.source, "id": model.id, "architecture": model.architecture,
                "model_type": model.model_type, "params": model.weights.params,
                "checkpoint_dtype": model.weights.checkpoint_dtype or model.arch.torch_dtype,
                "quantization": quant, "max_position_embeddings": model.arch.max_position_embeddings,
            },
            "gpus": [
                {"index": g.index, "name": g.name, "total_gib": round((g.total_bytes or 0) / GIB, 2),
                 "used_gib": round((g.used_bytes or 0) / GIB, 2), "compute_capability": g.compute_capability}
                for g in gpus[: self.settings.tensor_parallel_size * self.settings.pipeline_parallel_size]
            ],
            "settings": self.settings.model_dump(),
            "pinned": list(self.pinned),
            "reasons": dict(self.reasons),
            "memory": {
                "requested_gib": round(w.requested / GIB, 2),
                "weights_gib": round(w.weights / GIB, 2),
                "activation_gib": round(w.activation / GIB, 2),
                "non_torch_gib": round(w.non_torch / GIB, 2),
                "cuda_graph_gib": round(w.cuda_graph / GIB, 2),
                "kv_cache_gib": round(w.kv_cache / GIB, 2),
                "kv_cache_tokens": self.kv_cache_tokens,
                "max_concurrency": round(self.max_concurrency, 2),
                "kv_bytes_per_token": self.kv_bytes_per_token,
                "block_size": self.block_size,
            },
            "startup": {
                "ok": self.ok,
                "failure": None if self.ok else {"code": self.failure_code, "message": self.failure_message},
            },
            "warnings": [asdict(wn) for wn in self.warnings],
            "command": {"argv": list(self.argv), "env": dict(self.env)},
            "performance": self.performance().contract(),
            **({"multinode": self._multinode()} if self.request.nodes > 1 else {}),
        }

    def performance(self) -> Performance:
        """Predicted decode / prefill speed for these settings (wizard.perf; computed on demand)."""
        return estimate_plan(self)

    def _multinode(self) -> dict[str, Any]:
        """Present only for --nodes > 1 (an addition to schema 1; single-node output is unchanged)."""
        per_node = len(select_gpus(self.request)) // self.request.nodes
        return {"nodes": self.request.nodes, "gpus_per_node": per_node,
                "tensor_parallel_size": self.settings.tensor_parallel_size,
                "pipeline_parallel_size": self.settings.pipeline_parallel_size,
                "ranks_per_node": per_node, "rdma": self.request.rdma}


def make_plan(request: PlanRequest, *, exact: bool = False) -> Plan:
    """`exact`: predict the pins as given with release defaults for the rest (wizard.planner.exact),
    choosing nothing; otherwise the chooser plans every unpinned setting."""
    version = VllmVersion.parse(request.vllm_version)
    if exact:
        from wizard.planner.exact import exact_settings  # noqa: PLC0415 - wizard.planner.exact (3 ms) only for exact pins: kept out of `plan`

        pred, draft = exact_settings(request)
    else:
        pred, draft = plan_settings(request)
    gpus = select_gpus(request)
    s = pred.settings
    used = gpus[: s.tensor_parallel_size * s.pipeline_parallel_size]
    if request.nodes > 1:
        # Every node exposes the same local GPUs; P2P matters among one node's TP group.
        used = node_gpus(request)
    indices = [g.index for g in used]
    no_p2p = request.hardware.all_pairs_p2p(indices[: s.tensor_parallel_size]) is False
    pinned = draft.pinned
    argv = build_argv(request.model_ref or request.model.path or request.model.id, s, version,
                      pinned=pinned, defaults=draft.vllm_defaults)
    if request.nodes > 1:
        argv += ["--distributed-executor-backend", "ray"]  # the head's command; see wizard.launch.multinode
    env = build_env(indices, s, no_p2p=no_p2p, detected=request.hardware.source != "catalog")
    warnings = [Warning_(code=c, message=m) for c, m in draft.warnings]
    warnings += [Warning_(code=c, message=m)
                 for c, m in plan_warnings.collect(request, pred, pred.version or version, used, no_p2p)]
    return Plan(
        request=request, version=str(version), settings=s, pinned=tuple(sorted(pinned)), reasons=draft.reasons,
        ranks=pred.ranks, worst_rank=pred.ranks.index(pred.worst), kv_cache_tokens=pred.kv_tokens,
        max_concurrency=pred.concurrency, kv_bytes_per_token=int(pred.layout.bytes_per_token),
        block_size=pred.layout.block_size, max_fitting_len=pred.max_fitting_len,
        derived_max_len=pred.derived_max_len, failure_code=pred.failure.code if pred.failure else None,
        failure_message=pred.failure.message if pred.failure else None, warnings=tuple(_dedupe(warnings)),
        argv=tuple(argv), env=env,
        engine=pred.engine.engine if pred.engine else version.engine,
        engine_reason=msg(f"engine.reason.{pred.engine.code}", version=str(version)) if pred.engine else "",
        empirical_terms=pred.terms,
    )


def _dedupe(items: list[Warning_]) -> list[Warning_]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item.code not in seen:
            seen.add(item.code)
            out.append(item)
    return out
