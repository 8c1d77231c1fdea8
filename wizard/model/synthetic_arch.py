"""Architecture-aware tensor lists: the names, dtypes and shapes a real Hugging Face checkpoint holds.

`tensors_for_config(config)` reads a config.json dict and returns what the checkpoint's safetensors
headers list, in the form wizard.model.synthetic.write_model_folder takes. Quantized linear layers
follow the checkpoint's quantization config (layouts in wizard.model.synthetic_quant).

One function per family; multimodal wrappers reuse the text families under their checkpoint prefix:

| model_type | family |
|---|---|
| llama, mistral, qwen2, qwen3, gemma3_text (+ MoE: qwen2_moe, qwen3_moe, mixtral) | `_standard` |
| qwen3_next, qwen3_5_text, qwen3_5_moe_text (Gated DeltaNet + gated attention, MTP) | `_hybrid_gdn` |
| deepseek_v2, deepseek_v3, kimi_k2 (MLA) and glm4_moe (GQA) | `_deepseek_like` |
| gpt_oss | `_gpt_oss` |
| granitemoehybrid | `_granite_hybrid` |
| llava, llava_next, gemma3, qwen2_5_vl, qwen3_vl(_moe), qwen3_5(_moe), qwen2_5_omni | wrappers |
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from wizard.model.synthetic_quant import (
    QuantScheme,
    Tensors,
    find_quantization,
    model_dtype,
    mxfp4_experts,
    scheme_from_config,
)


class _Emitter:
    """Collects tensors; linear layers go through the quantization scheme."""

    def __init__(self, dtype: str, scheme: QuantScheme | None):
        self.dtype, self.scheme = dtype, scheme
        self.t: Tensors = {}

    def w(self, name: str, shape: list[int], dtype: str | None = None) -> None:
        self.t[name] = (dtype or self.dtype, [int(s) for s in shape])

    def linear(self, name: str, out: int, in_: int, *, bias: bool = False, quant: bool = True) -> None:
        fmt = self.scheme.format_for(name) if quant and self.scheme else None
        if fmt is None:
            self.w(f"{name}.weight", [out, in_])
        else:
            self.t.update(fmt.tensors(name, out, in_, self.dtype))
        if bias:
            self.w(f"{name}.bias", [out])

    def norm(self, name: str, size: int, *, bias: bool = False) -> None:
        self.w(f"{name}.weight", [size])
        if bias:
            self.w(f"{name}.bias", [size])

    def head(self, name: str, vocab: int, hidden: int) -> None:
        # Output heads stay in the model dtype unless the checkpoint says so (GPTQ `lm_head: true`).
        self.linear(name, vocab, hidden, quant=bool(self.scheme and self.scheme.lm_head))


LayerFn = Callable[[_Emitter, dict, str, int], None]


def _head_dim(c: Mapping) -> int:
    return c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]


def _decoder(e: _Emitter, c: dict, p: str, lm: str | None, layer: LayerFn, *, embed_dim: int | None = None) -> None:
    """Embedding, decoder layers, final norm and (untied) output head."""
    h, vocab = c["hidden_size"], c["vocab_size"]
    e.w(f"{p}.embed_tokens.weight", [vocab, embed_dim or h])
    for i in range(c["num_hidden_layers"]):
        layer(e, c, f"{p}.layers.{i}", i)
    e.norm(f"{p}.norm", h)
    if lm and not c.get("tie_word_embeddings", False):
        e.head(lm, vocab, h)


# --- building blocks ---------------------------------------------------------------------------


def _attention(e: _Emitter, c: Mapping, p: str, *, qkv_bias=False, o_bias=False, qk_norm=False, gated=False,
               sinks=False) -> None:
    """GQA attention; `gated` doubles q_proj (Qwen3-Next / Qwen3.5 output gate), `sinks` is gpt-oss's."""
    h, n, d = c["hidden_size"], c["num_attention_heads"], _head_dim(c)
    kv = c.get("num_key_value_heads") or n
    e.linear(f"{p}.q_proj", n * d * (2 if gated else 1), h, bias=qkv_bias)
    e.linear(f"{p}.k_proj", kv * d, h, bias=qkv_bias)
    e.linear(f"{p}.v_proj", kv * d, h, bias=qkv_bias)
    e.linear(f"{p}.o_proj", h, n * d, bias=o_bias)
    if qk_norm:
        e.norm(f"{p}.q_norm", d)
        e.norm(f"{p}.k_norm", d)
    if sinks:
        e.w(f"{p}.sinks", [n])


