"""`vllm-wizard inspect` in a subprocess: output forms, and exit 2 with one clear line for hostile input."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from inspect_fixtures import LLAMA_31_8B, QWEN3_06B, dense_tensors, make_folder

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wizard", "inspect", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_json_output_is_model_facts(tmp_path):
    folder = make_folder(tmp_path, "Qwen3-0.6B", QWEN3_06B, dense_tensors(QWEN3_06B, layers=2))
    out = run_cli(str(folder), "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["id"] == "Qwen3-0.6B" and doc["arch"]["num_kv_heads"] == 8 and doc["weights"]["source"] == "safetensors"


def test_human_output(tmp_path):
    folder = make_folder(tmp_path, "m", LLAMA_31_8B, dense_tensors(LLAMA_31_8B, layers=2),
                         extra_files={"quantize_config.json": {"bits": 4, "group_size": 128}})
    out = run_cli(str(folder))
    assert out.returncode == 0, out.stderr
    for needle in ("LlamaForCausalLM", "GQA, 32 heads, 8 KV heads", "by dtype", "BF16", "by role", "attn_kv",
                   "gptq (from quantize_config.json, needs --quantization)", "max_position_embeddings 131072",
                   "notes", "GiB"):
        assert needle in out.stdout


def header_file(path: Path, header: bytes, data: bytes = b"", length: int | None = None) -> None:
    path.write_bytes(struct.pack("<Q", len(header) if length is None else length) + header + data)


def entry(**over: object) -> bytes:
    tensor = {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 8], **over}
    return json.dumps({"model.norm.weight": {k: v for k, v in tensor.items() if v is not ...}}).encode()


HOSTILE_SHARDS = {
    "truncated_prefix": lambda p: p.write_bytes(b"\x10\x00\x00"),
    "empty_file": lambda p: p.write_bytes(b""),
    "header_past_end": lambda p: header_file(p, b"{}", length=4096),
    "absurd_length": lambda p: header_file(p, b"{}", length=1 << 40),
    "zero_length": lambda p: header_file(p, b"", length=0),
    "not_json": lambda p: header_file(p, b"{not json at all", b"\0" * 8),
    "not_utf8": lambda p: header_file(p, b"\xff\xfe\xfa{}", b""),
    "nan": lambda p: header_file(p, b'{"a": NaN}'),
    "header_is_list": lambda p: header_file(p, b"[1, 2, 3]"),
    "entry_not_object": lambda p: header_file(p, b'{"x": 5}'),
    "dtype_wrong_type": lambda p: header_file(p, entry(dtype=7), b"\0" * 8),
    "shape_wrong_type": lambda p: header_file(p, entry(shape="2x2"), b"\0" * 8),
    "negative_dim": lambda p: header_file(p, entry(shape=[-2, 2]), b"\0" * 8),
    "offsets_one_number": lambda p: header_file(p, entry(data_offsets=[8]), b"\0" * 8),
    "offsets_reversed": lambda p: header_file(p, entry(data_offsets=[8, 0]), b"\0" * 8),
    "offsets_outside_file": lambda p: header_file(p, entry(data_offsets=[0, 8]), b"\0" * 4),
    "missing_offsets": lambda p: header_file(p, entry(data_offsets=...), b"\0" * 8),
    "size_mismatch": lambda p: header_file(p, entry(shape=[3, 3]), b"\0" * 8),
    "metadata_not_strings": lambda p: header_file(p, b'{"__metadata__": {"format": 1}}'),
    "deep_nesting": lambda p: header_file(p, b"[" * 100_000 + b"]" * 100_000),
    "huge_integer": lambda p: header_file(p, entry().replace(b"[2, 2]", b"[" + b"9" * 5000 + b"]"), b"\0" * 8),
    "a_directory": lambda p: p.mkdir(),
}


def assert_one_line_error(out: subprocess.CompletedProcess, file_name: str) -> None:
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vllm-wizard: ") and file_name in lines[0], out.stderr


@pytest.mark.parametrize("case", sorted(HOSTILE_SHARDS))
def test_hostile_safetensors(tmp_path, case):
    folder = make_folder(tmp_path, "m", LLAMA_31_8B)
    HOSTILE_SHARDS[case](folder / "model.safetensors")
    assert_one_line_error(run_cli(str(folder)), "model.safetensors")


HOSTILE_JSON = {
    "config.json": [b"{not json", b"[1, 2]", b'{"hidden_size": "big"}', b"\xff\xfe", b"[" * 50_000 + b"]" * 50_000,
                    json.dumps({**LLAMA_31_8B, "num_attention_heads": 0}).encode(),
                    json.dumps({**LLAMA_31_8B, "quantization_config": [1]}).encode()],
    "model.safetensors.index.json": [b"{", b'{"weight_map": []}', b'{"weight_map": {"a": 1}}',
                                     b'{"weight_map": {"a": "/etc/passwd"}}', b'{"weight_map": {"a": "gone.safetensors"}}'],
    "tokenizer_config.json": [b"{oops", b"3", b'{"chat_template": 12}'],
    "generation_config.json": [b"nope", b"[]"],
    "hf_quant_config.json": [b"{", b'{"quantization": 5}'],
    "chat_template.jinja": [b"\xff\xfe\x00bad"],
}


@pytest.mark.parametrize("file_name,content", [(f, c) for f, cs in HOSTILE_JSON.items() for c in cs],
                         ids=[f"{f}-{i}" for f, cs in HOSTILE_JSON.items() for i in range(len(cs))])
def test_hostile_side_files(tmp_path, file_name, content):
    folder = make_folder(tmp_path, "m", LLAMA_31_8B, dense_tensors(LLAMA_31_8B, layers=1))
    (folder / file_name).write_bytes(content)
    assert_one_line_error(run_cli(str(folder)), file_name)


def test_missing_folder_and_missing_shard(tmp_path):
    out = run_cli(str(tmp_path / "nowhere"))
    assert out.returncode == 2 and out.stderr.strip() == f"vllm-wizard: no such model folder: {tmp_path / 'nowhere'}"
    folder = make_folder(tmp_path, "m", LLAMA_31_8B, dense_tensors(LLAMA_31_8B, layers=8), shards=3)
    (folder / "model-00002-of-00003.safetensors").unlink()
    out = run_cli(str(folder), "--json")
    assert_one_line_error(out, "model.safetensors.index.json")
    assert "model-00002-of-00003.safetensors" in out.stderr
