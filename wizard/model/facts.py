"""Typed model facts: the boundary between model inspection (local folder or hub) and the planner.

A local folder, a Hugging Face repo and a ModelScope repo all produce the same ModelFacts; the
planner never reads files itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from wizard.frozen import Frozen

# Tensor roles, as the planner shards them under tensor/pipeline parallelism:
#   embed / lm_head  vocab-parallel (padded to 64 rows, split over TP), first / last PP stage
#   attn_qo          q and o projections (and MLA's q paths): split over TP
#   attn_kv          k and v projections: split over TP, replicated once TP exceeds the KV heads
#   mla_kv           MLA low-rank down-projections (q_a_proj, kv_a_proj_with_mqa): replicated on every
#                    TP rank (vLLM loads them as ReplicatedLinear); q_b_proj / kv_b_proj are attn_qo
#   mlp              dense and shared-expert MLP: split over TP
#   experts          routed MoE experts: split over TP (or EP)
#   router           MoE gate: replicated
#   linear_attn      GDN / Mamba mixers: split over TP
#   norm             norms and biases that are replicated
#   vision           vision / audio towers of multimodal models
#   mtp              multi-token-prediction / draft layers vLLM skips unless speculative decoding
#   unused           parts of the checkpoint the served model never loads (Qwen-Omni talker, token2wav)
#   other            anything unclassified (split over TP, conservatively)
TensorRole = Literal[
    "embed",
    "lm_head",
    "attn_qo",
    "attn_kv",
    "mla_kv",
    "mlp",
    "experts",
    "router",
    "linear_attn",
    "norm",
    "vision",
    "mtp",
    "unused",
    "other",
]
TENSOR_ROLES: tuple[str, ...] = TensorRole.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True, kw_only=True)
class MoeFacts(Frozen):
    num_experts: int
    experts_per_token: int | None = None
    moe_intermediate_size: int | None = None
    shared_expert_intermediate_size: int | None = None
    num_shared_experts: int | None = None
    # Leading layers that stay dense (DeepSeek's first_k_dense_replace).
    first_dense_layers: int = 0


@dataclass(frozen=True, kw_only=True)
class MlaFacts(Frozen):
    """DeepSeek-style multi-head latent attention: one latent per token per layer, never split by TP."""

    kv_lora_rank: int
    qk_rope_head_dim: int
    qk_nope_head_dim: int | None = None
    v_head_dim: int | None = None
    q_lora_rank: int | None = None


@dataclass(frozen=True, kw_only=True)
class LinearAttentionFacts(Frozen):
    """Recurrent-state layers of hybrid models (Gated DeltaNet, Mamba2): state per request, not per token."""

    kind: Literal["gdn", "mamba2"]
    num_layers: int
    conv_kernel: int
    # GDN (Qwen3-Next, Qwen3.5)
    num_key_heads: int | None = None
    num_value_heads: int | None = None
    key_head_dim: int | None = None
    value_head_dim: int | None = None
    # Mamba2 (Nemotron-H, Jamba-like)
    num_heads: int | None = None
    head_dim: int | None = None
    state_size: int | None = None
    n_groups: int | None = None
    intermediate_size: int | None = None


@dataclass(frozen=True, kw_only=True)
class VisionFacts(Frozen):
    """The vision tower's shapes, as config.json's vision section declares them (with the defaults
    transformers fills in); the multimodal profile run is sized from them (wizard.releases.multimodal)."""

    family: str  # the processor family vLLM profiles with: qwen2_vl, qwen3_vl, llava_next, gemma3, mllama, generic
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    patch_size: int
    image_size: int = 0  # fixed input side (CLIP/SigLIP tiles); 0 for dynamic-resolution towers
    spatial_merge_size: int = 1  # patches merged into one output token per side (Qwen: 2)
    temporal_patch_size: int = 1  # frames folded into one patch (Qwen: 2)
    out_hidden_size: int = 0  # width of one encoder output token (the text hidden size when 0)
    deepstack_levels: int = 0  # Qwen3-VL: extra merger outputs concatenated to every token
    gated_mlp: bool = False  # SwiGLU MLP (gate and up projections) rather than fc1 -> act -> fc2
    tokens_per_image: int = 0  # fixed tokens per image when the config declares it (Gemma-3)
    grid_pinpoints: tuple[tuple[int, int], ...] = ()  # LLaVA-NeXT any-resolution tile grids
    max_tiles: int = 0  # Mllama: max_num_tiles
    cross_attention_layers: int = 0  # Mllama: text layers that attend to the image states
    video: bool = False  # the processor also takes video
    # preprocessor_config.json / video_preprocessor_config.json pixel caps (0: the processor's default)
    image_max_pixels: int = 0
    video_max_pixels: int = 0


@dataclass(frozen=True, kw_only=True)
class ArchitectureFacts(Frozen):
    """The text model's geometry (for VLMs: the nested text_config)."""

    hidden_size: int
    num_layers: int
    num_attention_heads: int
    num_kv_heads: int
    head_dim: int
    intermediate_size: int | None = None
    vocab_size: int
    tie_word_embeddings: bool = False
    torch_dtype: str | None = None
    # Every max-length key vLLM consults, as found (max_position_embeddings, n_positions, seq_length, ...).
    max_length_keys: dict[str, int] = field(default_factory=dict)
    # tokenizer_config.json model_max_length, which overrides the config keys in vLLM.
    tokenizer_model_max_length: int | None = None
    rope_scaling: dict | None = None
    rotary_dim: int | None = None
    rope_theta: float | None = None
    # Layers holding a per-token KV cache: full attention and sliding-window attention.
    full_attention_layers: int
    sliding_window_layers: int = 0
    sliding_window: int | None = None
    moe: MoeFacts | None = None
    mla: MlaFacts | None = None
    linear_attention: LinearAttentionFacts | None = None
    has_vision: bool = False
    has_audio: bool = False
    vision: VisionFacts | None = None  # the vision tower's shapes, when config.json declares them

    @property
    def max_position_embeddings(self) -> int | None:
        return self.max_length_keys.get("max_position_embeddings")