def _mlp(e: _Emitter, p: str, h: int, inter: int, *, bias: bool = False, names=("gate_proj", "up_proj", "down_proj")):
    gate, up, down = names
    e.linear(f"{p}.{gate}", inter, h, bias=bias)
    e.linear(f"{p}.{up}", inter, h, bias=bias)
    e.linear(f"{p}.{down}", h, inter, bias=bias)


def _experts(e: _Emitter, p: str, n: int, h: int, inter: int, names=("gate_proj", "up_proj", "down_proj")):
    for x in range(n):
        _mlp(e, f"{p}.{x}", h, inter, names=names)


def _qwen_moe(e: _Emitter, c: Mapping, p: str) -> None:
    """Qwen MoE block: router `gate`, routed experts, optional shared expert with a sigmoid gate."""
    h, n = c["hidden_size"], c["num_experts"]
    e.linear(f"{p}.gate", n, h, quant=False)
    _experts(e, f"{p}.experts", n, h, c["moe_intermediate_size"])
    if c.get("shared_expert_intermediate_size"):
        _mlp(e, f"{p}.shared_expert", h, c["shared_expert_intermediate_size"])
        e.linear(f"{p}.shared_expert_gate", 1, h, quant=False)


def _qwen_ffn(e: _Emitter, c: Mapping, p: str, i: int) -> None:
    """Layer i's MLP: MoE unless listed in mlp_only_layers or skipped by decoder_sparse_step."""
    step = c.get("decoder_sparse_step") or 1
    if c.get("num_experts") and i not in (c.get("mlp_only_layers") or []) and (i + 1) % step == 0:
        _qwen_moe(e, c, p)
    else:
        _mlp(e, p, c["hidden_size"], c["intermediate_size"])


# --- text families -----------------------------------------------------------------------------


def _standard_layer(e: _Emitter, c: dict, lp: str, i: int) -> None:
    """One Llama-style layer. Qwen2 has q/k/v biases, Qwen3 and Gemma3 q/k norms, Gemma sandwich
    norms around the MLP; Mixtral routes over `block_sparse_moe`, Qwen MoE over `mlp`."""
    mt, h = c.get("model_type", ""), c["hidden_size"]
    _attention(
        e, c, f"{lp}.self_attn",
        qkv_bias=mt.startswith("qwen2") or bool(c.get("attention_bias")),
        o_bias=bool(c.get("attention_bias")),
        qk_norm=mt.startswith(("qwen3", "gemma3")),
    )
    if c.get("num_local_experts"):
        n = c["num_local_experts"]
        e.linear(f"{lp}.block_sparse_moe.gate", n, h, quant=False)
        _experts(e, f"{lp}.block_sparse_moe.experts", n, h, c["intermediate_size"], ("w1", "w3", "w2"))
    else:
        _qwen_ffn(e, c, f"{lp}.mlp", i)
    norms = ["input_layernorm", "post_attention_layernorm"]
    norms += ["pre_feedforward_layernorm", "post_feedforward_layernorm"] if mt.startswith("gemma") else []
    for n in norms:
        e.norm(f"{lp}.{n}", h)


def _standard(e: _Emitter, c: dict, p: str, lm: str | None) -> None:
    """Llama-style decoders: llama, mistral, qwen2/qwen3 (+VL/Omni text towers), gemma3, and the
    Qwen / Mixtral MoE variants; tied embeddings mean no lm_head tensor."""
    _decoder(e, c, p, lm, _standard_layer)


def _layer_types(c: Mapping) -> list[str]:
    if c.get("layer_types"):
        return list(c["layer_types"])
    every = c.get("full_attention_interval") or 4
    return ["full_attention" if (i + 1) % every == 0 else "linear_attention" for i in range(c["num_hidden_layers"])]


