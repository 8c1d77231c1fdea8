"""config.json -> ArchitectureFacts: the text model's geometry, as vLLM reads it.

Vision-language and omni models keep the text model in a nested section (text_config,
thinker_config.text_config, llm_config, language_config); that section is what vLLM sizes the
KV cache from. Every field is type-checked: a wrong type is a ModelFileError naming config.json
and the field, never a traceback.
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from dataclasses import dataclass

from wizard.errors import ModelFileError
from wizard.model.facts import ArchitectureFacts, LinearAttentionFacts, MlaFacts, MoeFacts
from wizard.i18n import msg

# Every key vLLM's _get_and_verify_max_len consults, in its order.
MAX_LENGTH_KEYS = (
    "max_position_embeddings", "n_positions", "max_seq_len", "seq_length",
    "max_target_positions", "max_sequence_length", "max_seq_length", "seq_len",
)
# Older architectures spell the core fields differently; the first key present wins.
_ALIASES: dict[str, tuple[str, ...]] = {
    "hidden_size": ("hidden_size", "n_embd", "d_model"),
    "num_hidden_layers": ("num_hidden_layers", "n_layer", "num_layers"),
    "num_attention_heads": ("num_attention_heads", "n_head", "num_heads"),
    "intermediate_size": ("intermediate_size", "n_inner", "ffn_hidden_size"),
}
# transformers' defaults for model types whose nested text_config usually omits fields (gemma-3,
# llava's llama/mistral towers): the real model uses these values, so we must too.
_DEFAULTS: dict[str, dict[str, object]] = {
    "llama": {"vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
              "num_attention_heads": 32, "max_position_embeddings": 2048},
    "mistral": {"vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
                "num_attention_heads": 32, "num_key_value_heads": 8, "max_position_embeddings": 131072},
    "qwen2": {"vocab_size": 151936, "hidden_size": 4096, "intermediate_size": 22016, "num_hidden_layers": 32,
              "num_attention_heads": 32, "max_position_embeddings": 32768},
    "gemma3_text": {"vocab_size": 262208, "hidden_size": 2304, "intermediate_size": 9216, "num_hidden_layers": 26,
                    "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256,
                    "max_position_embeddings": 131072, "sliding_window": 4096, "sliding_window_pattern": 6,
                    "tie_word_embeddings": True, "rope_theta": 1_000_000.0},
}
_TIED_BY_DEFAULT = ("gemma", "gemma2", "gemma3", "gemma3_text")
# Beyond these a value is hostile, not a model: it would make later loops or arithmetic absurd.
_MAX_LAYERS = 100_000
_MAX_DIM = 1 << 40
# tokenizer_config.json writes 1e30 (VERY_LARGE_INTEGER) when it has no real limit.
_MAX_SANE_LENGTH = 1 << 40


@dataclass(frozen=True)
class LayerCounts:
    num_layers: int
    full: int
    sliding: int = 0
    sliding_window: int | None = None
    linear: LinearAttentionFacts | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedConfig:
    architectures: tuple[str, ...]
    model_type: str | None
    arch: ArchitectureFacts
    # The text model's section (transformers' defaults filled in); its prefix is "" at the top
    # level, else e.g. "text_config.".
    section: Fields
    # As declared; differs from arch.num_layers for Nemotron-H (MLP-only blocks). MTP layers sit above it.
    num_hidden_layers: int
    has_remote_code: bool
    notes: tuple[str, ...]


class Fields:
    """Typed access to one config section; errors name config.json and the dotted field."""

    def __init__(self, data: Mapping[str, object], file: str, prefix: str = "") -> None:
        self.data, self.file, self.prefix = data, file, prefix

    def fail(self, key: str, problem: str) -> ModelFileError:
        return ModelFileError(self.file, msg("model.error.field", field=f"{self.prefix}{key}", problem=problem))

    def integer(self, key: str, *, required: bool = False, limit: int = _MAX_DIM, minimum: int = 0) -> int | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(key, msg("model.problem.missing_field"))
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(key, msg("model.problem.not_integer", value=_show(value)))
        if not minimum <= value <= limit:
            raise self.fail(key, msg("model.problem.out_of_range", value=value))
        return value

    def required(self, key: str, *, limit: int = _MAX_DIM, minimum: int = 0) -> int:
        """An integer field that must be present (a missing one raises)."""
        value = self.integer(key, required=True, limit=limit, minimum=minimum)
        assert value is not None  # integer(required=True) raises instead of returning None
        return value

    def first_required(self, keys: tuple[str, ...], *, limit: int = _MAX_DIM, minimum: int = 0) -> int:
        """The first present of several spellings of a required integer field."""
        value = self.first_integer(keys, required=True, limit=limit, minimum=minimum)
        assert value is not None  # first_integer(required=True) raises instead of returning None
        return value

    def first_integer(self, keys: tuple[str, ...], **kw) -> int | None:
        for key in keys:
            if self.data.get(key) is not None:
                return self.integer(key, **kw)
        if kw.get("required"):
            raise self.fail(keys[0], msg("model.problem.missing_field"))
        return None

    def _typed(self, key: str, types: tuple[type, ...], what: str):
        value = self.data.get(key)
        if value is None or (isinstance(value, types) and (bool in types or not isinstance(value, bool))):
            return value
        raise self.fail(key, msg("model.problem.wrong_type", what=what, value=_show(value)))

    def number(self, key: str) -> float | None:
        value = self._typed(key, (int, float), msg("model.what.number"))
        return None if value is None else float(value)

    def flag(self, key: str) -> bool | None:
        return self._typed(key, (bool,), msg("model.what.bool"))

    def text(self, key: str) -> str | None:
        return self._typed(key, (str,), "a string")

    def obj(self, key: str) -> dict | None:
        return self._typed(key, (dict,), "an object")

    def array(self, key: str) -> list | None:
        return self._typed(key, (list,), "a list")


def _show(value: object) -> str:
    return f"{type(value).__name__} {reprlib.repr(value)}"  # bounded, however big the value


def text_section(raw: Mapping[str, object], file: str) -> tuple[Mapping[str, object], str]:
    """The section holding the text model, and its dotted name."""
    top = Fields(raw, file)
    thinker = top.obj("thinker_config")
    if thinker is not None:
        nested = Fields(thinker, file, "thinker_config.").obj("text_config")
        if nested is not None:
            return nested, "thinker_config.text_config"
    for key in ("text_config", "llm_config", "language_config"):
        nested = top.obj(key)
        if nested:
            return nested, key
    return raw, ""


def parse_config(raw: object, file: str, tokenizer_max_length: int | float | None = None) -> ParsedConfig:
    """Validate config.json's parsed JSON and derive the architecture facts."""
    if not isinstance(raw, dict):
        raise ModelFileError(file, msg("model.problem.json_object_got", kind=type(raw).__name__))
    top = Fields(raw, file)
    architectures = _architectures(top)
    section, name = text_section(raw, file)
    text_type = Fields(section, file).text("model_type")
    notes: list[str] = []
    data = _with_defaults(section, text_type, name, notes)
    f = Fields(data, file, f"{name}." if name else "")

    hidden = f.first_required(_ALIASES["hidden_size"], minimum=1)
    declared_layers = f.first_required(_ALIASES["num_hidden_layers"], minimum=1, limit=_MAX_LAYERS)
    heads = f.first_required(_ALIASES["num_attention_heads"], minimum=1)
    vocab = f.required("vocab_size", minimum=1)
    kv_heads = f.first_integer(("num_key_value_heads", "num_kv_heads", "multi_query_group_num"), minimum=1)
    if kv_heads is None:
        kv_heads = 1 if f.flag("multi_query") else heads
    mla = _mla(f)
    head_dim = (mla.qk_rope_head_dim + (mla.qk_nope_head_dim or 0)) if mla else f.integer("head_dim", minimum=1)
    if head_dim is None:
        if hidden % heads:
            raise f.fail("hidden_size", msg("model.problem.heads", hidden=hidden, heads=heads))
        head_dim = hidden // heads

    counts: LayerCounts = count_layers(f, text_type or top.text("model_type"), declared_layers, hidden)
    notes.extend(counts.notes)
    rope_scaling, rope_theta = _rope(f)
    dtype = f.text("torch_dtype") or f.text("dtype") or top.text("torch_dtype") or top.text("dtype")
    tied = next((t for t in (f.flag("tie_word_embeddings"), top.flag("tie_word_embeddings")) if t is not None),
                (text_type or top.text("model_type")) in _TIED_BY_DEFAULT)

    arch = ArchitectureFacts(
        hidden_size=hidden,
        num_layers=counts.num_layers,
        num_attention_heads=heads,
        num_kv_heads=kv_heads,
        head_dim=head_dim,
        intermediate_size=f.first_integer(_ALIASES["intermediate_size"]),
        vocab_size=vocab,
        tie_word_embeddings=tied,
        torch_dtype=dtype,
        max_length_keys=_max_lengths(f),
        tokenizer_model_max_length=_sane_length(tokenizer_max_length),
        rope_scaling=rope_scaling,
        rotary_dim=_rotary_dim(f, head_dim, mla),
        rope_theta=rope_theta,
        full_attention_layers=counts.full,
        sliding_window_layers=counts.sliding,
        sliding_window=counts.sliding_window,
        moe=_moe(f),
        mla=mla,
        linear_attention=counts.linear,
        has_vision=_has_part(raw, ("vision_config", "vision_tower", "mm_vision_tower", "visual")),
        has_audio=_has_part(raw, ("audio_config",)),
    )
    vision = _vision.parse_vision(raw, file, hidden, f)
    if vision is not None:
        arch = arch.model_copy(update={"vision": vision})
    return ParsedConfig(
        architectures=architectures,
        model_type=top.text("model_type"),
        arch=arch,
        section=f,
        num_hidden_layers=declared_layers,
        has_remote_code=top.obj("auto_map") is not None,
        notes=tuple(notes),
    )


