"""Predict exactly the settings given: every pin as it is, every other setting at the default the
release itself would use (by engine, GPU class and model). Nothing is chosen or searched.

This is the path `vllm-wizard check` takes for a user's own command, and the one that scores the
planner against real start-up logs (the logged command, predicted as-is). `plan --set` with every
setting pinned gives the same prediction, because the chooser never changes a pin.
"""

from __future__ import annotations

from wizard.i18n import Message, msg
from wizard.model.facts import ModelFacts
from wizard.planner import checks
from wizard.planner.choose import Draft, scheduler_defaults_for, select_gpus
from wizard.planner.inputs import PlanRequest
from wizard.planner.kv import default_block_size
from wizard.planner.predict import Prediction, predict
from wizard.planner.settings import Settings
from wizard.planner.versions import VllmVersion



def release_defaults(model: ModelFacts, request: PlanRequest, version: VllmVersion, pins: dict) -> tuple[dict, dict]:
    """(settings vLLM uses when the flag is left out, one reason each) for this model and these GPUs.

    Defaults that depend on other settings (the batch table on max_model_len and chunked prefill)
    are computed from the pinned values where there are pins.
    """
    gpus = select_gpus(request)
    tp = pins.get("tensor_parallel_size", 1)
    pp = pins.get("pipeline_parallel_size", 1)
    chosen = gpus[: max(1, tp * pp)] or gpus[:1]
    cc = chosen[0].cc_tuple
    release = str(version)  # the release as asked for (resolve_engine below may swap the engine)
    values: dict = {**Settings().model_dump()}
    reasons: dict[str, str] = {}

    def put(name: str, value: object, reason: Message) -> None:
        values[name] = value
        reasons[name] = reason

    put("tensor_parallel_size", 1, msg("planner.exact.tensor_parallel_size", version=release))
    put("pipeline_parallel_size", 1, msg("planner.exact.pipeline_parallel_size", version=release))
    put("decode_context_parallel_size", 1, msg("planner.exact.decode_context_parallel_size", version=release))
    put("gpu_memory_utilization", version.default_gpu_memory_utilization,
        msg("planner.exact.gpu_memory_utilization", version=release))
    derived = checks.derived_max_len(model, version)
    put("max_model_len", derived, msg("planner.exact.max_model_len", version=release, derived=derived))
    put("kv_cache_dtype", "auto", msg("planner.exact.kv_cache_dtype", version=release))
    put("dtype", "auto", msg("planner.exact.dtype", version=release))
    put("quantization", None, msg("planner.exact.quantization", version=release))
    put("cpu_offload_gb", 0.0, msg("planner.exact.cpu_offload_gb", version=release))
    put("enforce_eager", False, msg("planner.exact.enforce_eager", version=release))
    put("block_size", default_block_size(model.arch, cc), msg("planner.exact.block_size", version=release))
    # The engine this setup runs on (0.8-0.10 fall back to V0 for some) and its scheduler defaults:
    # the same release rules the chooser starts from (wizard.releases.engine / .scheduler).
    merged = {**values, **pins}
    probe = Draft(values=merged, reasons={}, pinned=frozenset(pins))
    version, _ = version.resolve_engine(model, chosen, probe.settings())
    sched = scheduler_defaults_for(request, chosen, version, merged, frozenset(pins))
    put("enable_chunked_prefill", sched.chunked_prefill,
        msg("planner.exact.enable_chunked_prefill", version=release, engine=version.engine))
    put("max_num_batched_tokens", sched.max_num_batched_tokens, msg("planner.exact.max_num_batched_tokens", version=release))
    put("max_num_seqs", sched.max_num_seqs, msg("planner.exact.max_num_seqs", version=release))
    put("enable_prefix_caching", None, msg("planner.exact.enable_prefix_caching", version=release))
    put("kv_cache_memory_bytes", None, msg("planner.exact.kv_cache_memory_bytes", version=release))
    put("reasoning_parser", None, msg("planner.exact.reasoning_parser", version=release))
    put("tool_call_parser", None, msg("planner.exact.tool_call_parser", version=release))
    put("enable_auto_tool_choice", False, msg("planner.exact.enable_auto_tool_choice", version=release))
    put("trust_remote_code", False, msg("planner.exact.trust_remote_code", version=release))
    put("disable_custom_all_reduce", False, msg("planner.exact.disable_custom_all_reduce", version=release))
    return values, reasons


def exact_settings(request: PlanRequest) -> tuple[Prediction, Draft]:
    """The prediction for the pins exactly as given, unpinned settings at the release defaults."""
    version = VllmVersion.parse(request.vllm_version).with_startup(
        env=request.vllm_env, nodes=request.nodes, flashinfer=request.flashinfer)
    gpus = select_gpus(request)
    pins = dict(request.pinned)
    values, reasons = release_defaults(request.model, request, version, pins)
    draft = Draft(values={**values, **pins}, reasons={k: v for k, v in reasons.items() if k not in pins},
                  pinned=frozenset(pins))
    draft.vllm_defaults.update({k: values[k] for k in ("max_num_batched_tokens", "max_num_seqs", "block_size",
                                                       "cpu_offload_gb", "kv_cache_memory_bytes")})
    return predict(request.model, gpus, draft.settings(), version, request.measured, draft=request.draft_model), draft