def _gdn(e: _Emitter, c: Mapping, p: str) -> None:
    """Gated DeltaNet mixer. Qwen3-Next fuses the input projections (in_proj_qkvz, in_proj_ba);
    Qwen3.5 stores them split (in_proj_qkv, in_proj_z, in_proj_b, in_proj_a)."""
    h, nk, nv = c["hidden_size"], c["linear_num_key_heads"], c["linear_num_value_heads"]
    key, val = nk * c["linear_key_head_dim"], nv * c["linear_value_head_dim"]
    if c.get("model_type") == "qwen3_next":
        e.linear(f"{p}.in_proj_qkvz", 2 * key + 2 * val, h)
        e.linear(f"{p}.in_proj_ba", 2 * nv, h)
    else:
        e.linear(f"{p}.in_proj_qkv", 2 * key + val, h)
        e.linear(f"{p}.in_proj_z", val, h)
        e.linear(f"{p}.in_proj_b", nv, h)
        e.linear(f"{p}.in_proj_a", nv, h)
    e.w(f"{p}.conv1d.weight", [2 * key + val, 1, c.get("linear_conv_kernel_dim", 4)])
    e.w(f"{p}.A_log", [nv], "F32")
    e.w(f"{p}.dt_bias", [nv])
    e.norm(f"{p}.norm", c["linear_value_head_dim"])
    e.linear(f"{p}.out_proj", h, val)


def _hybrid_gdn(e: _Emitter, c: dict, p: str, lm: str | None) -> None:
    """Qwen3-Next / Qwen3.5: GDN layers plus gated full attention, dense or MoE MLPs, and the
    multi-token-prediction block stored at the checkpoint root as `mtp.*`."""
    h, types = c["hidden_size"], _layer_types(c)
    gated = c.get("attn_output_gate", True)

    def layer(e: _Emitter, c: dict, lp: str, i: int, full: bool | None = None) -> None:
        if (types[i] == "full_attention") if full is None else full:
            _attention(e, c, f"{lp}.self_attn", qk_norm=True, gated=gated)
        else:
            _gdn(e, c, f"{lp}.linear_attn")
        _qwen_ffn(e, c, f"{lp}.mlp", i)
        e.norm(f"{lp}.input_layernorm", h)
        e.norm(f"{lp}.post_attention_layernorm", h)

    _decoder(e, c, p, lm, layer)
    n_mtp = c.get("mtp_num_hidden_layers", c.get("num_nextn_predict_layers", 1))
    if n_mtp:
        e.linear("mtp.fc", h, 2 * h)
        e.norm("mtp.pre_fc_norm_embedding", h)
        e.norm("mtp.pre_fc_norm_hidden", h)
        for j in range(n_mtp):
            layer(e, c, f"mtp.layers.{j}", j, full=True)
        e.norm("mtp.norm", h)


def _mla(e: _Emitter, c: Mapping, p: str) -> None:
    """DeepSeek multi-head latent attention (q low-rank path when q_lora_rank is set)."""
    h, n, rope = c["hidden_size"], c["num_attention_heads"], c["qk_rope_head_dim"]
    nope, vd, kvr, qr = c["qk_nope_head_dim"], c["v_head_dim"], c["kv_lora_rank"], c.get("q_lora_rank")
    if qr:
        e.linear(f"{p}.q_a_proj", qr, h)
        e.norm(f"{p}.q_a_layernorm", qr)
        e.linear(f"{p}.q_b_proj", n * (nope + rope), qr)
    else:
        e.linear(f"{p}.q_proj", n * (nope + rope), h)
    e.linear(f"{p}.kv_a_proj_with_mqa", kvr + rope, h)
    e.norm(f"{p}.kv_a_layernorm", kvr)
    e.linear(f"{p}.kv_b_proj", n * (nope + vd), kvr)
    e.linear(f"{p}.o_proj", h, n * vd)


