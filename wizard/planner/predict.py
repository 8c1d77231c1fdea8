"""Predict vLLM's start-up for one fully resolved set of settings: memory per rank and the verdict.

The figures mean what vLLM's own log means for the version planned for (memory model §2-§7); the
failure messages are the ones vLLM would print, followed by what to change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from wizard.hardware.facts import GpuFacts
from wizard.i18n import msg
from wizard.releases import multimodal as mm
from wizard.releases import profile as rp
from wizard.releases import rules
from wizard.releases.engine import EngineChoice
from wizard.model.facts import ModelFacts
from wizard.planner import kv as kvmath
from wizard.planner import overheads as oh
from wizard.planner.input_rules import mm_items_per_prompt
from wizard.planner.inputs import MeasuredOverheads
from wizard.planner.settings import Settings
from wizard.planner.versions import VllmVersion
from wizard.planner.weight_extras import drafter_kv_layers, weight_extras
from wizard.planner.weights import DTYPE_BYTES, plan_weights, pp_layer_split
from wizard.planner import checks

GIB = 1 << 30


@dataclass(frozen=True)
class RankMemory:
    """One GPU rank's budget, in bytes, as the VRAM bar draws it."""

    gpu_index: int
    total: int
    others: int  # other processes' memory already on the GPU
    context: int
    requested: int
    weights: int
    activation: int
    non_torch: int
    cuda_graph: int
    kv_cache: int  # "Available KV cache memory" (may be negative)
    num_blocks: int


@dataclass(frozen=True)
class Failure:
    code: str
    message: str


@dataclass(frozen=True)
class Prediction:
    settings: Settings
    ranks: tuple[RankMemory, ...]
    worst: RankMemory
    layout: kvmath.KvLayout
    num_blocks: int
    kv_tokens: int
    concurrency: float
    max_fitting_len: int  # largest max_model_len the KV cache of the worst rank holds
    derived_max_len: int
    failure: Failure | None
    notes: tuple[str, ...] = field(default_factory=tuple)
    engine: EngineChoice | None = None  # the engine this start-up runs and the oracle rule behind it
    terms: tuple[EmpiricalTerm, ...] = ()  # the named empirical terms in the worst rank's figures
    version: VllmVersion | None = None  # the release, with that engine fixed
    encoder: mm.EncoderProfile | None = None  # the multimodal encoder part of the V1 profile run

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass(frozen=True)
class EmpiricalTerm:
    """A figure no source code fixes, shown in the plan as what it is: an estimate or a measurement."""

    name: str  # cuda_context, comm_buffers
    bytes: int
    measured: bool
    label: str


