"""MLA (DeepSeek-V2/V3/R1 multi-head latent attention) memory that depends on the release.

0.7.1-0.7.3 `attention/backends/mla/utils.py: MLACommonImpl.process_weights_after_loading`, with
VLLM_MLA_PERFORM_MATRIX_ABSORPTION=1 (the default), keeps the q / kv_b / o projections for prefill
and adds per layer, for the N = heads / tp heads of a rank:
- W_QR = q_proj's rope columns, copied contiguous: q_in x N·qk_rope in the activation dtype;
- W_Q_UK = W_Q · W_UK absorbed: q_in x N·kv_lora;
- W_UV_O = W_UV · W_O absorbed: N·kv_lora x hidden;
both absorbed matrices in the activation dtype, or re-quantized to fp8 with the checkpoint's block
scales for fp8 weights (then W_UK / W_UV also keep the float32 dequantized kv_b_proj alive:
`scaled_dequantize(..., out_dtype=torch.float32)`). q_in is q_lora_rank (V2/V3) or hidden (V2-Lite).
0.8 moved MLA to `attention/backends/mla/common.py` / V1 `v1/attention/backends/mla/common.py`,
which keep only W_UV and W_UK_T (views or small copies): no absorbed weights.
"""

from __future__ import annotations

import math

from wizard.model.facts import ArchitectureFacts

_FP8_BLOCK = 128  # DeepSeek-V3 weight_block_size [128, 128]: one fp32 scale per block


def absorbed_bytes_per_layer(arch: ArchitectureFacts, *, tp: int, act_bytes: int, fp8_weights: bool) -> int:
    mla = arch.mla
    if mla is None:
        return 0
    heads = max(1, arch.num_attention_heads // tp)
    q_in = mla.q_lora_rank or arch.hidden_size
    latent, rope, h = mla.kv_lora_rank, mla.qk_rope_head_dim, arch.hidden_size
    nope, v = mla.qk_nope_head_dim or 128, mla.v_head_dim or 128
    w_qr = q_in * heads * rope * act_bytes
    q_uk = q_in * heads * latent
    uv_o = heads * latent * h
    if not fp8_weights:
        return w_qr + (q_uk + uv_o) * act_bytes
    scales = 4 * (math.ceil(q_in / _FP8_BLOCK) * math.ceil(heads * latent / _FP8_BLOCK)
                  + math.ceil(heads * latent / _FP8_BLOCK) * math.ceil(h / _FP8_BLOCK))
    dequantized_kv_b = latent * heads * (nope + v) * 4
    return w_qr + q_uk + uv_o + scales + dequantized_kv_b