# vision.py reads its section through Fields above; imported as a module, after Fields, so either
# module may be imported first.
from wizard.model import vision as _vision  # noqa: E402


def _architectures(top: Fields) -> tuple[str, ...]:
    value = top.array("architectures") or []
    if not all(isinstance(a, str) for a in value):
        raise top.fail("architectures", "must be a list of strings")
    return tuple(value)


def _with_defaults(section: Mapping[str, object], text_type: str | None, name: str, notes: list[str]) -> Mapping[str, object]:
    defaults = _DEFAULTS.get(text_type or "") if name else None
    if not defaults:
        return section
    missing = [k for k in defaults if section.get(k) is None]
    if not missing:
        return section
    notes.append(msg("model.note.defaults", name=name, keys=", ".join(missing), kind=text_type))
    return {**section, **{k: defaults[k] for k in missing}}


def _mla(f: Fields) -> MlaFacts | None:
    rank = f.integer("kv_lora_rank", minimum=1)
    if rank is None:
        return None
    return MlaFacts(
        kv_lora_rank=rank,
        qk_rope_head_dim=f.required("qk_rope_head_dim", minimum=1),
        qk_nope_head_dim=f.integer("qk_nope_head_dim"),
        v_head_dim=f.integer("v_head_dim"),
        q_lora_rank=f.integer("q_lora_rank", minimum=1),
    )