def predict(
    model: ModelFacts,
    gpus: list[GpuFacts],
    settings: Settings,
    version: VllmVersion,
    measured: MeasuredOverheads | None = None,
    draft: ModelFacts | None = None,
) -> Prediction:
    """`draft`: the separate draft model of speculative decoding, when its facts are known."""
    tp, pp = settings.tensor_parallel_size, settings.pipeline_parallel_size
    arch = model.arch
    version, engine = version.resolve_engine(model, gpus, settings)
    cc = gpus[0].cc_tuple if gpus else None
    dtype = checks.resolve_dtype(settings.dtype, model, cc)
    model_bytes = DTYPE_BYTES.get(dtype, 2)
    kv_dtype = checks.resolve_kv_dtype(settings.kv_cache_dtype, model, version)
    online = settings.quantization if model.quantization is None else None
    weights = plan_weights(
        model, tp=tp, pp=pp, dtype=dtype, online_quant=online, cpu_offload_gib=settings.cpu_offload_gb,
        extras=weight_extras(model, settings, version, model_bytes, draft=draft),
    )
    derived = checks.derived_max_len(model, version)
    failure = checks.config_failure(model, gpus, settings, version, derived)

    split = pp_layer_split(arch.num_layers, pp) if pp > 1 else [arch.num_layers]
    impl = rp.sampler_impl(version.engine, version.key, flashinfer_installed=version.flashinfer_installed,
                           use_flashinfer_env=version.use_flashinfer_sampler)
    vision = arch.vision
    limits = {m: mm_items_per_prompt(settings, version, m) for m in ("image", "video")} if vision else {}
    v0_mm = mm.v0_max_mm_tokens(vision, version.key, max_model_len=settings.max_model_len, limits=limits) \
        if version.engine == "V0" else 0
    batch = rp.profile_batch(version.engine, max_num_seqs=settings.max_num_seqs,
                             max_num_batched_tokens=settings.max_num_batched_tokens, impl=impl, key=version.key,
                             mm_tokens_per_item=v0_mm or None)
    encoder = _encoder_profile(vision, version, settings, limits, hidden=arch.hidden_size, model_bytes=model_bytes)
    link = oh.link_kind(gpus[0].name if gpus else "", custom_all_reduce=not settings.disable_custom_all_reduce,
                        nodes=version.nodes)
    ranks: list[RankMemory] = []
    layouts: list[kvmath.KvLayout] = []
    worst_est: list[oh.Overheads] = []
    for stage, layers in enumerate(split):
        share = layers / max(1, arch.num_layers)
        layout = kvmath.build_layout(
            arch, version=version, tp=tp, layers_share=share, kv_dtype=kv_dtype, model_bytes=model_bytes,
            block_size=settings.block_size, dcp=settings.decode_context_parallel_size,
            quant_method=settings.quantization or (model.quantization.method if model.quantization else None),
            extra_layers=drafter_kv_layers(model, settings, version, kv_dtype, model_bytes, draft=draft)
            if stage == len(split) - 1 else 0,
        )
        per_sampling: dict[bool, oh.Overheads] = {}
        for tp_rank, g in enumerate(gpus[stage * tp : (stage + 1) * tp] or gpus[:1]):
            samples = rp.samples_on(version.engine, tp_rank=tp_rank, pp_stage=stage, pp_size=pp)
            if samples not in per_sampling:
                est = oh.estimate(
                    arch, version=version, tp=tp, pp=pp, layers=layers, batch=batch, model_bytes=model_bytes,
                    enforce_eager=settings.enforce_eager, samples=samples, link=link, max_seqs=settings.max_num_seqs,
                    encoder=encoder,
                )
                per_sampling[samples] = _apply_measured(est, measured, settings)
            ranks.append(_rank_memory(g, settings, version, weights.per_stage_bytes[stage], per_sampling[samples],
                                      layout))
            layouts.append(layout)
            worst_est.append(per_sampling[samples])

    worst_i = min(range(len(ranks)), key=lambda i: (ranks[i].num_blocks, ranks[i].kv_cache))
    worst, layout = ranks[worst_i], layouts[worst_i]
    num_blocks = worst.num_blocks
    cap = kvmath.capacity(layout, max(0, num_blocks) * layout.block_bytes, settings.max_model_len,
                          batch_tokens=settings.max_num_batched_tokens, version=version)
    max_fit = kvmath.largest_fitting_len(layout, worst.kv_cache, upper=max(derived, settings.max_model_len),
                                         batch_tokens=settings.max_num_batched_tokens, version=version)
    if failure is None:
        failure = _memory_failure(worst, gpus, settings, version, layout, cap, max_fit)
    return Prediction(
        settings=settings, ranks=tuple(ranks), worst=worst, layout=layout, num_blocks=num_blocks,
        kv_tokens=cap.tokens, concurrency=cap.concurrency, max_fitting_len=max_fit, derived_max_len=derived,
        failure=failure, notes=weights.notes, engine=engine, version=version,
        terms=_terms(worst_est[worst_i], tp, link), encoder=encoder,
    )


def _encoder_profile(vision, version: VllmVersion, settings: Settings, limits: dict[str, int], *, hidden: int,
                     model_bytes: int) -> mm.EncoderProfile | None:
    """The multimodal encoder pass of the profile run: V1's encoder-budget items, or V0's
    encoder-decoder image per dummy sequence (the V0 decoder-only runner runs the tower inside the
    text forward on capped sequences instead; wizard.releases.multimodal)."""
    if vision is None:
        return None
    tp = settings.tensor_parallel_size
    if version.engine == "V1":
        if settings.skip_mm_profiling and mm.skip_flag_honoured(version.key):
            return None
        return mm.v1_encoder_profile(
            vision, version.key, text_hidden=hidden, max_model_len=settings.max_model_len,
            max_num_batched_tokens=settings.max_num_batched_tokens, max_num_seqs=settings.max_num_seqs,
            limits=limits, tp=tp, model_bytes=model_bytes)
    if vision.family == "mllama":
        return mm.enc_dec_profile(vision, max_num_seqs=settings.max_num_seqs, images_per_seq=limits.get("image", 1),
                                  tp=tp, model_bytes=model_bytes, text_hidden=hidden, max_tiles=vision.max_tiles)
    return None


def _terms(est: oh.Overheads, tp: int, link: str) -> tuple[EmpiricalTerm, ...]:
    terms = [EmpiricalTerm("cuda_context", est.cuda_context, est.context_measured,
                           msg("engine.term.measured") if est.context_measured else msg("engine.term.cuda_context"))]
    if est.comm:
        links = {"p2p": "NVLink/P2P", "pcie": "PCIe", "node": "network"}
        terms.append(EmpiricalTerm("comm_buffers", est.comm, est.comm_measured,
                                   msg("engine.term.measured") if est.comm_measured
                                   else msg("engine.term.comm_buffers", tp=tp, link=links.get(link, link))))
    return tuple(terms)


