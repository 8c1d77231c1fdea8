"""Release rules for the planner's inputs: bitsandbytes loading, MLA weight and KV handling, LoRA.

Each rule names the releases it holds for and the vLLM file/function it was read from (released
wheels, `pip download vllm==X --no-deps --only-binary :all:`). Flag presence and flag value types
come from the release table (wizard.releases.facts) instead; these are the rules that live in code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.planner.versions import VllmVersion
from wizard.releases import rules

if TYPE_CHECKING:
    from wizard.planner.settings import Settings


def bnb_needs_load_format(version: VllmVersion) -> bool:
    """`--quantization bitsandbytes` must come with `--load-format bitsandbytes` (and the reverse).

    0.5.0-0.8.1 `engine/arg_utils.py: EngineArgs.create_engine_config` raise "BitsAndBytes
    quantization and QLoRA adapter only support 'bitsandbytes' load format" (read in 0.5.5, 0.6.3,
    0.7.2, 0.7.3, 0.8.0, 0.8.1); 0.8.2 `create_load_config` sets the load format itself.
    """
    return version.has(rules.BNB_NEEDS_LOAD_FORMAT)


def bnb_prequantized_needs_flags(version: VllmVersion) -> bool:
    """A pre-quantized bitsandbytes checkpoint needs `--quantization bitsandbytes` on the command line.

    Up to 0.8.3 the engine args keep quantization=None for it, so the default loader is picked and
    cannot read the packed weights (read in 0.8.2, 0.8.3); 0.8.4 `EngineArgs.create_engine_config` ("bitsandbytes
    pre-quantized model need a specific model loader") sets quantization and load format from the
    model config.
    """
    return version.has(rules.BNB_PREQUANT_NEEDS_FLAGS)


def mla_in_use(version: VllmVersion, quant_method: str | None) -> bool:
    """vLLM runs DeepSeek-style attention as MLA (one 576-wide latent per token) rather than MHA.

    Before 0.7.1 the DeepSeek-V2 model runs plain MHA (`models/deepseek_v2.py` DeepseekV2Attention).
    0.7.1-0.7.2 `config.py: ModelConfig.use_mla` disables MLA for quantization other than fp8 /
    compressed-tensors fp8 ("MLA is not supported with %s quantization. Disabling MLA."; read in
    0.7.2); 0.7.3 dropped that condition (read in 0.7.3, 0.8.0).
    """
    if not version.has(rules.MLA_IN_USE):
        return False
    if version.has(rules.MLA_QUANT_LIMITED):
        return quant_method in {None, "fp8", "compressed-tensors"}
    return True


def mha_head_size(version: VllmVersion, qk_head_dim: int) -> int:
    """Head size of DeepSeek-V2's K and V cache when MLA is not used (`config.py:
    ModelConfig.get_head_size`): padded to 256 for FlashAttention before 0.7.1 (read in 0.5.5,
    0.6.3), qk_nope + qk_rope (192) from 0.7.1 (read in 0.7.2)."""
    return 256 if version.has(rules.MHA_HEAD_PADDED) else qk_head_dim


def mla_absorbs_weights(version: VllmVersion) -> bool:
    """0.7.1-0.7.3 `attention/backends/mla/utils.py: MLACommonImpl.process_weights_after_loading`
    materialises W_Q_UK and W_UV_O per layer (VLLM_MLA_PERFORM_MATRIX_ABSORPTION defaults to 1),
    on top of the original q / kv_b / o projections, inside "Loading model weights took"."""
    return version.has(rules.MLA_ABSORBS_WEIGHTS)


def mla_pads_kv_entry(version: VllmVersion) -> bool:
    """0.7.1-0.7.3 `worker/cache_engine.py: CacheEngine.get_cache_block_size` rounds the MLA cache
    entry up to 256 bytes of the model dtype (`utils.align_to_256bytes`,
    VLLM_CUDA_MEM_ALIGN_KV_CACHE=1 by default): 576 bf16 elements -> 640. 0.8.0 dropped the
    alignment (read in 0.8.0 and 0.8.5 cache_engine.py)."""
    return version.has(rules.MLA_PADS_KV_ENTRY)


def lora_extra_vocab(version: VllmVersion) -> bool:
    """`--lora-extra-vocab-size` (default 256) exists up to 0.11.x (release table); with it the LoRA
    embedding and logits wrappers hold extra-vocabulary slabs (`lora/layers.py`)."""
    return version.facts.has_flag("--lora-extra-vocab-size")


def swap_space_used(version: VllmVersion) -> bool:
    """Only the V0 engine allocates CPU swap blocks (`worker/cache_engine.py` `_allocate_kv_cache`
    on "cpu"); V1 never swaps and 0.18 removed `--swap-space` (release table)."""
    return version.engine == "V0"


def mm_items_per_prompt(settings: Settings, version: VllmVersion, modality: str) -> int:
    """Items of one modality a prompt may carry, which the multimodal profile run is sized for.

    The pinned `limit-mm-per-prompt`, else the release's default: 1 up to 0.8.3
    (`multimodal/registry.py` init_mm_limits_per_prompt `.get(key, 1)`, then `config.py`
    MultiModalConfig.get_limit_per_prompt); from 0.8.4 `get_default_limit_per_prompt` gives 999 under
    the V1 engine and 1 under V0 (read in 0.8.4, 0.8.5).
    """
    pinned = dict(settings.mm_limits).get(modality)
    if pinned is not None:
        return pinned
    return 999 if version.has(rules.MM_LIMIT_999) else 1
