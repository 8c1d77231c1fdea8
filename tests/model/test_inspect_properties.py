"""Properties: whatever bytes or JSON a model folder holds, the parsers raise nothing but ModelFileError."""

from __future__ import annotations

import json
import struct
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from inspect_fixtures import (
    DEEPSEEK_V3, GEMMA3_4B, GPT_OSS_120B, GRANITE_4_H_SMALL, LLAMA_31_8B, NEMOTRON_H_9B, QWEN3_NEXT_80B,
    QWEN25_OMNI_7B, QWEN35_27B,
)

from wizard.errors import ModelFileError
from wizard.model.config import parse_config
from wizard.model.estimate import mlp_layout
from wizard.model.facts import TENSOR_ROLES
from wizard.model.parsers import detect_parsers
from wizard.model.quantization import detect_quantization
from wizard.model.roles import FUSED_QKV, classify
from wizard.model.safetensors_header import parse_header, read_header

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)


def only_model_file_errors(fn, *args, **kw):
    try:
        return fn(*args, **kw)
    except ModelFileError as exc:
        assert exc.problem and "\n" not in str(exc)
        return None


@given(st.binary(max_size=512), st.none() | st.integers(min_value=0, max_value=1 << 20))
def test_header_bytes(raw, data_size):
    only_model_file_errors(parse_header, raw, data_size, "model.safetensors")


@given(json_values)
def test_header_any_json(value):
    only_model_file_errors(parse_header, json.dumps(value).encode(), 64, "model.safetensors")


tensor_entries = st.fixed_dictionaries({}, optional={
    "dtype": st.sampled_from(["BF16", "F32", "U8", "I32", "F4"]) | json_values,
    "shape": st.lists(st.integers(min_value=-2, max_value=64), max_size=3) | json_values,
    "data_offsets": st.lists(st.integers(min_value=-4, max_value=5000), min_size=2, max_size=2) | json_values,
})


@given(st.dictionaries(st.text(max_size=30), tensor_entries | json_values, max_size=4), st.integers(0, 4096))
def test_header_structured(header, data_size):
    parsed = only_model_file_errors(parse_header, json.dumps(header).encode(), data_size, "model.safetensors")
    if parsed is not None:
        assert all(0 <= t.nbytes <= data_size for t in parsed.tensors.values())


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=64), st.integers(min_value=0, max_value=1 << 62))
def test_read_header_from_files(payload, length):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.safetensors"
        path.write_bytes(struct.pack("<Q", length) + payload)
        only_model_file_errors(read_header, path)
        path.write_bytes(payload[:7])
        only_model_file_errors(read_header, path)


@given(json_values)
def test_config_any_json(value):
    only_model_file_errors(parse_config, value, "config.json")


REAL = [LLAMA_31_8B, DEEPSEEK_V3, GPT_OSS_120B, GEMMA3_4B, QWEN3_NEXT_80B, QWEN35_27B, NEMOTRON_H_9B,
        GRANITE_4_H_SMALL, QWEN25_OMNI_7B]
KEYS = sorted({k for c in REAL for k in c} | {k for c in REAL for sub in ("text_config",) for k in c.get(sub, {})})


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(REAL), st.sampled_from(KEYS), json_values, st.booleans())
def test_real_configs_with_one_field_broken(base, key, value, nested):
    cfg = json.loads(json.dumps(base))
    target = cfg["text_config"] if nested and "text_config" in cfg else cfg
    target[key] = value
    parsed = only_model_file_errors(parse_config, cfg, "config.json")
    if parsed is not None:
        a = parsed.arch
        linear = a.linear_attention.num_layers if a.linear_attention else 0
        if parsed.model_type != "falcon_h1":
            assert a.full_attention_layers + a.sliding_window_layers + linear == a.num_layers
        only_model_file_errors(detect_quantization, cfg, {}, text=parsed.section.data)
        only_model_file_errors(mlp_layout, parsed)


@given(json_values, json_values, json_values)
def test_quantization_any_json(block, hf_quant, quantize):
    cfg = {**LLAMA_31_8B, "quantization_config": block}
    only_model_file_errors(detect_quantization, cfg, {})
    only_model_file_errors(detect_quantization, LLAMA_31_8B, {"hf_quant_config.json": hf_quant})
    only_model_file_errors(detect_quantization, LLAMA_31_8B, {"quantize_config.json": quantize})


@given(st.text(max_size=200), st.sampled_from([None, "qwen3", "deepseek_v3", "gpt_oss", "llama", "mistral"]))
def test_parsers_never_raise(template, model_type):
    p = detect_parsers((model_type,), (), template, "chat_template.jinja")
    assert p.evidence


@given(st.text(max_size=80), st.none() | st.integers(0, 100))
def test_every_name_gets_a_role(name, layers):
    assert classify(name, layers) in (*TENSOR_ROLES, FUSED_QKV)