@dataclass(frozen=True, kw_only=True)
class WeightFacts(Frozen):
    """What the checkpoint's safetensors headers say (or, with no weights, what the architecture implies)."""

    source: Literal["safetensors", "architecture"]
    total_bytes: int
    params: int
    bytes_by_dtype: dict[str, int] = field(default_factory=dict)
    bytes_by_role: dict[str, int] = field(default_factory=dict)
    tensor_count: int = 0
    shard_count: int = 0
    files: tuple[str, ...] = ()
    # The floating dtype most weight bytes are stored in (bfloat16, float16, float32), if any.
    checkpoint_dtype: str | None = None


@dataclass(frozen=True, kw_only=True)
class QuantizationFacts(Frozen):
    """The quantization format the checkpoint declares; never guessed from a repo name."""

    method: str
    source_file: str
    # True when vLLM finds it by itself (config.json / hf_quant_config.json); False when the only
    # evidence is quantize_config.json / quant_config.json and `--quantization` must be passed.
    auto_detected: bool = True
    bits: int | None = None
    group_size: int | None = None
    desc_act: bool | None = None
    symmetric: bool | None = None
    lm_head_quantized: bool = False
    # ModelOpt / llm-compressor KV-cache quantization declared by the checkpoint (vLLM 0.14+ honours it).
    kv_cache_scheme: str | None = None
    # Formats vLLM cannot load at all (MLX, exl2): the reason, else None.
    unsupported_reason: str | None = None
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ParserFacts(Frozen):
    reasoning_parser: str | None = None
    tool_call_parser: str | None = None
    chat_template: Literal["tokenizer_config.json", "chat_template.jinja", "chat_template.json"] | None = None
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ModelFacts(Frozen):
    source: Literal["local", "hf", "modelscope"]
    id: str
    path: str | None = None
    revision: str | None = None
    architectures: tuple[str, ...] = ()
    model_type: str | None = None
    arch: ArchitectureFacts
    weights: WeightFacts
    quantization: QuantizationFacts | None = None
    parsers: ParserFacts = field(default_factory=ParserFacts)
    has_tokenizer: bool = False
    # config.json declares auto_map: loading may need --trust-remote-code.
    has_remote_code: bool = False
    generation_config: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def architecture(self) -> str | None:
        return self.architectures[0] if self.architectures else None

    @property
    def has_weights(self) -> bool:
        return self.weights.source == "safetensors"
