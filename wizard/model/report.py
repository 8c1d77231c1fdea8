"""ModelFacts -> the human text `vllm-wizard inspect` prints (the --json form is model_dump)."""

from __future__ import annotations

from wizard.model.facts import ArchitectureFacts, ModelFacts, QuantizationFacts

GIB = 1 << 30
_WIDTH = 14


def _gib(n: int) -> str:
    return f"{n / GIB:.2f} GiB"


def _params(n: int) -> str:
    return f"{n / 1e9:.2f} B" if n >= 1e8 else f"{n / 1e6:.1f} M"


def _line(label: str, value: str) -> str:
    return f"  {label:<{_WIDTH}} {value}"


def _layers(a: ArchitectureFacts) -> str:
    parts = [f"{a.full_attention_layers} full attention"]
    if a.sliding_window_layers:
        parts.append(f"{a.sliding_window_layers} sliding window ({a.sliding_window} tokens)")
    if a.linear_attention:
        parts.append(f"{a.linear_attention.num_layers} {a.linear_attention.kind.upper()}")
    return f"{a.num_layers} ({', '.join(parts)})"


def _attention(a: ArchitectureFacts) -> str:
    if a.mla:
        m = a.mla
        return f"MLA, {a.num_attention_heads} heads, kv_lora_rank {m.kv_lora_rank}, qk_rope_head_dim {m.qk_rope_head_dim}"
    kind = "MHA" if a.num_kv_heads == a.num_attention_heads else "MQA" if a.num_kv_heads == 1 else "GQA"
    return f"{kind}, {a.num_attention_heads} heads, {a.num_kv_heads} KV heads, head_dim {a.head_dim}"


def _quant(q: QuantizationFacts | None) -> str:
    if q is None:
        return "none declared"
    bits = [f"{q.bits}-bit" if q.bits else None, f"group {q.group_size}" if q.group_size else None,
            "desc_act" if q.desc_act else None, "lm_head quantized" if q.lm_head_quantized else None,
            f"KV cache {q.kv_cache_scheme}" if q.kv_cache_scheme else None]
    detail = ", ".join(b for b in bits if b)
    auto = "" if q.auto_detected else ", needs --quantization"
    text = f"{q.method} (from {q.source_file}{auto}){': ' + detail if detail else ''}"
    return text + (f" - UNSUPPORTED: {q.unsupported_reason}" if q.unsupported_reason else "")


def format_facts(f: ModelFacts) -> str:
    a, w = f.arch, f.weights
    lines = [f"{f.id}" + (f"  @ {f.revision}" if f.revision else ""), _line("path", f.path or "-")]
    lines.append(_line("architecture", f"{f.architecture or '?'} (model_type {f.model_type or '?'})"))
    lines.append(_line("layers", _layers(a)))
    lines.append(_line("attention", _attention(a)))
    lines.append(_line("hidden", f"{a.hidden_size}, intermediate {a.intermediate_size or '-'}, vocab {a.vocab_size}"
                       + (", tied embeddings" if a.tie_word_embeddings else "")))
    if a.moe:
        m = a.moe
        lines.append(_line("experts", f"{m.num_experts} routed, {m.experts_per_token or '?'} per token, size "
                           f"{m.moe_intermediate_size or '?'}" + (f", {m.first_dense_layers} dense first" if m.first_dense_layers else "")))
    extras = [n for n, on in (("vision", a.has_vision), ("audio", a.has_audio)) if on]
    if extras:
        lines.append(_line("multimodal", " + ".join(extras)))
    source = (f"safetensors headers of {w.shard_count} file(s), {w.tensor_count} tensors" if w.source == "safetensors"
              else "estimated from the architecture")
    lines.append(_line("params", f"{_params(w.params)} ({source})"))
    lines.append(_line("weights", f"{_gib(w.total_bytes)}" + (f", mostly {w.checkpoint_dtype}" if w.checkpoint_dtype else "")))
    lines.append(_line("  by dtype", ", ".join(f"{d} {_gib(b)}" for d, b in w.bytes_by_dtype.items()) or "-"))
    lines.append(_line("  by role", ", ".join(f"{r} {_gib(b)}" for r, b in w.bytes_by_role.items()) or "-"))
    lines.append(_line("quantization", _quant(f.quantization)))
    p = f.parsers
    lines.append(_line("parsers", f"reasoning {p.reasoning_parser or '-'}, tool calls {p.tool_call_parser or '-'}"
                       + (f" (chat template from {p.chat_template})" if p.chat_template else " (no chat template)")))
    lengths = ", ".join(f"{k} {v}" for k, v in a.max_length_keys.items()) or "-"
    if a.tokenizer_model_max_length:
        lengths += f"; tokenizer model_max_length {a.tokenizer_model_max_length}"
    lines.append(_line("max length", lengths))
    flags = [n for n, on in (("tokenizer", f.has_tokenizer), ("remote code (auto_map)", f.has_remote_code)) if on]
    lines.append(_line("has", ", ".join(flags) or "no tokenizer files"))
    for i, note in enumerate(f.notes):
        lines.append(_line("notes" if i == 0 else "", note))
    return "\n".join(lines)