def _moe(f: Fields) -> MoeFacts | None:
    experts = f.first_integer(("num_experts", "num_local_experts", "n_routed_experts"))
    if experts is None or experts <= 1:
        return None
    moe_size = f.integer("moe_intermediate_size")
    # Mixtral and gpt-oss size their experts with intermediate_size itself.
    if moe_size is None:
        moe_size = f.first_integer(_ALIASES["intermediate_size"])
    return MoeFacts(
        num_experts=experts,
        experts_per_token=f.first_integer(("num_experts_per_tok", "experts_per_token")),
        moe_intermediate_size=moe_size,
        shared_expert_intermediate_size=f.first_integer(
            ("shared_expert_intermediate_size", "moe_shared_expert_intermediate_size", "shared_intermediate_size")
        ) or None,
        num_shared_experts=f.first_integer(("n_shared_experts", "num_shared_experts")),
        first_dense_layers=f.integer("first_k_dense_replace", limit=_MAX_LAYERS) or 0,
    )


def _max_lengths(f: Fields) -> dict[str, int]:
    values = {key: f.integer(key, limit=1 << 62) for key in MAX_LENGTH_KEYS}
    return {key: value for key, value in values.items() if value is not None}


def _sane_length(value: object) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= _MAX_SANE_LENGTH:
        return int(value)
    return None


