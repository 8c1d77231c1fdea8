"""ModelFacts -> the human text `vllm-wizard inspect` prints (the --json form is model_dump), in the
language the edge chose (numbers, dtypes and config keys as they are)."""

from __future__ import annotations

import unicodedata

from wizard.i18n import localize, msg
from wizard.model.facts import ArchitectureFacts, ModelFacts, QuantizationFacts

GIB = 1 << 30
_WIDTH = 14


def _gib(n: int) -> str:
    return f"{n / GIB:.2f} GiB"


def _params(n: int) -> str:
    return f"{n / 1e9:.2f} B" if n >= 1e8 else f"{n / 1e6:.1f} M"


def _t(lang: str | None, key: str, **params: object) -> str:
    return msg(key, **params).render(lang)


def _line(label: str, value: str) -> str:
    gap = max(0, _WIDTH - sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in label))
    return f"  {label}{' ' * gap} {value}"


def _layers(a: ArchitectureFacts, lang: str | None = None) -> str:
    parts = [_t(lang, "model.report.full_attention", n=a.full_attention_layers)]
    if a.sliding_window_layers:
        parts.append(_t(lang, "model.report.sliding", n=a.sliding_window_layers, window=a.sliding_window))
    if a.linear_attention:
        parts.append(f"{a.linear_attention.num_layers} {a.linear_attention.kind.upper()}")
    return _t(lang, "model.report.layers", n=a.num_layers, parts=_t(lang, "common.list_sep").join(parts))


def _attention(a: ArchitectureFacts, lang: str | None = None) -> str:
    if a.mla:
        m = a.mla
        return _t(lang, "model.report.mla", heads=a.num_attention_heads, rank=m.kv_lora_rank, rope=m.qk_rope_head_dim)
    kind = "MHA" if a.num_kv_heads == a.num_attention_heads else "MQA" if a.num_kv_heads == 1 else "GQA"
    return _t(lang, "model.report.attention", kind=kind, heads=a.num_attention_heads, kv=a.num_kv_heads, dim=a.head_dim)


def _quant(q: QuantizationFacts | None, lang: str | None = None) -> str:
    if q is None:
        return _t(lang, "model.report.no_quant")
    bits = [_t(lang, "model.report.bits", bits=q.bits) if q.bits else None,
            _t(lang, "model.report.group", size=q.group_size) if q.group_size else None,
            "desc_act" if q.desc_act else None, _t(lang, "model.report.lm_head") if q.lm_head_quantized else None,
            _t(lang, "model.report.kv_scheme", scheme=q.kv_cache_scheme) if q.kv_cache_scheme else None]
    detail = _t(lang, "common.list_sep").join(b for b in bits if b)
    auto = "" if q.auto_detected else _t(lang, "model.report.needs_flag")
    text = _t(lang, "model.report.quant", method=q.method, file=q.source_file, auto=auto) + (f": {detail}" if detail else "")
    return text + (_t(lang, "model.report.unsupported", reason=localize(q.unsupported_reason, lang))
                   if q.unsupported_reason else "")


def format_facts(f: ModelFacts, lang: str | None = None) -> str:
    a, w = f.arch, f.weights

    def t(key: str, **params: object) -> str:
        return _t(lang, key, **params)

    sep = t("common.list_sep")
    lines = [f"{f.id}" + (f"  @ {f.revision}" if f.revision else ""), _line(t("model.report.l_path"), f.path or "-")]
    lines.append(_line(t("model.report.l_architecture"), f"{f.architecture or '?'} (model_type {f.model_type or '?'})"))
    lines.append(_line(t("model.report.l_layers"), _layers(a, lang)))
    lines.append(_line(t("model.report.l_attention"), _attention(a, lang)))
    lines.append(_line(t("model.report.l_hidden"), t("model.report.hidden", hidden=a.hidden_size,
                                                       intermediate=a.intermediate_size or "-", vocab=a.vocab_size)
                       + (t("model.report.tied") if a.tie_word_embeddings else "")))
    if a.moe:
        m = a.moe
        lines.append(_line(t("model.report.l_experts"),
                           t("model.report.experts", n=m.num_experts, k=m.experts_per_token or "?",
                             size=m.moe_intermediate_size or "?")
                           + (t("model.report.dense_first", n=m.first_dense_layers) if m.first_dense_layers else "")))
    extras = [t(key) for key, on in (("model.report.vision", a.has_vision), ("model.report.audio", a.has_audio)) if on]
    if extras:
        lines.append(_line(t("model.report.l_multimodal"), " + ".join(extras)))
    source = (t("model.report.from_headers", files=w.shard_count, tensors=w.tensor_count) if w.source == "safetensors"
              else t("model.report.estimated"))
    lines.append(_line(t("model.report.l_params"), t("model.report.params", params=_params(w.params), source=source)))
    lines.append(_line(t("model.report.l_weights"), f"{_gib(w.total_bytes)}"
                       + (t("model.report.mostly", dtype=w.checkpoint_dtype) if w.checkpoint_dtype else "")))
    lines.append(_line(t("model.report.l_by_dtype"), sep.join(f"{d} {_gib(b)}" for d, b in w.bytes_by_dtype.items()) or "-"))
    lines.append(_line(t("model.report.l_by_role"), sep.join(f"{r} {_gib(b)}" for r, b in w.bytes_by_role.items()) or "-"))
    lines.append(_line(t("model.report.l_quantization"), _quant(f.quantization, lang)))
    p = f.parsers
    lines.append(_line(t("model.report.l_parsers"),
                       t("model.report.parsers", reasoning=p.reasoning_parser or "-", tools=p.tool_call_parser or "-")
                       + (t("model.report.template_from", source=p.chat_template) if p.chat_template
                          else t("model.report.no_template"))))
    lengths = sep.join(f"{k} {v}" for k, v in a.max_length_keys.items()) or "-"
    if a.tokenizer_model_max_length:
        lengths += t("model.report.tokenizer_max", n=a.tokenizer_model_max_length)
    lines.append(_line(t("model.report.l_max_length"), lengths))
    flags = [t(key) for key, on in (("model.report.tokenizer", f.has_tokenizer),
                                    ("model.report.remote_code", f.has_remote_code)) if on]
    lines.append(_line(t("model.report.l_has"), sep.join(flags) or t("model.report.no_tokenizer")))
    for i, note in enumerate(f.notes):
        lines.append(_line(t("model.report.l_notes") if i == 0 else "", localize(note, lang)))
    return "\n".join(lines)
