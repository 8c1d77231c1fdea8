"""The command parser reads every spelling the release's own parser accepts, against the release
table (per-release flags from wizard/data/vllm_releases.json) or the installed vLLM's parser dump."""

from __future__ import annotations

import pytest

from wizard.check.command import MASK, parse_command, split_command
from wizard.check.flags import installed_flags, table_flags
from wizard.check.pins import pins_from_command
from wizard.errors import InputError

NEW = table_flags("0.20.0")
OLD = table_flags("0.6.3")


def pins(argv, table=NEW, **kw):
    parsed = parse_command(argv, table, **kw)
    return parsed, pins_from_command(parsed, table)


@pytest.mark.parametrize("argv", [
    ["vllm", "serve", "m", "--max-model-len", "8192"],
    ["vllm", "serve", "m", "--max-model-len=8192"],
    ["vllm", "serve", "m", "--max_model_len", "8192"],
    ["vllm", "serve", "m", "--max_model_len=8k"],
    ["vllm", "serve", "--max-model-len", "8192", "m"],
    ["python3", "-m", "vllm.entrypoints.openai.api_server", "--model", "m", "--max-model-len", "8192"],
    ["/opt/venv/bin/vllm", "serve", "m", "--max-model-len", "8192"],
    ["vllm serve m \\\n  --max-model-len 8192"],
])
def test_every_spelling_of_a_valued_flag(argv):
    parsed, cp = pins(argv)
    assert parsed.model == "m"
    assert cp.pins["max_model_len"] == (8000 if argv[-1].endswith("8k") else 8192)
    assert not parsed.unknown and not cp.bad_values


def test_booleans_and_their_negations_short_aliases_and_env():
    parsed, cp = pins(["CUDA_VISIBLE_DEVICES=0,1", "VLLM_USE_V1=1", "vllm", "serve", "m", "-tp", "2",
                       "--no-enable-prefix-caching", "--enforce-eager", "--enable-chunked-prefill",
                       "--trust-remote-code"])
    assert cp.pins == {"tensor_parallel_size": 2, "enable_prefix_caching": False, "enforce_eager": True,
                       "enable_chunked_prefill": True, "trust_remote_code": True}
    assert parsed.env == (("CUDA_VISIBLE_DEVICES", "0,1"), ("VLLM_USE_V1", "1"))


def test_store_boolean_of_an_old_release_takes_an_optional_value():
    _, cp = pins(["vllm", "serve", "m", "--enable-chunked-prefill", "False", "--max-model-len", "4096"], OLD)
    assert cp.pins["enable_chunked_prefill"] is False and cp.pins["max_model_len"] == 4096
    _, cp = pins(["vllm", "serve", "m", "--enable-chunked-prefill", "--max-model-len", "4096"], OLD)
    assert cp.pins["enable_chunked_prefill"] is True


def test_flags_the_release_does_not_have_are_unknown_not_a_crash():
    parsed, _ = pins(["vllm", "serve", "m", "--kv-cache-memory-bytes", "1G", "--reasoning-parser", "qwen3"], OLD)
    assert [u.option for u in parsed.unknown] == ["--kv-cache-memory-bytes", "--reasoning-parser"]
    parsed, cp = pins(["vllm", "serve", "m", "--kv-cache-memory-bytes", "1073741824"])
    assert not parsed.unknown and cp.pins["kv_cache_memory_bytes"] == 1 << 30


def test_choices_and_types_are_refused_as_the_parser_would():
    _, cp = pins(["vllm", "serve", "m", "--dtype", "bf16", "--max-model-len", "lots"])
    assert {b.option for b in cp.bad_values} == {"--dtype", "--max-model-len"}
    assert "invalid choice" in next(b.reason for b in cp.bad_values if b.option == "--dtype")


def test_flags_that_do_not_move_memory_are_kept():
    _, cp = pins(["vllm", "serve", "m", "--host", "0.0.0.0", "--port", "8001", "--served-model-name", "a", "b",
                  "--override-generation-config={\"temperature\": 0.4}"])
    assert cp.kept["host"] == "0.0.0.0" and cp.kept["port"] == "8001"
    assert cp.kept["served_model_name"] == ("a", "b")
    assert cp.kept["override_generation_config"] == '{"temperature": 0.4}'


@pytest.mark.parametrize("argv", [
    ["vllm", "serve", "m", "--api-key", "sk-live-123"],
    ["vllm", "serve", "m", "--api-key=sk-live-123"],
    ["VLLM_API_KEY=sk-live-123", "vllm", "serve", "m"],
    ["HF_TOKEN=sk-live-123", "vllm", "serve", "m", "--hf-token", "sk-live-123"],
])
def test_secrets_are_masked_while_parsing(argv):
    parsed, cp = pins(argv)
    assert "sk-live-123" not in repr(parsed) + repr(cp)
    assert MASK in repr(parsed)


