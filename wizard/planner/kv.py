"""KV cache geometry and the token/concurrency arithmetic vLLM logs (memory model §5-§7).

Page sizes per layer type, hybrid block-size alignment, KV-cache groups, blocks per request, and
the "GPU KV cache size" / "Maximum concurrency" formulas of each release.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from wizard.model.facts import ArchitectureFacts
from wizard.planner import input_rules as rules
from wizard.planner.versions import VllmVersion
from wizard.releases.rules import KV_TOKENS_PER_GROUP, KV_TOKENS_TIMES_DCP

KV_DTYPE_BYTES = {
    "auto": None, "float16": 2, "bfloat16": 2, "fp8": 1, "fp8_e4m3": 1, "fp8_e5m2": 1, "fp8_inc": 1,
}
# Per (token, kv head): bytes for K+V given head size hs, for the quantized per-head formats (0.20+).
_PER_HEAD_FORMATS = {
    "int8_per_token_head": lambda hs: 2 * hs + 8,
    "fp8_per_token_head": lambda hs: 2 * hs + 8,
    "int4_per_token_head": lambda hs: hs + 8,
    "nvfp4": lambda hs: 2 * (hs // 2 + hs // 16),
}


def kv_dtype_supported(kv_dtype: str) -> bool:
    return kv_dtype in KV_DTYPE_BYTES or kv_dtype in _PER_HEAD_FORMATS


@dataclass(frozen=True)
class KvGroup:
    kind: str  # "full", "sliding", "mamba"
    layers: int  # real layers in the group (padding layers excluded)


@dataclass(frozen=True)
class KvLayout:
    block_size: int
    page_bytes: int  # bytes of one block of one layer (equal across groups)
    group_size: int  # layers per group; Bb = group_size × page
    groups: tuple[KvGroup, ...]
    sliding_window: int | None
    dcp: int = 1

    @property
    def block_bytes(self) -> int:
        return self.group_size * self.page_bytes

    @property
    def bytes_per_token(self) -> float:
        return self.block_bytes / self.block_size


def _attn_page_per_token(arch: ArchitectureFacts, tp: int, kv_dtype: str, model_bytes: int,
                         version: VllmVersion | None = None, quant_method: str | None = None) -> int:
    if arch.mla and version is not None and not rules.mla_in_use(version, quant_method):
        # MLA off: MHA with every attention head's K and V (DeepSeek configs set KV heads = heads).
        head = rules.mha_head_size(version, (arch.mla.qk_nope_head_dim or 128) + arch.mla.qk_rope_head_dim)
        heads = max(1, arch.num_attention_heads // tp)
        return heads * 2 * head * (KV_DTYPE_BYTES.get(kv_dtype) or model_bytes)
    if arch.mla:
        width = arch.mla.kv_lora_rank + arch.mla.qk_rope_head_dim  # one latent, no separate V
        if version is not None and rules.mla_pads_kv_entry(version):
            # align_to_256bytes counts in the model dtype, whatever the cache dtype: 576 -> 640.
            per = 256 // model_bytes
            width = -(-width // per) * per
        return width * (KV_DTYPE_BYTES.get(kv_dtype) or model_bytes)
    heads = max(1, arch.num_kv_heads // tp)
    if kv_dtype in _PER_HEAD_FORMATS:
        return heads * _PER_HEAD_FORMATS[kv_dtype](arch.head_dim)
    return heads * 2 * arch.head_dim * (KV_DTYPE_BYTES.get(kv_dtype) or model_bytes)


def attention_bytes_per_token(arch: ArchitectureFacts, tp: int, kv_dtype: str, model_bytes: int,
                              version: VllmVersion, layers: int | None = None) -> int:
    """KV bytes one token takes in `layers` attention layers (default: all of them), before blocks."""
    count = arch.full_attention_layers + arch.sliding_window_layers if layers is None else layers
    return count * _attn_page_per_token(arch, tp, kv_dtype, model_bytes, version)


def mamba_state_bytes(arch: ArchitectureFacts, tp: int, model_bytes: int) -> int:
    """One request's recurrent state in one layer: conv state + temporal/SSM state."""
    la = arch.linear_attention
    if la is None:
        return 0
    if la.kind == "gdn":
        nk, dk = la.num_key_heads or 0, la.key_head_dim or 0
        nv, dv = la.num_value_heads or 0, la.value_head_dim or 0
        conv = (2 * nk * dk + nv * dv) // tp * (la.conv_kernel - 1)
        ssm = (nv // tp) * dv * dk
    else:
        inner = la.intermediate_size or (la.num_heads or 0) * (la.head_dim or 0)
        conv = (inner + 2 * (la.n_groups or 1) * (la.state_size or 0)) // tp * (la.conv_kernel - 1)
        ssm = ((la.num_heads or 0) // tp) * (la.head_dim or 0) * (la.state_size or 0)
    return (conv + ssm) * model_bytes


def default_block_size(arch: ArchitectureFacts, cc: tuple[int, int] | None) -> int:
    """Backends raise the block size for MLA: FlashMLA 64 on Hopper, CUTLASS MLA 128 on Blackwell."""
    if arch.mla and cc:
        if cc[0] == 9:
            return 64
        if cc[0] == 10:
            return 128
    return 16


def build_layout(
    arch: ArchitectureFacts,
    *,
    version: VllmVersion,
    tp: int,
    layers_share: float,
    kv_dtype: str,
    model_bytes: int,
    block_size: int,
    dcp: int = 1,
    quant_method: str | None = None,
    extra_layers: int = 0,
) -> KvLayout:
    """The KV layout of one rank holding `layers_share` of the model's layers.

    `quant_method` decides whether 0.7.1-0.7.2 run DeepSeek attention as MLA; `extra_layers` are
    full-attention layers beyond the model's own (a multi-token-prediction drafter's, on the last
    stage)."""
    full = round(arch.full_attention_layers * layers_share) + extra_layers
    sliding = round(arch.sliding_window_layers * layers_share)
    mamba = round(arch.linear_attention.num_layers * layers_share) if arch.linear_attention else 0
    if not version.hybrid_kv_manager:
        full, sliding = full + sliding, 0  # 0.8.x / V0 price sliding-window layers as full attention
    per_token = _attn_page_per_token(arch, tp, kv_dtype, model_bytes, version, quant_method)
    if mamba:
        state = mamba_state_bytes(arch, tp, model_bytes)
        align = 16
        block_size = align * math.ceil(state / (align * per_token))
    page = block_size * per_token

    buckets = [(kind, n) for kind, n in (("full", full), ("sliding", sliding), ("mamba", mamba)) if n > 0]
    if not buckets:
        return KvLayout(block_size, page, 0, (), arch.sliding_window, dcp)
    sizes = [n for _, n in buckets]
    if len(buckets) == 1:
        group_size = sizes[0]
    else:
        group_size = min(sizes) if max(sizes) >= 1.5 * min(sizes) else max(sizes)
    groups: list[KvGroup] = []
    for kind, n in buckets:
        for start in range(0, n, group_size):
            groups.append(KvGroup(kind, min(group_size, n - start)))
    return KvLayout(block_size, page, group_size, tuple(groups), arch.sliding_window, dcp)


def blocks_per_request(layout: KvLayout, max_len: int, *, batch_tokens: int, version: VllmVersion) -> int:
    """Blocks one max_model_len request needs across all groups (P)."""
    bs = layout.block_size
    total = 0
    for group in layout.groups:
        if group.kind == "full":
            total += math.ceil(math.ceil(max_len / layout.dcp) / bs)
        elif group.kind == "sliding":
            window = layout.sliding_window or max_len
            in_flight = batch_tokens * (2 if version.in_flight_reserve else 1)
            total += math.ceil(min(window - 1 + in_flight, max_len) / bs) + 1
        else:
            total += 1
    return total


@dataclass(frozen=True)
class KvCapacity:
    num_blocks: int
    tokens: int
    concurrency: float
    needed_bytes: int  # for one max_model_len request


def capacity(layout: KvLayout, avail_bytes: int, max_len: int, *, batch_tokens: int, version: VllmVersion) -> KvCapacity:
    per_request = blocks_per_request(layout, max_len, batch_tokens=batch_tokens, version=version)
    needed = per_request * layout.block_bytes
    if layout.block_bytes == 0:
        return KvCapacity(0, 0, 0.0, 0)
    num_blocks = max(0, avail_bytes // layout.block_bytes)
    if not version.has(KV_TOKENS_PER_GROUP):
        tokens = num_blocks * layout.block_size
        return KvCapacity(num_blocks, tokens, tokens / max_len, needed)
    concurrency = num_blocks / per_request
    if version.tokens_from_concurrency:
        tokens = int(concurrency * max_len)
    else:
        tokens = (num_blocks // len(layout.groups)) * layout.block_size
        if version.has(KV_TOKENS_TIMES_DCP):
            tokens *= layout.dcp
    return KvCapacity(num_blocks, tokens, concurrency, needed)


def fit_budget(layout: KvLayout, avail_bytes: int, version: VllmVersion) -> int:
    """The memory the fit checks compare against (0.29+ keep the null block out of it)."""
    return avail_bytes - (layout.block_bytes if version.reserves_null_block else 0)


def largest_fitting_len(layout: KvLayout, avail_bytes: int, *, upper: int, batch_tokens: int, version: VllmVersion) -> int:
    """vLLM's binary search for the estimated maximum model length (0 when nothing fits)."""
    budget = fit_budget(layout, avail_bytes, version)

    def fits(length: int) -> bool:
        return blocks_per_request(layout, length, batch_tokens=batch_tokens, version=version) * layout.block_bytes <= budget

    if budget <= 0 or not fits(1):
        return 0
    lo, hi = 1, upper
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo
