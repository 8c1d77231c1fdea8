"""What a release runs in its start-up memory profile, who samples in it, and how the KV budget is
derived from what it measured.

The dummy batch (`profile_run`):
* V0, vllm/worker/model_runner.py `GPUModelRunnerBase.profile_run`: max_num_seqs sequences sharing
  max_num_batched_tokens tokens (seq_len = tokens // seqs, the first ones one longer); for
  multimodal models the sequence count is capped at tokens // (most tokens one item can take), at
  least 1. Every sequence samples with top_k = vocab - 1 and top_p < 1, so the sort path runs on
  max_num_seqs rows of logits.
* V1, vllm/v1/worker/gpu_model_runner.py `profile_run` / `_dummy_run` / `_dummy_sampler_run`:
  min(max_num_seqs, max_num_batched_tokens) requests share the tokens; the dummy sampler runs on
  that many rows.

Who samples:
* V0: `execute_model` returns early on every worker that is not the driver (`is_driver_worker`:
  the first TP rank of a stage), and only the last pipeline stage computes logits
  (vllm/worker/model_runner.py ModelRunner.execute_model, get_pp_group().is_last_rank).
* V1: `_dummy_sampler_run` runs only where `get_pp_group().is_last_rank`; logits are gathered to
  every TP rank there.

The sampler's size per (row x vocab entry): the torch-native top-k/top-p path holds at its peak
fp32 logits (4), the sorted values (4) and int64 indices (8), the softmax (4) and its cumsum (4),
and 8 more: V0 (vllm/model_executor/layers/sampler.py `_apply_top_k_top_p`, then `_sample`) the
fp32 log_softmax it always computes and the probabilities; V1
(vllm/v1/sample/ops/topk_topp_sampler.py `forward_native`, then `random_sample`) the logits
scattered back out of sort order and the exponential noise it divides the probabilities by: 36
bytes either way. Which implementation V1 samples with (vllm/v1/sample/ops/topk_topp_sampler.py
`TopKTopPSampler.__init__`, vllm/envs.py VLLM_USE_FLASHINFER_SAMPLER): 0.8.0-0.11.0 FlashInfer
when it is installed (an optional extra of the pip wheels, present in the vLLM docker images) and
the variable is not 0; 0.11.1-0.20.x torch unless the variable is 1 (FlashInfer is a dependency
from 0.11.1 but opt-in); 0.21.0 on FlashInfer unless it is 0. V0 samples with torch unless the
variable is 1. What the FlashInfer path holds is read off the logs rather than the source (it
lives in FlashInfer's kernels and the copies around them): up to 0.20 it keeps the fp32 logits and
probabilities, about 12 bytes per entry (0.10.1 with FlashInfer installed; the Qwen3-0.6B
FlashInfer run); the 0.21+ path (`flashinfer_sample`) peaks like the torch one, about 36 bytes
(0.28.0 on L40S and L4). 0.27.1's Model Runner V2 path (activation = the forward alone) is not
modelled.

The budget formula (memory model §3, release rules §4):
* "v0-delta" (V0 0.4.0-0.6.3, vllm/worker/worker.py `determine_num_available_blocks`, called
  `profile_num_available_blocks` in 0.4.0): T x u - (free at `init_device` - free after the
  profile). `init_device` reads the free memory after the CUDA context exists and before
  `init_distributed_environment`, so the context and other processes stay outside the budget while
  the weights, the profile's peak and the communication buffers count inside it (read in
  0.4.0.post1, 0.4.3, 0.5.1, 0.5.5, 0.6.0, 0.6.3.post1).
* "v0-total" (V0 0.6.4, vllm/worker/worker.py `determine_num_available_blocks`):
  T x u - peak torch - (used - torch) after the profile: the CUDA context and the communication
  buffers count inside T x u.
* "v0-snapshot" (V0 0.6.5-0.10.x, `memory_profiling` against a baseline snapshot) and "v1"
  (0.9.1+): R - weights - activation - non-torch increase; the CUDA context is outside R, the
  communication buffers inside the non-torch increase up to 0.10.x (NCCL init before the
  snapshot from 0.11.0, vllm/v1/worker/gpu_worker.py `init_device`).
* "v1-early" (V1 0.8.0-0.9.0, gpu_worker.py `determine_available_memory`): T x u - peak torch -
  everything outside torch, the CUDA context and other processes included.
* "v1-extensible" (0.34.0+ on CUDA unless --kv-cache-memory-bytes is set; rules.EXTENSIBLE_KV_CACHE):
  the cache is reserved as address space and committed after warm-up and graph capture
  (vllm/v1/worker/extensible_kv_cache.py `measure_kv_cache_bytes`). With F the free memory at the
  start-up snapshot (total - other processes - CUDA context), N what the engine then holds besides
  the KV cache (weights, non-torch, the captured graphs) and P the kept transient peak
  (gpu_worker.py `peak_activation_memory`: the profile's activation peak plus the CUDA-graph
  estimate, or warm-up's own peak if larger):
  KV = min(T x u - N, F - N - max(1 GiB, 0.75 x P)) - P. The default u is 1.0, so on an idle GPU
  the first term never binds; vLLM's "Free memory on device ... less than" check is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from wizard.releases import rules

Key = tuple[int, int, int]
# "v1-extensible" is not an era of its own: it depends on the settings (VllmVersion.sizes_kv_after_warmup).
BudgetEra = Literal["v0-delta", "v0-total", "v0-snapshot", "v1-early", "v1"]
SamplerImpl = Literal["torch", "flashinfer"]
V0_TORCH_SAMPLER_BYTES = 36
V1_TORCH_SAMPLER_BYTES = 36
# V0 0.4.0-0.6.2 (model_executor/layers/sampler.py `_apply_top_k_top_p`) undoes the sort through an
# int64 inverse permutation (`logits_idx_inv`, scatter of an arange) and a gather, instead of 0.6.3's
# scatter of the sorted values: one more int64 per entry alive at the function's peak.
V0_INVERSE_INDEX_EXTRA_BYTES = 8
V0_INVERSE_INDEX_UNTIL: Key = (0, 6, 3)
FLASHINFER_SAMPLER_BYTES = 12  # up to 0.20: fp32 logits + probabilities (see the module docstring)
FLASHINFER_SAMPLE_BYTES_021 = 36  # 0.21+ flashinfer_sample: peaks like the torch path
# 0.34 vllm/v1/worker/extensible_kv_cache.py KV_CACHE_MARGIN_FLOOR_BYTES (CUDA; 3 GiB on ROCm) and
# KV_CACHE_MARGIN_FRACTION: the margin kept free beside the transient peak.
EXTENSIBLE_MARGIN_FLOOR_BYTES = 1 << 30
EXTENSIBLE_MARGIN_FRACTION = 0.75
V0_PROFILE = "vllm/worker/model_runner.py GPUModelRunnerBase.profile_run"
V1_PROFILE = "vllm/v1/worker/gpu_model_runner.py GPUModelRunner.profile_run/_dummy_sampler_run"


@dataclass(frozen=True, slots=True)
class ProfileBatch:
    tokens: int  # tokens in the dummy forward
    sequences: int  # dummy sequences / requests sharing them
    sampler_rows: int  # rows of logits the dummy sampler works on
    sampler_impl: SamplerImpl
    source: str
    engine: str = "V1"

    new_flashinfer_path: bool = False  # 0.21+
    inverse_index_sort: bool = False  # V0 0.4.0-0.6.2


    @property
    def sampler_bytes_per_entry(self) -> int:
        if self.sampler_impl == "flashinfer":
            return FLASHINFER_SAMPLE_BYTES_021 if self.new_flashinfer_path else FLASHINFER_SAMPLER_BYTES
        if self.engine == "V0":
            return V0_TORCH_SAMPLER_BYTES + (V0_INVERSE_INDEX_EXTRA_BYTES if self.inverse_index_sort else 0)
        return V1_TORCH_SAMPLER_BYTES


def sampler_impl(engine: str, key: Key, *, flashinfer_installed: bool = False,
                 use_flashinfer_env: bool | None = None) -> SamplerImpl:
    """The top-k/top-p implementation the dummy sampler runs (see the module docstring)."""
    if engine == "V0":
        return "flashinfer" if use_flashinfer_env and flashinfer_installed else "torch"
    if key < (0, 11, 1):
        return "flashinfer" if flashinfer_installed and use_flashinfer_env is not False else "torch"
    if key < (0, 21, 0):
        return "flashinfer" if use_flashinfer_env else "torch"
    return "torch" if use_flashinfer_env is False else "flashinfer"


def profile_batch(engine: str, *, max_num_seqs: int, max_num_batched_tokens: int,
                  mm_tokens_per_item: int | None = None, impl: SamplerImpl = "torch",
                  key: Key = (0, 0, 0)) -> ProfileBatch:
    tokens = max_num_batched_tokens
    if engine == "V0":
        seqs = max_num_seqs
        if mm_tokens_per_item:
            seqs = max(1, min(seqs, tokens // mm_tokens_per_item))
        return ProfileBatch(tokens, seqs, seqs, impl, V0_PROFILE, "V0",
                            inverse_index_sort=rules.OLDEST_SUPPORTED <= key < V0_INVERSE_INDEX_UNTIL)
    reqs = max(1, min(max_num_seqs, tokens))
    return ProfileBatch(tokens, reqs, reqs, impl, V1_PROFILE, "V1", key >= (0, 21, 0))


def samples_on(engine: str, *, tp_rank: int, pp_stage: int, pp_size: int) -> bool:
    """Whether this rank runs the dummy sampler (and holds full-vocab logits) in the profile."""
    if pp_stage != pp_size - 1:
        return False
    return tp_rank == 0 if engine == "V0" else True


def budget_era(engine: str, key: Key) -> BudgetEra:
    if engine == "V0":
        if key < (0, 6, 4):
            return "v0-delta"
        return "v0-total" if key < (0, 6, 5) else "v0-snapshot"
    return "v1-early" if key < (0, 9, 1) else "v1"


def extensible_kv_bytes(*, total: int, requested: int, others: int, context: int, weights: int, non_torch: int,
                        graphs: int, activation: int) -> int:
    """The KV bytes the extensible cache commits (the "v1-extensible" formula in the module docstring),
    from one rank's terms: what the engine holds besides the cache after capture (weights, non-torch,
    graphs) and the transient peak it keeps free (the profile's activation peak plus the graph estimate)."""
    free_at_snapshot = total - others - context
    resident = weights + non_torch + graphs
    kept_peak = activation + graphs
    margin = max(EXTENSIBLE_MARGIN_FLOOR_BYTES, int(kept_peak * EXTENSIBLE_MARGIN_FRACTION))
    return max(0, min(requested - resident, free_at_snapshot - resident - margin) - kept_peak)


def comm_inside_budget(engine: str, key: Key) -> bool:
    """Whether NCCL / custom all-reduce buffers are measured inside the KV budget's deductions."""
    return engine == "V0" or key < (0, 11, 0)
