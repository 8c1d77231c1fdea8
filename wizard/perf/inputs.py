"""Everything one performance evaluation needs, resolved once per candidate setting.

`build_inputs` turns plan facts (model, GPUs, links, settings, release) into plain numbers: the
busiest rank's bytes and FLOPs, effective rates of its GPU, links and host link, the kernels the
release picks and the execution mode. Evaluating decode or prefill speed from them (wizard.perf.step)
is then arithmetic, cheap enough for a chooser to call for every candidate on every keystroke.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.hardware.facts import GpuFacts, HardwareFacts
from wizard.model.facts import ModelFacts
from wizard.perf import constants as k
from wizard.perf.gpu import GpuRates, LinkRates, gpu_rates, group_link
from wizard.perf.shape import RankShape, build_shape, quantized_roles
from wizard.planner import checks
from wizard.planner.settings import Settings
from wizard.releases import kernels as rk

GIB = 1 << 30
Note = tuple[str, dict]


# Not frozen: frozen dataclasses set every field through object.__setattr__, which costs more
# than the arithmetic in a chooser's inner loop. Treat instances as read-only.
@dataclass(slots=True)
class PerfInputs:
    shape: RankShape
    gpu: GpuRates  # the slowest GPU of the ones used
    tp: int
    pp: int
    bandwidth: float | None  # effective bytes/s (BANDWIDTH_EFFICIENCY applied)
    dense_peak: float | None  # effective FLOP/s of 16-bit (or fp32) GEMMs in the model dtype
    quant_peak: float | None  # effective FLOP/s of the quantized kernel below its rebuild threshold
    expert_peak: float | None
    attn_peak: float | None
    fp32_floor: float | None  # CUDA-core fp32 rate: a lower bound when a tensor rate is unknown
    dense_kernel: rk.LinearKernel
    expert_kernel: rk.LinearKernel
    tp_link: LinkRates | None
    tp_bw: float | None  # effective bytes/s per direction
    pp_bw: float | None
    pp_latency: float
    act_bytes: int
    offload_bytes: float
    offload_expert_frac: float
    offload_mode: rk.OffloadMode
    host_bw: float | None  # effective bytes/s to host memory
    engine: str
    async_scheduling: bool
    enforce_eager: bool
    graphs: rk.GraphRule
    step_cpu: float  # engine CPU seconds per step, and per running sequence
    seq_cpu: float
    max_num_seqs: int
    max_batched_tokens: int
    chunked_prefill: bool
    version: rk.ReleaseLike
    missing: tuple[str, ...]  # "bandwidth", "compute", "host_link", "interconnect"
    notes: tuple[Note, ...]


def _quant_spec(model: ModelFacts, settings: Settings) -> rk.QuantSpec:
    q = model.quantization
    if q is None:
        online = settings.quantization if settings.quantization in {"fp8", "bitsandbytes"} else None
        return rk.QuantSpec(online, settings.quantization, bits=8 if online == "fp8" else 4 if online else None)
    act_bits, act_float = None, False
    groups = q.raw.get("config_groups") if q.method == "compressed-tensors" else None
    for group in (groups or {}).values():
        acts = group.get("input_activations") if isinstance(group, dict) else None
        if isinstance(acts, dict) and isinstance(acts.get("num_bits"), int):
            act_bits, act_float = acts["num_bits"], acts.get("type") == "float"
            break
    return rk.QuantSpec(q.method, settings.quantization, q.bits, q.group_size, q.symmetric, q.desc_act,
                        act_bits, act_float)


def _peak(rates: GpuRates, dtype: str) -> float | None:
    if rates.spec is None:
        return None
    tflops = rates.spec.dense_tflops
    value = tflops.get(dtype)  # type: ignore[arg-type]
    if value is None and dtype == "bf16" and tflops.fp16 is not None:
        # Volta / Turing have fp16 tensor cores but none for bf16: bf16 GEMMs (bitsandbytes casts
        # activations to bf16) run on the CUDA cores at the fp32 rate
        value = tflops.fp32
    return value * 1e12 * k.COMPUTE_EFFICIENCY if value else None


def _kernel_peak(rates: GpuRates, kernel: rk.LinearKernel, model_dtype: str) -> float | None:
    dtype = model_dtype if kernel.compute == "16" else kernel.compute
    if dtype in {"fp16", "bf16"} and model_dtype == "fp32":
        dtype = "fp32"
    peak = _peak(rates, dtype)
    if peak is not None and kernel.family in {"weight_only", "reconstruct"}:
        peak *= k.WEIGHT_ONLY_COMPUTE_EFFICIENCY
    return peak


def build_inputs(model: ModelFacts, hardware: HardwareFacts, gpus: list[GpuFacts], settings: Settings,
                 version: rk.ReleaseLike, *, async_scheduling: bool | None = None,
                 offload_experts_only: bool = False, nodes: int = 1) -> PerfInputs:
    """`gpus` are the ones the plan uses, in rank order (TP groups first, then PP stages);
    `hardware` describes one node, and with `nodes` > 1 the ranks continue on the next nodes."""
    tp, pp = settings.tensor_parallel_size, settings.pipeline_parallel_size
    cc = gpus[0].cc_tuple if gpus else None
    dtype_name = checks.resolve_dtype(settings.dtype, model, cc)
    model_bytes = 4 if dtype_name == "float32" else 2
    model_dtype = {"float32": "fp32", "float16": "fp16"}.get(dtype_name, "bf16")
    kv_dtype = checks.resolve_kv_dtype(settings.kv_cache_dtype, model, version)  # type: ignore[arg-type]
    online = settings.quantization if model.quantization is None else None
    roles = quantized_roles(model, online)
    shape = build_shape(model, tp=tp, pp=pp, model_bytes=model_bytes, kv_dtype=kv_dtype,
                        online_quant=online, quantized_roles=roles)
    notes: list[Note] = []
    missing: list[str] = []

    spec = _quant_spec(model, settings)
    kernel = rk.linear_kernel(spec, version, cc)
    dense16 = rk.linear_kernel(rk.QuantSpec(None, None), version, cc)
    assert dense16 is not None
    if kernel is None:
        missing.append("kernel")
        kernel = dense16
    dense_kernel = kernel if roles - {"experts"} else dense16
    expert_kernel = kernel if "experts" in roles else dense16
    if dense_kernel.family == "reconstruct" and "experts" in roles:
        # fused MoE kernels never rebuild 16-bit expert weights
        expert_kernel = rk.LinearKernel(kernel.name, "weight_only", kernel.compute, None, kernel.source)

    used = gpus[: tp * pp] or gpus[:1]
    rates = [gpu_rates(g) for g in used]
    slow = min(rates, key=lambda r: r.bandwidth or 0.0)
    bandwidth = slow.bandwidth * k.BANDWIDTH_EFFICIENCY if slow.bandwidth else None
    if bandwidth is None:
        missing.append("bandwidth")
    dense_peak = _kernel_peak(slow, dense16, model_dtype)
    quant_peak = _kernel_peak(slow, kernel, model_dtype)
    expert_peak = _kernel_peak(slow, expert_kernel, model_dtype)
    attn_peak = _peak(slow, model_dtype)
    if None in (dense_peak, quant_peak, expert_peak, attn_peak):
        missing.append("compute")
    fp32 = _peak(slow, "fp32")

    if nodes > 1 and len(used) > len(hardware.gpus):
        # ranks on other nodes talk over the network (RDMA or Ethernet), whose bandwidth nothing states
        missing.append("interconnect")
        notes.append(("multinode", {"nodes": nodes}))
    tp_link = group_link(hardware, [g.index for g in used[:tp]], rates[:tp],
                         disable_custom_all_reduce=settings.disable_custom_all_reduce)
    tp_bw = tp_link.bytes_s * k.LINK_EFFICIENCY if tp_link and tp_link.bytes_s else None
    if tp_link is not None and tp_bw is None:
        missing.append("interconnect")
    pp_bw, pp_latency = None, k.PP_SEND_LATENCY_S
    if pp > 1:
        link = group_link(hardware, [used[0].index, used[min(tp, len(used) - 1)].index], [rates[0], rates[-1]])
        pp_bw = link.bytes_s * k.LINK_EFFICIENCY if link and link.bytes_s else None
        if pp_bw is None:
            missing.append("interconnect")

    offload = min(settings.cpu_offload_gb * GIB, shape.offloadable_bytes) if settings.cpu_offload_gb else 0.0
    if offload_experts_only:
        offload = min(offload, shape.expert_bytes)
        expert_frac = 1.0 if offload else 0.0
    else:
        expert_frac = shape.expert_bytes / shape.offloadable_bytes if shape.offloadable_bytes else 0.0
    host_bw = slow.host * k.LINK_EFFICIENCY if slow.host else None
    if offload and host_bw is None:
        missing.append("host_link")

    async_sched = rk.async_scheduling_default(version, pp) if async_scheduling is None else async_scheduling
    return PerfInputs(
        shape=shape, gpu=slow, tp=tp, pp=pp, bandwidth=bandwidth, dense_peak=dense_peak, quant_peak=quant_peak,
        expert_peak=expert_peak, attn_peak=attn_peak, fp32_floor=fp32, dense_kernel=dense_kernel,
        expert_kernel=expert_kernel, tp_link=tp_link, tp_bw=tp_bw, pp_bw=pp_bw, pp_latency=pp_latency,
        act_bytes=model_bytes, offload_bytes=offload, offload_expert_frac=expert_frac,
        offload_mode=rk.offload_mode(version), host_bw=host_bw, engine=version.engine,
        async_scheduling=async_sched, enforce_eager=settings.enforce_eager,
        graphs=rk.graph_rule(version, enforce_eager=settings.enforce_eager, max_num_seqs=settings.max_num_seqs),
        step_cpu=k.STEP_CPU_S.get(version.engine, k.STEP_CPU_S["V1"]),
        seq_cpu=k.SEQ_CPU_S.get(version.engine, k.SEQ_CPU_S["V1"]), max_num_seqs=settings.max_num_seqs,
        max_batched_tokens=settings.max_num_batched_tokens, chunked_prefill=settings.enable_chunked_prefill,
        version=version, missing=tuple(missing), notes=tuple(notes),
    )