def _deepseek_like(e: _Emitter, c: dict, p: str, lm: str | None) -> None:
    """DeepSeek-V2/V3 and Kimi-K2 (MLA) and GLM-4.5/4.6 (GQA with biases and q/k norms): the first
    `first_k_dense_replace` layers are dense, the rest route over `n_routed_experts` plus shared
    experts; noaux_tc routers carry e_score_correction_bias. MTP layers (num_nextn_predict_layers)
    follow the decoder layers as model.layers.<L+j>; DeepSeek stores their own embedding and head,
    GLM does not."""
    h, n_exp, glm = c["hidden_size"], c.get("n_routed_experts") or 0, c.get("model_type") == "glm4_moe"
    first_dense, freq = c.get("first_k_dense_replace", 0), c.get("moe_layer_freq", 1)

    def layer(e: _Emitter, c: dict, lp: str, i: int) -> None:
        if glm:
            bias, qk_norm = bool(c.get("attention_bias")), bool(c.get("use_qk_norm"))
            _attention(e, c, f"{lp}.self_attn", qkv_bias=bias, qk_norm=qk_norm)
        else:
            _mla(e, c, f"{lp}.self_attn")
        if n_exp and i >= first_dense and i % freq == 0:
            m = f"{lp}.mlp"
            e.linear(f"{m}.gate", n_exp, h, quant=False)
            if c.get("topk_method", "noaux_tc") == "noaux_tc":
                e.w(f"{m}.gate.e_score_correction_bias", [n_exp], "F32")
            _experts(e, f"{m}.experts", n_exp, h, c["moe_intermediate_size"])
            if c.get("n_shared_experts"):
                _mlp(e, f"{m}.shared_experts", h, c["moe_intermediate_size"] * c["n_shared_experts"])
        else:
            _mlp(e, f"{lp}.mlp", h, c["intermediate_size"])
        e.norm(f"{lp}.input_layernorm", h)
        e.norm(f"{lp}.post_attention_layernorm", h)

    _decoder(e, c, p, lm, layer)
    n_layers = c["num_hidden_layers"]
    for j in range(c.get("num_nextn_predict_layers") or 0):
        lp = f"{p}.layers.{n_layers + j}"
        layer(e, c, lp, n_layers + j)
        for n in ("enorm", "hnorm", "shared_head.norm"):
            e.norm(f"{lp}.{n}", h)
        e.linear(f"{lp}.eh_proj", h, 2 * h)
        if not glm:
            e.w(f"{lp}.embed_tokens.weight", [c["vocab_size"], h])
            e.head(f"{lp}.shared_head.head", c["vocab_size"], h)


def _gpt_oss(e: _Emitter, c: dict, p: str, lm: str | None) -> None:
    """gpt-oss: biased attention with sinks, a biased router, fused experts (MXFP4 blocks/scales in
    the released checkpoints, plain [E, H, 2I] / [E, I, H] tensors when unquantized)."""
    h, n, inter = c["hidden_size"], c["num_local_experts"], c["intermediate_size"]

    def layer(e: _Emitter, c: dict, lp: str, i: int) -> None:
        _attention(e, c, f"{lp}.self_attn", qkv_bias=True, o_bias=True, sinks=True)
        e.linear(f"{lp}.mlp.router", n, h, bias=True, quant=False)
        m = f"{lp}.mlp.experts"
        if e.scheme and e.scheme.experts_only:
            e.t.update(mxfp4_experts(f"{m}.gate_up_proj", n, 2 * inter, h))
            e.t.update(mxfp4_experts(f"{m}.down_proj", n, h, inter))
        else:
            e.w(f"{m}.gate_up_proj", [n, h, 2 * inter])
            e.w(f"{m}.down_proj", [n, inter, h])
        e.w(f"{m}.gate_up_proj_bias", [n, 2 * inter])
        e.w(f"{m}.down_proj_bias", [n, h])
        e.norm(f"{lp}.input_layernorm", h)
        e.norm(f"{lp}.post_attention_layernorm", h)

    _decoder(e, c, p, lm, layer)


