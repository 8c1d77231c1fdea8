"""Settings under construction: the base draft for one parallel shape, each value with a reason.

The search over shapes and remedies lives in wizard.planner.search (candidates, rank); this module
holds what every candidate starts from (vLLM's defaults for the shape, the dtype, parsers, the
free-memory cap on utilization) and the context arithmetic the search shares.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from wizard.errors import InputError
from wizard.i18n import Message, msg
from wizard.hardware.facts import GpuFacts
from wizard.model.facts import ModelFacts
from wizard.planner import checks, parallel
from wizard.planner.candidates import describe_shape
from wizard.planner.input_settings import choose_inputs
from wizard.planner.inputs import PlanRequest
from wizard.planner.kv import default_block_size
from wizard.planner.overheads import context_bytes, cuda_graph_bytes, link_kind
from wizard.planner.parser_versions import missing_in
from wizard.planner.predict import Prediction, mamba_blocks_short, predict
from wizard.planner.settings import Settings
from wizard.planner.versions import VllmVersion
from wizard.releases.scheduler import SchedulerDefaults, SchedulerInputs, scheduler_defaults
from wizard.planner.utilization import UTIL_CEILING as UTIL_CEILING  # re-exported: callers that import it from here

GIB = 1 << 30
FREE_MARGIN = int(0.25 * GIB)


@dataclass
class Draft:
    """Settings under construction: values, why each was chosen, and what the user pinned."""

    values: dict
    reasons: dict[str, str]
    pinned: frozenset[str]
    warnings: list[tuple[str, str]] = field(default_factory=list)
    # What vLLM would use if the flag were left out (the argv omits values equal to these).
    vllm_defaults: dict = field(default_factory=dict)
    # The engine the scheduler values were derived for (a remedy can move 0.8-0.10 to V0).
    engine: str = ""

    def choose(self, name: str, value: object, reason: str) -> bool:
        if name in self.pinned:
            return False
        self.values[name] = value
        self.reasons[name] = reason
        return True

    def settings(self) -> Settings:
        return Settings(**self.values)

    def copy(self) -> Draft:
        return Draft(dict(self.values), dict(self.reasons), self.pinned, list(self.warnings), self.vllm_defaults,
                     self.engine)


def select_gpus(request: PlanRequest) -> list[GpuFacts]:
    gpus = list(request.hardware.gpus)
    if request.gpu_indices is not None:
        by_index = {g.index: g for g in gpus}
        missing = [i for i in request.gpu_indices if i not in by_index]
        if missing:
            raise InputError(msg("planner.gpus.not_found", index=missing[0], found=", ".join(map(str, by_index))))
        gpus = [by_index[i] for i in request.gpu_indices]
    if not gpus:
        raise InputError(msg("planner.gpus.none"))
    if any(g.total_bytes is None for g in gpus):
        raise InputError(msg("planner.gpus.unknown_memory"))
    if request.nodes > 1:
        # Global rank order: node 0's GPUs, then node 1's, ... (what Ray / torch.distributed assign).
        per_node = len(gpus)
        gpus = [g.model_copy(update={"index": node * per_node + i}) for node in range(request.nodes)
                for i, g in enumerate(gpus)]
    return gpus


def node_gpus(request: PlanRequest) -> list[GpuFacts]:
    """The GPUs of one node (what CUDA_VISIBLE_DEVICES names on every node)."""
    gpus = select_gpus(request)
    return gpus[: len(gpus) // request.nodes]


def max_util_for_free(gpus: list[GpuFacts], version: VllmVersion, tp: int, pp: int, graphs: int = 0) -> float:
    """The largest utilization whose request still fits the free memory at vLLM's snapshot.

    Before 0.20 CUDA graphs are captured after the KV cache, outside the request: `graphs` bytes
    must stay free too.
    """
    # Custom all-reduce is assumed where the board has NVLink: the link sets the NCCL buffers that
    # sit outside the request from 0.11.
    link = link_kind(gpus[0].name if gpus else "", custom_all_reduce=True, nodes=version.nodes)
    ctx = context_bytes(version=version, tp=tp, pp=pp, link=link)
    outside = 0 if version.subtracts_cuda_graphs else graphs
    ratios = [((g.total_bytes or 0) - checks.others_bytes(g) - ctx - FREE_MARGIN - outside) / (g.total_bytes or 1)
              for g in gpus]
    return max(0.0, math.floor(min(ratios) * 100) / 100)


def scheduler_defaults_for(request: PlanRequest, gpus: list[GpuFacts], version: VllmVersion,
                           values: dict, pinned: frozenset[str]) -> SchedulerDefaults:
    """The release's scheduler defaults (wizard.releases.scheduler), honouring pinned values."""
    arch = request.model.arch
    return scheduler_defaults(version.key, str(version), SchedulerInputs(
        engine=version.engine, max_model_len=values["max_model_len"],  # type: ignore[arg-type]
        gpu_total_gib=min(g.total_bytes or 0 for g in gpus) / GIB, gpu_name=gpus[0].name,
        usage=request.usage, multimodal=arch.has_vision or arch.has_audio,
        sliding_window=bool(arch.sliding_window and arch.sliding_window_layers), lora=bool(values.get("enable_lora")),
        mla=arch.mla is not None, speculative=bool(values.get("speculative_model") or values.get("speculative_config")),
        chunked_prefill=values["enable_chunked_prefill"] if "enable_chunked_prefill" in pinned else None,
        max_num_batched_tokens=values["max_num_batched_tokens"] if "max_num_batched_tokens" in pinned else None,
        max_num_seqs=values["max_num_seqs"] if "max_num_seqs" in pinned else None,
    ))


