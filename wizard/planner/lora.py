"""GPU memory vLLM preallocates for LoRA (`--enable-lora`), per rank, inside "Model loading took".

`lora/models.py: LoRAModelManager._create_lora_modules` wraps every supported module and calls its
`create_lora_weights(max_loras, lora_config)` (`lora/layers.py`, 0.4-0.9; `lora/layers/*.py` from
0.10), which allocates zeroed slabs for `max_loras` adapters at `max_lora_rank`, in the LoRA dtype
(`--lora-dtype auto` = the model dtype):
- column-parallel layers (qkv_proj per q/k/v slice, gate_up_proj per slice): A = rank x input
  (whole input on every rank), B = output-shard x rank;
- row-parallel layers (o_proj, down_proj): A = rank x input-shard, B = output x rank (whole output);
- embed_tokens (VocabParallelEmbeddingWithLoRA) and the logits (LogitsProcessorWithLoRA), for model
  classes that list them in `embedding_modules` (LlamaForCausalLM and its relatives, not Qwen2):
  A = (vocab + extra) x rank and B = hidden x rank for the embedding; A = rank x hidden and
  B = round_up(vocab, 256) x rank for the logits; with `--lora-extra-vocab-size` (0.4-0.11, default
  256) an extra-vocabulary slab of extra x hidden each, and the base embedding grows by
  extra x max_loras rows (models/llama.py LlamaModel: `lora_vocab`).
`fully_sharded_loras` (off by default) is not modelled. Adapters cached for `max_cpu_loras` live in
host memory. MoE experts carry no LoRA slabs before fused-MoE LoRA (not modelled).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wizard.errors import InputError
from wizard.i18n import msg
from wizard.model.facts import ModelFacts

# Model classes whose `embedding_modules` name embed_tokens and lm_head (read in 0.6.3, 0.8.5
# models/llama.py; models/qwen2.py declares none).
_EMBEDDING_LORA_ARCHS = ("LlamaForCausalLM", "MistralForCausalLM")
EXTRA_VOCAB = 256  # EngineArgs.lora_extra_vocab_size default
VOCAB_PADDING = 256  # LoRAConfig.lora_vocab_padding_size


@dataclass(frozen=True)
class LoraSlabs:
    """Bytes per rank: in every decoder layer, on the first stage, on the last stage."""

    per_layer: int
    first_stage: int
    last_stage: int


def lora_slabs(model: ModelFacts, *, tp: int, max_loras: int, max_rank: int, dtype_bytes: int,
               extra_vocab: bool) -> LoraSlabs:
    arch = model.arch
    h, r = arch.hidden_size, max_rank
    q_out = arch.num_attention_heads * arch.head_dim // tp
    kv_out = max(1, arch.num_kv_heads // tp) * arch.head_dim
    attn = r * (3 * h + q_out + 2 * kv_out) + r * (q_out + h)  # qkv_proj (3 slices) + o_proj
    inter = arch.intermediate_size if arch.moe is None else 0
    mlp = r * (2 * h + 2 * (inter // tp)) + r * (inter // tp + h) if inter else 0  # gate_up (2) + down
    per_layer = max_loras * (attn + mlp) * dtype_bytes

    first = last = 0
    if any(a in _EMBEDDING_LORA_ARCHS for a in model.architectures):
        extra = EXTRA_VOCAB if extra_vocab else 0
        vocab = arch.vocab_size
        first = max_loras * ((vocab + extra) * r + h * r) * dtype_bytes
        last = max_loras * (r * h + math.ceil(vocab / VOCAB_PADDING) * VOCAB_PADDING * r) * dtype_bytes
        if extra:
            first += max_loras * extra * h * dtype_bytes  # embeddings_tensors
            last += max_loras * extra * h * dtype_bytes  # logits embeddings_tensors (filled with -inf)
            first += math.ceil(extra * max_loras / tp) * h * dtype_bytes  # LlamaModel's lora_vocab rows
            padded = math.ceil((vocab + extra) / VOCAB_PADDING) * VOCAB_PADDING
            last += max(0, padded - math.ceil(vocab / 64) * 64) * h * dtype_bytes // tp
    return LoraSlabs(per_layer, first, last)


def host_cache_bytes(model: ModelFacts, *, max_cpu_loras: int, max_rank: int, dtype_bytes: int) -> int:
    """Host memory for `max_cpu_loras` adapters at full rank (`lora/models.py` LRUCacheLoRAModelManager
    keeps loaded adapters' tensors on the CPU)."""
    slabs = lora_slabs(model, tp=1, max_loras=max_cpu_loras, max_rank=max_rank, dtype_bytes=dtype_bytes,
                       extra_vocab=False)
    return slabs.per_layer * model.arch.num_layers + slabs.first_stage + slabs.last_stage


# --- serving adapters: the pins they need -----------------------------------------------------------

# --max-lora-rank values every release from 0.4 accepts (LoRAConfig possible_max_ranks), then the
# larger ones 0.11.1 added; 1 is left out: a rank-1 adapter fits rank 8 on every release.
ADAPTER_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)
DEFAULT_RANK = 16  # EngineArgs.max_lora_rank: what a hub adapter whose rank is not read gets


def adapter_pins(ranks: Sequence[int | None], pinned: Mapping[str, Any]) -> dict[str, Any]:
    """The settings that serve adapters of these ranks (None: not read), for the ones the user has
    not pinned: --enable-lora, --max-loras (every adapter usable in one batch) and the smallest
    --max-lora-rank that holds the largest rank. InputError where a pin makes serving them fail."""
    if not ranks:
        return {}
    if pinned.get("enable_lora") is False:
        raise InputError(msg("appctl.lora.disabled", count=len(ranks)))
    known = [r for r in ranks if r is not None]
    largest = max(known, default=0)
    if largest > ADAPTER_RANKS[-1]:
        raise InputError(msg("appctl.lora.rank_too_large", rank=largest, most=ADAPTER_RANKS[-1]))
    rank = next(r for r in ADAPTER_RANKS if r >= largest)
    if len(known) < len(ranks):
        rank = max(rank, DEFAULT_RANK)
    pinned_rank = pinned.get("max_lora_rank")
    if pinned_rank is not None and pinned_rank < largest:
        raise InputError(msg("appctl.lora.rank_pinned_below", pinned=pinned_rank, rank=largest))
    wanted = {"enable_lora": True, "max_loras": len(ranks), "max_lora_rank": rank}
    return {k: v for k, v in wanted.items() if k not in pinned}