def _mamba2(e: _Emitter, c: Mapping, p: str) -> None:
    h, heads, groups, state = c["hidden_size"], c["mamba_n_heads"], c.get("mamba_n_groups", 1), c["mamba_d_state"]
    inner = heads * c["mamba_d_head"] if c.get("mamba_d_head") else c.get("mamba_expand", 2) * h
    conv = inner + 2 * groups * state
    e.linear(f"{p}.in_proj", 2 * inner + 2 * groups * state + heads, h, bias=bool(c.get("mamba_proj_bias")))
    e.w(f"{p}.conv1d.weight", [conv, 1, c.get("mamba_d_conv", 4)])
    if c.get("mamba_conv_bias", True):
        e.w(f"{p}.conv1d.bias", [conv])
    for name in ("A_log", "D", "dt_bias"):
        e.w(f"{p}.{name}", [heads])
    e.norm(f"{p}.norm", inner)
    e.linear(f"{p}.out_proj", h, inner, bias=bool(c.get("mamba_proj_bias")))


def _granite_hybrid(e: _Emitter, c: dict, p: str, lm: str | None) -> None:
    """Granite 4.0 (granitemoehybrid): Mamba2 or attention per `layer_types`, optional fused MoE
    (block_sparse_moe) and a fused shared MLP (input_linear = gate and up stacked)."""
    h, n_exp = c["hidden_size"], c.get("num_local_experts") or 0
    types = c.get("layer_types") or ["attention"] * c["num_hidden_layers"]

    def layer(e: _Emitter, c: dict, lp: str, i: int) -> None:
        if types[i] == "mamba":
            _mamba2(e, c, f"{lp}.mamba")
        else:
            bias = bool(c.get("attention_bias"))
            _attention(e, c, f"{lp}.self_attn", qkv_bias=bias, o_bias=bias)
        if n_exp:
            e.linear(f"{lp}.block_sparse_moe.router.layer", n_exp, h, quant=False)
            e.w(f"{lp}.block_sparse_moe.input_linear.weight", [n_exp, 2 * c["intermediate_size"], h])
            e.w(f"{lp}.block_sparse_moe.output_linear.weight", [n_exp, h, c["intermediate_size"]])
        shared = c.get("shared_intermediate_size")
        if shared:
            e.linear(f"{lp}.shared_mlp.input_linear", 2 * shared, h)
            e.linear(f"{lp}.shared_mlp.output_linear", h, shared)
        e.norm(f"{lp}.input_layernorm", h)
        e.norm(f"{lp}.post_attention_layernorm", h)

    _decoder(e, c, p, lm, layer)


_TEXT_FAMILIES: dict[str, Callable[[_Emitter, dict, str, str | None], None]] = {
    **dict.fromkeys(
        ["llama", "mistral", "qwen2", "qwen3", "gemma3_text", "qwen2_moe", "qwen3_moe", "mixtral", "qwen2_5_vl_text",
         "qwen2_5_omni_text", "qwen2_5_omni_thinker_text", "qwen3_vl_text", "qwen3_vl_moe_text"],
        _standard,
    ),
    **dict.fromkeys(["qwen3_next", "qwen3_5_text", "qwen3_5_moe_text"], _hybrid_gdn),
    **dict.fromkeys(["deepseek_v2", "deepseek_v3", "kimi_k2", "glm4_moe"], _deepseek_like),
    "gpt_oss": _gpt_oss,
    "granitemoehybrid": _granite_hybrid,
}


def _text(e: _Emitter, c: dict, p: str, lm: str | None) -> None:
    mt = c.get("model_type")
    if mt not in _TEXT_FAMILIES:
        raise ValueError(f"no synthetic tensor layout for text model_type {mt!r}")
    _TEXT_FAMILIES[mt](e, c, p, lm)


# --- vision / audio towers and multimodal wrappers ---------------------------------------------------


