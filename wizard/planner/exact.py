"""Predict exactly the settings given: every pin as it is, every other setting at the default the
release itself would use (by engine, GPU class and model). Nothing is chosen or searched.

This is the path `vllm-wizard check` takes for a user's own command, and the one that scores the
planner against real start-up logs (the logged command, predicted as-is). `plan --set` with every
setting pinned gives the same prediction, because the chooser never changes a pin.
"""

from __future__ import annotations

from wizard.i18n import msg
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
    values: dict = {**Settings().model_dump()}
    reasons: dict[str, str] = {}

    def put(name: str, value: object, key: str, **params: object) -> None:
        values[name] = value
        reasons[name] = msg(f"review.default.{key}", version=str(version), **params)

    put("tensor_parallel_size", 1, "tensor_parallel_size")
    put("pipeline_parallel_size", 1, "pipeline_parallel_size")
    put("decode_context_parallel_size", 1, "plain")
    put("gpu_memory_utilization", version.default_gpu_memory_utilization, "plain")
    derived = checks.derived_max_len(model, version)
    put("max_model_len", derived, "max_model_len", tokens=derived)
    put("kv_cache_dtype", "auto", "kv_cache_dtype")
    put("dtype", "auto", "dtype")
    put("quantization", None, "quantization")
    put("cpu_offload_gb", 0.0, "cpu_offload_gb")
    put("enforce_eager", False, "enforce_eager")
    put("block_size", default_block_size(model.arch, cc), "block_size")
    # The engine this setup runs on (0.8-0.10 fall back to V0 for some) and its scheduler defaults:
    # the same release rules the chooser starts from (wizard.releases.engine / .scheduler).
    merged = {**values, **pins}
    probe = Draft(values=merged, reasons={}, pinned=frozenset(pins))
    version, _ = version.resolve_engine(model, chosen, probe.settings())
    sched = scheduler_defaults_for(request, chosen, version, merged, frozenset(pins))
    put("enable_chunked_prefill", sched.chunked_prefill,
        "chunked_prefill_v0" if version.engine == "V0" else "chunked_prefill_v1")
    put("max_num_batched_tokens", sched.max_num_batched_tokens, "gpu_class")
    put("max_num_seqs", sched.max_num_seqs, "gpu_class")
    put("enable_prefix_caching", None, "model_type")
    put("kv_cache_memory_bytes", None, "kv_cache_memory_bytes")
    put("reasoning_parser", None, "reasoning_parser")
    put("tool_call_parser", None, "tool_call_parser")
    put("enable_auto_tool_choice", False, "enable_auto_tool_choice")
    put("trust_remote_code", False, "trust_remote_code")
    put("disable_custom_all_reduce", False, "disable_custom_all_reduce")
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