def _base(request: PlanRequest, gpus: list[GpuFacts], version: VllmVersion, tp: int, pp: int) -> Draft:
    model, pins = request.model, dict(request.pinned)
    d = Draft(values={**Settings().model_dump(), **pins}, reasons={}, pinned=frozenset(pins))
    chosen = gpus[: tp * pp]
    cc = chosen[0].cc_tuple
    heads = model.arch.num_attention_heads
    if request.nodes > 1:
        why = parallel.describe_multinode(tp, pp, heads, request.nodes, len(gpus) // request.nodes)
    else:
        why = describe_shape(tp, pp, heads, tp * pp, len(gpus), False)
    d.choose("tensor_parallel_size", tp, why)
    d.choose("pipeline_parallel_size", pp, why)
    _choose_dtype(d, model, cc)
    _choose_quantization(d, model)
    d.choose("kv_cache_dtype", "auto", msg("chooser.kv.auto"))
    d.choose("block_size", default_block_size(model.arch, cc),
             msg("planner.choose.block_size"))
    # 0.8-0.10 fall back to V0 for some setups; the fallback's defaults apply (wizard.releases.engine).
    version, _ = version.resolve_engine(model, chosen, d.settings())
    _choose_len(d, request, version)
    choose_scheduler(d, request, chosen, version)
    d.vllm_defaults.update(block_size=d.values["block_size"], cpu_offload_gb=0.0, kv_cache_memory_bytes=None)

    measured = version.sizes_kv_after_warmup(None)
    if measured:
        # 0.34+ measures what is free after warm-up (other processes included) and keeps its own margin.
        util, why = version.default_gpu_memory_utilization, msg("planner.choose.util_extensible", version=str(version))
    else:
        util, why = _fixed_budget_util(model, chosen, version, tp, pp)
    d.choose("gpu_memory_utilization", util, why)
    d.choose("decode_context_parallel_size", 1, msg("planner.choose.dcp"))
    d.choose("enable_prefix_caching", None, msg("planner.choose.prefix_caching", version=str(version)))
    d.choose("kv_cache_memory_bytes", None, msg("planner.choose.kv_memory_extensible", version=str(version))
             if measured else msg("planner.choose.kv_memory"))
    d.choose("enforce_eager", False, msg("planner.choose.eager"))
    d.choose("cpu_offload_gb", 0.0, msg("chooser.offload.none"))
    _choose_parsers(d, model, version)
    d.choose("trust_remote_code", False,
             msg("planner.choose.remote_code_ships") if model.has_remote_code
             else msg("planner.choose.remote_code_none"))
    p2p = request.hardware.all_pairs_p2p([g.index for g in chosen]) if tp * pp > 1 else True
    d.choose("disable_custom_all_reduce", tp > 1 and p2p is False,
             msg("planner.choose.no_p2p") if tp > 1 and p2p is False else msg("planner.choose.p2p_ok"))
    choose_inputs(d, model, version, draft=request.draft_model)
    return d


def _fixed_budget_util(model: ModelFacts, chosen: list[GpuFacts], version: VllmVersion, tp: int,
                       pp: int) -> tuple[float, Message]:
    """The release's default, or less where that request would not fit the free memory at vLLM's snapshot."""
    graphs = cuda_graph_bytes(model.arch, layers=-(-model.arch.num_layers // pp), enforce_eager=False, version=version)
    util = min(version.default_gpu_memory_utilization, max_util_for_free(chosen, version, tp, pp, graphs))
    others = max(checks.others_bytes(g) for g in chosen)
    if util <= 0:
        return util, msg("chooser.util.no_free", held=others / GIB)
    if others > GIB:
        return util, msg("chooser.util.busy", util=util, held=others / GIB)
    if util < version.default_gpu_memory_utilization:
        return util, msg("chooser.util.outside", util=util, version=str(version))
    return util, msg("planner.choose.util_default", version=str(version))


def choose_scheduler(d: Draft, request: PlanRequest, gpus: list[GpuFacts], version: VllmVersion) -> None:
    """Chunked prefill, the token budget and max_num_seqs as the engine these settings start derives
    them (wizard.releases.scheduler), with reasons naming that engine. Values the user pinned, or a
    remedy moved off the defaults (fewer sequences), stay."""
    resolved, _ = version.resolve_engine(request.model, gpus, d.settings())
    sched = scheduler_defaults_for(request, gpus, resolved, d.values, d.pinned)
    before = d.vllm_defaults
    d.engine = resolved.engine
    d.choose("enable_chunked_prefill", sched.chunked_prefill,
             msg("planner.choose.chunked", version=str(resolved), engine=resolved.engine))
    for name, value, reason in (
            ("max_num_batched_tokens", sched.max_num_batched_tokens,
             msg("planner.choose.batched_tokens", version=str(resolved))),
            ("max_num_seqs", sched.max_num_seqs, msg("planner.choose.num_seqs", version=str(resolved)))):
        if name not in before or d.values[name] == before[name]:
            d.choose(name, value, reason)
    d.vllm_defaults = {**before, "max_num_batched_tokens": sched.max_num_batched_tokens,
                       "max_num_seqs": sched.max_num_seqs}


def follow_engine(d: Draft, request: PlanRequest, gpus: list[GpuFacts], version: VllmVersion) -> Draft:
    """The draft with its scheduler values re-derived when its settings now start another engine
    than the one they were derived for (fp8 KV or bitsandbytes on 0.8-0.10 fall back to V0)."""
    chosen = gpus[: d.values["tensor_parallel_size"] * d.values["pipeline_parallel_size"]] or gpus
    resolved, _ = version.resolve_engine(request.model, chosen, d.settings())
    if resolved.engine == d.engine:
        return d
    d = d.copy()
    choose_scheduler(d, request, chosen, version)
    return d


def _choose_dtype(d: Draft, model: ModelFacts, cc: tuple[int, int] | None) -> None:
    ckpt = (model.arch.torch_dtype or "bfloat16").replace("torch.", "")
    if cc is not None and cc < (8, 0) and ckpt in {"bfloat16", "float32"}:
        if model.model_type in checks.FP16_UNSAFE_MODELS:
            d.choose("dtype", "float32", msg("planner.choose.fp32", model_type=model.model_type))
            d.warnings.append(("fp32_fallback", msg("planner.warn.fp32_fallback", model_type=model.model_type)))
        else:
            d.choose("dtype", "float16", msg("planner.choose.fp16", cc=f"{cc[0]}.{cc[1]}"))
        return
    d.choose("dtype", "auto", msg("planner.choose.dtype_native", dtype=ckpt))


def _choose_quantization(d: Draft, model: ModelFacts) -> None:
    q = model.quantization
    if q is None:
        d.choose("quantization", None, msg("chooser.quant.none"))
    elif q.auto_detected:
        d.choose("quantization", None, msg("planner.choose.quant_detected", method=q.method, file=q.source_file))
    else:
        d.choose("quantization", q.method, msg("planner.choose.quant_side_file", file=q.source_file, method=q.method))


def _round_len(length: int) -> int:
    return length // 1024 * 1024 if length >= 2048 else max(16, length // 16 * 16)


def _choose_len(d: Draft, request: PlanRequest, version: VllmVersion) -> None:
    derived = checks.derived_max_len(request.model, version)
    goal = request.goals.context
    if goal:
        length = min(goal, derived)
        reason = (msg("planner.choose.goal_len_capped", goal=goal, derived=derived) if goal > derived
                  else msg("planner.choose.goal_len", goal=goal))
        if goal > derived:
            d.warnings.append(("context_beyond_training", msg("planner.warn.goal_beyond_training", goal=goal,
                                                              derived=derived)))
    else:
        length, reason = derived, msg("chooser.len.full", derived=derived)
    d.choose("max_model_len", length, reason)


def _choose_parsers(d: Draft, model: ModelFacts, version: VllmVersion) -> None:
    parsers = model.parsers
    shown = parsers.evidence[:2]
    evidence = (msg("planner.choose.evidence_two", first=shown[0], second=shown[1]) if len(shown) == 2
                else msg("planner.choose.evidence_one", first=shown[0]) if shown else msg("planner.choose.evidence_family"))
    reasoning, tool = parsers.reasoning_parser, parsers.tool_call_parser
    kinds: tuple[tuple[Literal["reasoning", "tool"], str | None], ...] = (("reasoning", reasoning), ("tool", tool))
    for kind, name in kinds:
        since = missing_in(version, kind, name) if name else None
        if since:
            d.warnings.append((f"{kind}_parser_unavailable",
                               msg("planner.warn.reasoning_unavailable" if kind == "reasoning"
                                   else "planner.warn.tool_unavailable", name=name, since=str(since),
                                   version=str(version))))
            if kind == "reasoning":
                reasoning = None
            else:
                tool = None
    if reasoning:
        d.choose("reasoning_parser", reasoning,
                 msg("planner.choose.reasoning", evidence=evidence))
    else:
        d.choose("reasoning_parser", None, msg("planner.choose.no_reasoning"))
    if tool:
        d.choose("tool_call_parser", tool, msg("planner.choose.tool", evidence=evidence))
        d.choose("enable_auto_tool_choice", True, msg("planner.choose.auto_tool"))
    else:
        d.choose("tool_call_parser", None, msg("planner.choose.no_tool"))
        d.choose("enable_auto_tool_choice", False, msg("planner.choose.no_auto_tool"))


def target_len(request: PlanRequest, derived: int) -> int:
    """The context a plan must reach: the goal, else a length that suits the priority."""
    goals = request.goals
    if goals.context:
        return min(goals.context, derived)
    implicit = {"context": derived, "throughput": 8192}.get(goals.priority, 32768)
    return min(implicit, derived)


def meets_goals(pred: Prediction, request: PlanRequest) -> bool:
    goals = request.goals
    if not pred.ok:
        return False
    if pred.settings.max_model_len < target_len(request, pred.derived_max_len):
        return False
    return not (goals.concurrency and pred.concurrency < goals.concurrency)


def _settle(pred: Prediction, d: Draft, request: PlanRequest, gpus: list[GpuFacts], version: VllmVersion):
    """Without an explicit context goal, cap max_model_len to what fits rather than buy context;
    for hybrid models keep max_num_seqs within the recurrent-state blocks."""
    if pred.num_blocks > 0 and mamba_blocks_short(pred.layout, pred.num_blocks, pred.settings, version):
        trial = d.copy()
        seqs = max(1, pred.num_blocks // 8 * 8 or pred.num_blocks)
        if trial.choose("max_num_seqs", seqs, msg("planner.choose.mamba_seqs", blocks=pred.num_blocks, seqs=seqs)):
            pred, d = predict(request.model, gpus, trial.settings(), version, request.measured, draft=request.draft_model), trial
    if request.goals.context or "max_model_len" in d.pinned or not _kv_short(pred):
        return pred, d
    length = _round_len(pred.max_fitting_len)
    if request.goals.concurrency:
        length = _len_for_concurrency(pred, request, gpus, version, d) or 0
    if length < target_len(request, pred.derived_max_len):
        return pred, d
    trial = d.copy()
    set_len(trial, length, msg("planner.choose.len_capped", length=length, derived=pred.derived_max_len),
            request, gpus, version)
    return predict(request.model, gpus, trial.settings(), version, request.measured, draft=request.draft_model), trial


def set_len(d: Draft, length: int, reason: str, request: PlanRequest, gpus: list[GpuFacts],
            version: VllmVersion) -> bool:
    """Choose max_model_len; the scheduler defaults follow it (on V0 the profile batch is a whole
    prompt, and a context above 32K turns chunked prefill on)."""
    if not d.choose("max_model_len", length, reason):
        return False
    chosen = gpus[: d.values["tensor_parallel_size"] * d.values["pipeline_parallel_size"]] or gpus
    choose_scheduler(d, request, chosen, version)
    return True


def _kv_short(pred: Prediction) -> bool:
    return pred.failure is not None and pred.failure.code in {"max_model_len_exceeds_kv_cache", "no_kv_cache_memory"}


def plan_settings(request: PlanRequest) -> tuple[Prediction, Draft]:
    from wizard.planner.search import search  # noqa: PLC0415 - import cycle: wizard.planner.search imports this module

    return search(request)


def _len_for_concurrency(pred, request, gpus, version, d) -> int | None:
    """The longest context (multiple of 1024) at which the goal concurrency still fits."""
    want = request.goals.concurrency
    best = None
    lo, hi = 1, max(1, pred.max_fitting_len // 1024)
    while lo <= hi:
        mid = (lo + hi) // 2
        trial = d.copy()
        trial.values["max_model_len"] = mid * 1024
        p = predict(request.model, gpus, trial.settings(), version, request.measured, draft=request.draft_model)
        if p.ok and p.concurrency >= want:
            best, lo = mid * 1024, mid + 1
        else:
            hi = mid - 1
    return best