def _vit_tower(e: _Emitter, p: str, vc: Mapping, *, clip: bool) -> None:
    """CLIP (llava) or SigLIP (gemma3) `vision_model`: every encoder layer the checkpoint stores,
    even those the VLM never runs (vision_feature_layer -2)."""
    h, inter, patch = vc["hidden_size"], vc["intermediate_size"], vc["patch_size"]
    grid = vc["image_size"] // patch
    emb = f"{p}.embeddings"
    e.w(f"{emb}.patch_embedding.weight", [h, vc.get("num_channels", 3), patch, patch])
    if clip:
        e.w(f"{emb}.class_embedding", [h])
        e.norm(f"{p}.pre_layrnorm", h, bias=True)
    else:
        e.w(f"{emb}.patch_embedding.bias", [h])
    e.w(f"{emb}.position_embedding.weight", [grid * grid + (1 if clip else 0), h])
    for i in range(vc["num_hidden_layers"]):
        lp = f"{p}.encoder.layers.{i}"
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            e.linear(f"{lp}.self_attn.{proj}", h, h, bias=True)
        e.linear(f"{lp}.mlp.fc1", inter, h, bias=True)
        e.linear(f"{lp}.mlp.fc2", h, inter, bias=True)
        e.norm(f"{lp}.layer_norm1", h, bias=True)
        e.norm(f"{lp}.layer_norm2", h, bias=True)
    e.norm(f"{p}.post_layernorm", h, bias=True)


def _qwen_vision(e: _Emitter, p: str, vc: Mapping, style: str) -> None:
    """Qwen vision encoders. style 'v2_5' (Qwen2.5-VL: RMS norms, fused qkv, gated MLP), 'omni'
    (Qwen2.5-Omni: same with separate q/k/v), 'v3' (Qwen3-VL / Qwen3.5: LayerNorms, learned
    position embedding, fc1/fc2 MLP, deepstack mergers)."""
    h, inter, ps = vc["hidden_size"], vc["intermediate_size"], vc["patch_size"]
    merged, out = h * vc.get("spatial_merge_size", 2) ** 2, vc["out_hidden_size"]
    v3 = style == "v3"
    e.w(f"{p}.patch_embed.proj.weight", [h, vc.get("in_channels", 3), vc.get("temporal_patch_size", 2), ps, ps])
    if v3:
        e.w(f"{p}.patch_embed.proj.bias", [h])
        e.w(f"{p}.pos_embed.weight", [vc["num_position_embeddings"], h])
    for i in range(vc["depth"]):
        bp = f"{p}.blocks.{i}"
        e.norm(f"{bp}.norm1", h, bias=v3)
        e.norm(f"{bp}.norm2", h, bias=v3)
        if style == "omni":
            for proj in ("q", "k", "v"):
                e.linear(f"{bp}.attn.{proj}", h, h, bias=True)
        else:
            e.linear(f"{bp}.attn.qkv", 3 * h, h, bias=True)
        e.linear(f"{bp}.attn.proj", h, h, bias=True)
        if v3:
            e.linear(f"{bp}.mlp.linear_fc1", inter, h, bias=True)
            e.linear(f"{bp}.mlp.linear_fc2", h, inter, bias=True)
        else:
            _mlp(e, f"{bp}.mlp", h, inter, bias=True)
    if not v3:
        e.norm(f"{p}.merger.ln_q", h)
        e.linear(f"{p}.merger.mlp.0", merged, merged, bias=True)
        e.linear(f"{p}.merger.mlp.2", out, merged, bias=True)
        return
    deepstack = len(vc.get("deepstack_visual_indexes") or [])
    mergers = [f"{p}.merger"] + [f"{p}.deepstack_merger_list.{k}" for k in range(deepstack)]
    for k, mp in enumerate(mergers):
        e.norm(f"{mp}.norm", h if k == 0 else merged, bias=True)  # deepstack mergers norm after the shuffle
        e.linear(f"{mp}.linear_fc1", merged, merged, bias=True)
        e.linear(f"{mp}.linear_fc2", out, merged, bias=True)


def _text_config(c: Mapping) -> dict:
    text = dict(c.get("text_config") or c)
    text.setdefault("tie_word_embeddings", c.get("tie_word_embeddings", text.get("model_type", "").startswith("gemma")))
    return text


def _llava(e: _Emitter, c: dict) -> None:
    text, vc = _text_config(c), c["vision_config"]
    _text(e, text, "language_model.model", "language_model.lm_head")
    _vit_tower(e, "vision_tower.vision_model", vc, clip=True)
    e.linear("multi_modal_projector.linear_1", text["hidden_size"], vc["hidden_size"], bias=True)
    e.linear("multi_modal_projector.linear_2", text["hidden_size"], text["hidden_size"], bias=True)
    if c.get("model_type") == "llava_next":
        e.w("image_newline", [text["hidden_size"]])