def _rope(f: Fields) -> tuple[dict | None, float | None]:
    scaling = f.obj("rope_scaling")
    theta = f.number("rope_theta")
    # transformers 5 folds both into rope_parameters.
    params = f.obj("rope_parameters")
    if params is not None:
        if theta is None:
            theta = Fields(params, f.file, f"{f.prefix}rope_parameters.").number("rope_theta")
        if scaling is None and params.get("rope_type", "default") != "default":
            scaling = params
    return (_flat(f, "rope_scaling", scaling) if scaling else None), theta


def _flat(f: Fields, key: str, value: dict) -> dict:
    # Only scalars and short lists are meaningful here; deeper nesting is not a rope config.
    for v in value.values():
        if isinstance(v, dict) or (isinstance(v, list) and any(isinstance(x, (list, dict)) for x in v)):
            raise f.fail(key, "must hold only numbers, strings and lists of them")
    return dict(value)


def _rotary_dim(f: Fields, head_dim: int, mla: MlaFacts | None) -> int:
    if mla is not None:
        return mla.qk_rope_head_dim
    explicit = f.integer("rotary_dim", minimum=1)
    if explicit is not None:
        return explicit
    factor = f.number("partial_rotary_factor")
    if factor is not None:
        if not 0 < factor <= 1:
            raise f.fail("partial_rotary_factor", msg("model.problem.partial_rotary", factor=factor))
        return int(head_dim * factor)
    return head_dim


def _has_part(raw: Mapping[str, object], keys: tuple[str, ...]) -> bool:
    thinker = raw.get("thinker_config")
    sections = (raw, thinker) if isinstance(thinker, dict) else (raw,)
    return any(s.get(k) for s in sections for k in keys)


# ---- layer kinds: full attention, sliding window, or recurrent (GDN / Mamba2) ---------------------

_KIND_OF: dict[str, str] = {
    "full_attention": "full", "attention": "full", "global": "full", "global_attention": "full",
    "sliding_attention": "sliding", "sliding": "sliding", "local": "sliding", "local_attention": "sliding",
    "chunked_attention": "sliding",
    "linear_attention": "linear", "mamba": "linear", "mamba2": "linear",
}
# Nemotron-H's hybrid_override_pattern: M = Mamba2, * = attention, - = MLP-only, E = MoE-only.
_PATTERN_KIND = {"M": "linear", "*": "full", "-": None, "E": None}


def count_layers(f: Fields, model_type: str | None, n: int, hidden: int) -> LayerCounts:
    """How many layers of each kind; they add up to num_layers (Falcon-H1, with attention and
    Mamba2 side by side in every layer, is the one exception and says so)."""
    mt = model_type or ""
    notes: list[str] = []
    pattern = f.text("hybrid_override_pattern")
    layer_types = f.array("layer_types")
    if pattern is not None:
        bad = sorted(set(pattern) - set(_PATTERN_KIND))
        if bad or len(pattern) != n:
            raise f.fail("hybrid_override_pattern", msg("model.problem.hybrid_pattern", n=n))
        kinds: list[str] = [k for c in pattern if (k := _PATTERN_KIND[c])]
        notes.append(msg("model.note.mlp_only", mlp=n - len(kinds), n=n, counted=len(kinds)))
    elif layer_types is not None:
        if len(layer_types) < n or not all(isinstance(t, str) for t in layer_types):
            raise f.fail("layer_types", msg("model.problem.layer_types", n=n))
        kinds = [_KIND_OF.get(t.lower(), "full") for t in layer_types[:n]]
        unknown = sorted({t for t in layer_types[:n] if t.lower() not in _KIND_OF})
        if unknown:
            notes.append(msg("model.note.unknown_layer_types", types=reprlib.repr(unknown)))
    elif mt == "falcon_h1":
        notes.append(msg("model.note.falcon_h1"))
        return LayerCounts(n, n, linear=_linear(f, mt, n, hidden), notes=tuple(notes))
    elif (idx := f.array("attn_layer_indices")) is not None:
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in idx):
            raise f.fail("attn_layer_indices", "must be a list of integers")
        attention = set(idx)
        kinds = ["full" if i in attention else "linear" for i in range(n)]
    elif (period := f.integer("attn_layer_period", minimum=1)) is not None:
        offset = f.integer("attn_layer_offset") or 0
        kinds = ["full" if i % period == offset else "linear" for i in range(n)]
    elif (interval := f.integer("full_attention_interval", minimum=1)) is not None:
        kinds = ["full" if (i + 1) % interval == 0 else "linear" for i in range(n)]
    else:
        kinds = _sliding_kinds(f, mt, n)
    full, sliding, linear = (kinds.count(k) for k in ("full", "sliding", "linear"))
    window = None
    if sliding:
        window = f.integer("sliding_window") or f.integer("attention_chunk_size")
        if window is None:
            raise f.fail("sliding_window", "is missing but some layers use sliding-window attention")
    return LayerCounts(
        num_layers=len(kinds), full=full, sliding=sliding, sliding_window=window,
        linear=_linear(f, mt, linear, hidden) if linear else None,
        notes=tuple(notes),
    )