def _apply_measured(est: oh.Overheads, measured: MeasuredOverheads | None, settings: Settings) -> oh.Overheads:
    """A value measured by `calibrate` replaces the estimate of the same term."""
    if measured is None:
        return est
    context = getattr(measured, "context_bytes", None)
    return oh.Overheads(
        activation=measured.activation_bytes if measured.activation_bytes is not None else est.activation,
        non_torch=measured.non_torch_bytes if measured.non_torch_bytes is not None else est.non_torch,
        cuda_graph=(0 if settings.enforce_eager else measured.cuda_graph_bytes)
        if measured.cuda_graph_bytes is not None else est.cuda_graph,
        # Measured before the snapshot, so it already holds what the release puts there besides the
        # CUDA context (the communication buffers from 0.11); the context share is what remains.
        context=context if context is not None else est.context,
        comm=est.comm,
        cuda_context=max(0, context - (est.context - est.cuda_context)) if context is not None else est.cuda_context,
        context_measured=context is not None,
        comm_measured=measured.non_torch_bytes is not None and est.non_torch > 0,
    )


def requested_bytes(total: int, util: float, version: VllmVersion) -> int:
    value = total * util
    return math.ceil(value) if version.request_is_ceiled else int(value)


def _rank_memory(
    gpu: GpuFacts, settings: Settings, version: VllmVersion, weights: int, est: oh.Overheads, layout: kvmath.KvLayout
) -> RankMemory:
    total = gpu.total_bytes or 0
    others = checks.others_bytes(gpu)
    requested = requested_bytes(total, settings.gpu_memory_utilization, version)
    graph_in_budget = est.cuda_graph if version.subtracts_cuda_graphs else 0
    era = rp.budget_era(version.engine, version.key)
    if settings.kv_cache_memory_bytes is not None and version.has_kv_cache_memory_bytes:
        avail = settings.kv_cache_memory_bytes
    elif version.sizes_kv_after_warmup(settings.kv_cache_memory_bytes):
        # 0.34+: measured after graph capture; the kept peak is the profile's plus the graph estimate.
        avail = rp.extensible_kv_bytes(
            total=total, requested=requested, others=others, context=est.context, weights=weights,
            non_torch=est.non_torch, graphs=0 if settings.enforce_eager else est.cuda_graph, activation=est.activation)
    elif era == "v1-early":
        # 0.8.x-0.9.0: everything outside torch counts, other processes included (memory model §3).
        avail = int(total * settings.gpu_memory_utilization) - weights - est.activation - est.non_torch \
            - est.context - others
    elif era == "v0-total":
        # V0 up to 0.6.4: non-torch memory since process start (CUDA context included) inside T x u.
        avail = int(total * settings.gpu_memory_utilization) - weights - est.activation - est.non_torch - est.context
    else:
        avail = requested - weights - est.activation - est.non_torch - graph_in_budget
    blocks = avail // layout.block_bytes if layout.block_bytes and avail > 0 else 0
    return RankMemory(
        gpu_index=gpu.index, total=total, others=others, context=est.context, requested=requested,
        weights=weights, activation=est.activation, non_torch=est.non_torch, cuda_graph=est.cuda_graph,
        kv_cache=avail, num_blocks=blocks,
    )


def _memory_failure(
    worst: RankMemory,
    gpus: list[GpuFacts],
    settings: Settings,
    version: VllmVersion,
    layout: kvmath.KvLayout,
    cap: kvmath.KvCapacity,
    max_fit: int,
) -> Failure | None:
    free_at_start = worst.total - worst.others - worst.context
    if worst.weights > free_at_start:
        return Failure("weights_exceed_memory", checks.msg_weights(worst, settings))
    if version.checks_free_memory and free_at_start < worst.requested \
            and not version.sizes_kv_after_warmup(settings.kv_cache_memory_bytes):
        return Failure("free_memory_below_request", checks.msg_free(worst, settings, version, free_at_start))
    budget = kvmath.fit_budget(layout, worst.kv_cache, version)
    if budget <= 0:
        return Failure("no_kv_cache_memory", checks.msg_no_kv(worst, settings))
    if version.engine == "V0":
        if settings.max_model_len > cap.tokens:
            return Failure("max_model_len_exceeds_kv_cache", checks.msg_v0_kv(settings, cap, max_fit))
    elif cap.needed_bytes > budget:
        return Failure("max_model_len_exceeds_kv_cache", checks.msg_kv(settings, cap, worst, max_fit, version))
    # Before 0.20 graphs are captured after the KV cache, in what the request leaves; V0 up to 0.6.4
    # counted the CUDA context inside the request, so it does not shrink that headroom there.
    outside = 0 if rp.budget_era(version.engine, version.key) == "v0-total" else worst.context
    if not version.subtracts_cuda_graphs and worst.cuda_graph > worst.total - worst.others - outside - worst.requested:
        return Failure("other", checks.msg_graph_oom(worst, settings))
    if mamba_blocks_short(layout, worst.num_blocks, settings, version):
        return Failure("other", checks.msg_mamba_blocks(settings, worst.num_blocks))
    return None


def mamba_blocks_short(layout: kvmath.KvLayout, num_blocks: int, settings: Settings, version: VllmVersion) -> bool:
    """Hybrid models need one recurrent-state block per decoding sequence for graph capture (0.11+)."""
    has_mamba = any(g.kind == "mamba" for g in layout.groups)
    return has_mamba and version.has(rules.MAMBA_GRAPH_BLOCKS) and not settings.enforce_eager and num_blocks < settings.max_num_seqs