def _gemma3(e: _Emitter, c: dict) -> None:
    text, vc = _text_config(c), c["vision_config"]
    _text(e, text, "language_model.model", "language_model.lm_head")
    _vit_tower(e, "vision_tower.vision_model", vc, clip=False)
    e.w("multi_modal_projector.mm_input_projection_weight", [vc["hidden_size"], text["hidden_size"]])
    e.norm("multi_modal_projector.mm_soft_emb_norm", vc["hidden_size"])


def _qwen_vl(e: _Emitter, c: dict) -> None:
    """Qwen2.5-VL (model.* + visual.*), Qwen3-VL and Qwen3.5 (model.language_model.* + model.visual.*)."""
    text = _text_config(c)
    if c.get("model_type") == "qwen2_5_vl":
        text["model_type"] = "qwen2_5_vl_text"
        _text(e, text, "model", "lm_head")
        _qwen_vision(e, "visual", c["vision_config"], "v2_5")
    else:
        _text(e, text, "model.language_model", "lm_head")
        _qwen_vision(e, "model.visual", c["vision_config"], "v3")


def _whisper_audio(e: _Emitter, p: str, ac: Mapping) -> None:
    """Qwen2.5-Omni audio encoder (Whisper-large-v3-style; k_proj has no bias)."""
    d, ffn = ac["d_model"], ac["encoder_ffn_dim"]
    e.w(f"{p}.conv1.weight", [d, ac["num_mel_bins"], 3])
    e.w(f"{p}.conv1.bias", [d])
    e.w(f"{p}.conv2.weight", [d, d, 3])
    e.w(f"{p}.conv2.bias", [d])
    for i in range(ac["encoder_layers"]):
        lp = f"{p}.layers.{i}"
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            e.linear(f"{lp}.self_attn.{proj}", d, d, bias=proj != "k_proj")
        e.norm(f"{lp}.self_attn_layer_norm", d, bias=True)
        e.linear(f"{lp}.fc1", ffn, d, bias=True)
        e.linear(f"{lp}.fc2", d, ffn, bias=True)
        e.norm(f"{lp}.final_layer_norm", d, bias=True)
    e.norm(f"{p}.ln_post", d, bias=True)
    e.linear(f"{p}.proj", ac["output_dim"], d, bias=True)
    e.w(f"{p}.audio_bos_eos_token.weight", [2, ac["output_dim"]])