def _sliding_kinds(f: Fields, mt: str, n: int) -> list[str]:
    window = f.integer("sliding_window")  # some configs write 0 for "no window"
    if not window or f.flag("use_sliding_window") is False:
        return ["full"] * n
    if mt in ("gemma2", "gpt_oss"):  # vLLM: even layers slide, odd layers see everything
        return ["sliding" if i % 2 == 0 else "full" for i in range(n)]
    pattern = f.integer("sliding_window_pattern", minimum=1)
    if pattern is None and mt.startswith("gemma3"):
        pattern = 6
    if pattern is not None:  # every pattern-th layer is global (Gemma-3, Cohere2)
        return ["full" if (i + 1) % pattern == 0 else "sliding" for i in range(n)]
    if f.flag("use_sliding_window"):  # Qwen2: only layers from max_window_layers on slide
        first = f.integer("max_window_layers", limit=_MAX_LAYERS) or 0
        return ["sliding" if i >= first else "full" for i in range(n)]
    return ["sliding"] * n  # Mistral-7B-v0.1, Phi-3: one window everywhere


def _linear(f: Fields, mt: str, count: int, hidden: int) -> LinearAttentionFacts:
    if f.data.get("linear_num_value_heads") is not None or mt.startswith(("qwen3_next", "qwen3_5")):
        return LinearAttentionFacts(
            kind="gdn", num_layers=count,
            conv_kernel=f.integer("linear_conv_kernel_dim", minimum=1) or 4,
            num_key_heads=f.required("linear_num_key_heads", minimum=1),
            num_value_heads=f.required("linear_num_value_heads", minimum=1),
            key_head_dim=f.required("linear_key_head_dim", minimum=1),
            value_head_dim=f.required("linear_value_head_dim", minimum=1),
        )
    heads = f.first_integer(("mamba_num_heads", "mamba_n_heads"), minimum=1)
    head_dim = None if f.data.get("mamba_d_head") == "auto" else f.first_integer(("mamba_head_dim", "mamba_d_head"), minimum=1)
    expand = f.first_integer(("mamba_expand", "expand"), minimum=1) or 2
    inner = f.integer("mamba_d_ssm", minimum=1) or (heads * head_dim if heads and head_dim else expand * hidden)
    if heads and head_dim is None:
        head_dim = inner // heads
    if heads is None and mt == "jamba":
        # Mamba-1: one state of intermediate x d_state per layer, i.e. Mamba2's formula with one head.
        heads, head_dim = 1, inner
    return LinearAttentionFacts(
        kind="mamba2", num_layers=count,
        conv_kernel=f.first_integer(("conv_kernel", "mamba_d_conv"), minimum=1) or 4,
        num_heads=heads, head_dim=head_dim,
        state_size=f.first_integer(("ssm_state_size", "mamba_d_state", "state_size"), minimum=1),
        n_groups=f.first_integer(("n_groups", "mamba_n_groups"), minimum=1) or 1,
        intermediate_size=inner,
    )