def test_the_last_occurrence_wins_and_the_command_line_beats_the_config(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("model: m\nmax_model_len: 4096\ngpu-memory-utilization: 0.5\nenforce-eager: true\n"
                      "enable-prefix-caching: false\napi-key: topsecret\n", encoding="utf-8")
    parsed, cp = pins(["vllm", "serve", "--max-model-len", "1024", "--max-model-len", "2048"], config=config)
    assert parsed.model == "m"
    assert cp.pins["max_model_len"] == 2048 and cp.pins["gpu_memory_utilization"] == 0.5
    assert cp.pins["enforce_eager"] is True and cp.pins["enable_prefix_caching"] is False
    assert "topsecret" not in repr(parsed) + repr(cp)


def test_config_inside_the_command(tmp_path):
    config = tmp_path / "serve.yml"
    config.write_text("tensor-parallel-size: 2\nbogus-key: 1\n", encoding="utf-8")
    parsed, cp = pins(["vllm", "serve", "m", "--config", str(config)])
    assert cp.pins["tensor_parallel_size"] == 2
    assert [u.option for u in parsed.unknown] == ["--bogus-key"]


@pytest.mark.parametrize(("content", "name"), [("- a\n- b\n", "c.yaml"), ("a: [\n", "c.yaml"), ("a: 1\n", "c.json")])
def test_bad_config_files_are_input_errors(tmp_path, content, name):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError):
        parse_command(["vllm", "serve", "m"], NEW, config=path)


@pytest.mark.parametrize("argv", [[], ["ls", "-la"], ["vllm", "bench"], ["python", "train.py"], ["vllm serve 'm"]])
def test_what_is_not_a_serve_command_is_an_input_error(argv):
    with pytest.raises(InputError):
        parse_command(split_command(argv) if argv else argv, NEW)


def test_the_installed_parser_decides_when_it_is_asked():
    raw = {"arguments": [
        {"flags": ["--model"], "dest": "model", "choices": None, "takes_value": True, "nargs": None, "default": "x"},
        {"flags": ["--max-model-len"], "dest": "max_model_len", "choices": None, "takes_value": True, "nargs": None,
         "default": None},
        {"flags": ["--enforce-eager", "--no-enforce-eager"], "dest": "enforce_eager", "choices": None,
         "takes_value": False, "nargs": 0, "default": False},
        {"flags": ["--vendor-knob"], "dest": "vendor_knob", "choices": ["a", "b"], "takes_value": True,
         "nargs": None, "default": "a"},
    ], "registries": {"quantization": ["awq"]}}
    table = installed_flags(raw, "0.20.0+vendor")
    parsed, cp = pins(["vllm", "serve", "m", "--vendor-knob", "b", "--no-enforce-eager", "--max_model_len", "100",
                       "--tensor-parallel-size", "2"], table)
    assert table.source == "installed"
    assert cp.kept["vendor_knob"] == "b" and cp.pins == {"enforce_eager": False, "max_model_len": 100}
    assert [u.option for u in parsed.unknown] == ["--tensor-parallel-size"]


def test_values_of_ordinary_flags_named_like_tokens_are_not_masked():
    parsed, cp = pins(["vllm", "serve", "m", "--max-num-batched-tokens", "8192", "--", "--max-num-batched-tokens", "4"])
    assert cp.pins["max_num_batched_tokens"] == 8192
    assert MASK not in parsed.tokens and parsed.extra_positionals == ("--max-num-batched-tokens", "4")


def test_human_readable_lengths_only_where_the_release_reads_them():
    _, cp = pins(["vllm", "serve", "m", "--max-model-len", "32k"], OLD)
    assert [b.reason for b in cp.bad_values] == ["invalid int value"]
    _, cp = pins(["vllm", "serve", "m", "--max-model-len", "32K"])
    assert cp.pins["max_model_len"] == 32768 and not cp.bad_values


def test_a_config_file_is_read_bounded(tmp_path):
    import os

    from wizard.check.command import MAX_CONFIG_BYTES, read_config
    from wizard.errors import InputError

    big = tmp_path / "big.yaml"
    big.write_text("# padding\n" * (MAX_CONFIG_BYTES // 10 + 1) + "max_model_len: 4096\n")
    with pytest.raises(InputError, match="KiB"):
        read_config(big)
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # opening for reading would wait for a writer: refused before reading
    with pytest.raises(InputError, match="not a regular file"):
        read_config(fifo)
    small = tmp_path / "small.yaml"
    small.write_text("max_model_len: 4096\n")
    assert read_config(small) == {"max_model_len": 4096}