def _token2wav(e: _Emitter, p: str, tc: Mapping) -> None:
    """Qwen2.5-Omni speech decoder: DiT (code -> mel) and BigVGAN (mel -> wave). Shapes follow the
    published hyper-parameters; the small speaker encoder is approximated by a few convolutions."""
    dc, bc = tc["dit_config"], tc["bigvgan_config"]
    h, mel, emb = dc["hidden_size"], dc["mel_dim"], dc["emb_dim"]
    dit = f"{p}.code2wav_dit_model"
    e.linear(f"{dit}.time_embed.time_mlp.0", h, 256, bias=True)
    e.linear(f"{dit}.time_embed.time_mlp.2", h, h, bias=True)
    e.w(f"{dit}.text_embed.codec_embed.weight", [dc["num_embeds"] + 1, emb])
    e.linear(f"{dit}.input_embed.proj", h, 2 * mel + emb + dc["enc_emb_dim"], bias=True)
    chans = [mel] + list(dc["enc_channels"])
    for k in range(len(chans) - 1):
        e.w(f"{dit}.input_embed.spk_encoder.blocks.{k}.conv.weight", [chans[k + 1], chans[k], 3])
    e.linear(f"{dit}.input_embed.spk_encoder.fc", dc["enc_emb_dim"], 2 * chans[-1], bias=True)
    for i in range(dc["num_hidden_layers"]):
        bp = f"{dit}.transformer_blocks.{i}"
        e.linear(f"{bp}.attn_norm.linear", 6 * h, h, bias=True)
        for proj in ("to_q", "to_k", "to_v", "to_out.0"):
            e.linear(f"{bp}.attn.{proj}", h, h, bias=True)
        e.linear(f"{bp}.ff.ff.0.0", h * dc["ff_mult"], h, bias=True)
        e.linear(f"{bp}.ff.ff.2", h, h * dc["ff_mult"], bias=True)
    e.linear(f"{dit}.norm_out.linear", 2 * h, h, bias=True)
    e.linear(f"{dit}.proj_out", mel, h, bias=True)
    voc, ch = f"{p}.code2wav_bigvgan_model", bc["upsample_initial_channel"]
    e.w(f"{voc}.conv_pre.weight", [ch, bc["mel_dim"], 7])
    e.w(f"{voc}.conv_pre.bias", [ch])
    for i, (rate, k) in enumerate(zip(bc["upsample_rates"], bc["upsample_kernel_sizes"])):
        e.w(f"{voc}.ups.{i}.0.weight", [ch, ch // 2, k])
        e.w(f"{voc}.ups.{i}.0.bias", [ch // 2])
        ch //= 2
        for j, (rk, dil) in enumerate(zip(bc["resblock_kernel_sizes"], bc["resblock_dilation_sizes"])):
            rp = f"{voc}.resblocks.{i * len(bc['resblock_kernel_sizes']) + j}"
            for conv in ("convs1", "convs2"):
                for d in range(len(dil)):
                    e.w(f"{rp}.{conv}.{d}.weight", [ch, ch, rk])
                    e.w(f"{rp}.{conv}.{d}.bias", [ch])
            for a in range(2 * len(dil)):
                e.w(f"{rp}.activations.{a}.act.alpha", [ch])
                e.w(f"{rp}.activations.{a}.act.beta", [ch])
    e.w(f"{voc}.activation_post.act.alpha", [ch])
    e.w(f"{voc}.activation_post.act.beta", [ch])
    e.w(f"{voc}.conv_post.weight", [1, ch, 7])


def _qwen_omni(e: _Emitter, c: dict) -> None:
    """Qwen2.5-Omni: the thinker (text + vision + audio, what vLLM serves) plus the talker and the
    token2wav speech decoder, which the released checkpoint also stores and vLLM's thinker skips."""
    th = c["thinker_config"]
    text = _text_config(th)
    text["model_type"] = "qwen2_5_omni_text"
    _text(e, text, "thinker.model", "thinker.lm_head")
    _qwen_vision(e, "thinker.visual", th["vision_config"], "omni")
    _whisper_audio(e, "thinker.audio_tower", th["audio_config"])
    if c.get("talker_config"):
        tk = {**c["talker_config"], "model_type": "qwen2"}
        _decoder(e, tk, "talker.model", None, _standard_layer, embed_dim=tk["embedding_size"])
        e.linear("talker.thinker_to_talker_proj", tk["hidden_size"], tk["embedding_size"], bias=True)
        e.head("talker.codec_head", tk["vocab_size"], tk["hidden_size"])
    if c.get("token2wav_config"):
        _token2wav(e, "token2wav", c["token2wav_config"])


_WRAPPERS: dict[str, Callable[[_Emitter, dict], None]] = {
    "llava": _llava,
    "llava_next": _llava,
    "gemma3": _gemma3,
    **dict.fromkeys(["qwen2_5_vl", "qwen3_vl", "qwen3_vl_moe", "qwen3_5", "qwen3_5_moe"], _qwen_vl),
    "qwen2_5_omni": _qwen_omni,
}


# --- entry point -----------------------------------------------------------------------------------


def tensors_for_config(config: Mapping, *, quantization: Mapping | None = None) -> Tensors:
    """Every tensor the checkpoint described by `config` holds: {name: (safetensors dtype, shape)}.

    `quantization` overrides the config's own quantization_config (pass the hf_quant_config.json
    content for ModelOpt checkpoints that only ship that file)."""
    quant = quantization if quantization is not None else find_quantization(config)
    scheme = scheme_from_config(quant)
    e = _Emitter(model_dtype(config, scheme), scheme)
    mt = config.get("model_type")
    if mt in _WRAPPERS:
        _WRAPPERS[mt](e, dict(config))
    else:
        _text(e, dict(config), "model", "lm_head")
    return e.t
