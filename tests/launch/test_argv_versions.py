"""The argv in each release's spelling, and the check against the installed parser (real snapshot)."""

import pytest

from wizard.planner.argv import (
    FLAG_ENV_FALLBACK,
    InstalledFlags,
    attention_backend_args,
    build_argv,
    fit_to_installed,
    flag_present,
)
from wizard.planner.settings import Settings
from wizard.planner.versions import VllmVersion


def V(text):  # noqa: N802
    return VllmVersion.parse(text)


def argv_for(version, pinned=(), **settings):
    s = Settings(**settings)
    return build_argv("/m", s, V(version), pinned=frozenset(pinned), defaults={})


def installed(serve_args) -> InstalledFlags:
    from wizard.launch.introspect import Introspection

    return Introspection(serve_args).flags()


# The release table: StoreBoolean (takes True/False) through 0.8.4; 0.8.5's get_kwargs makes it a
# BooleanOptionalAction pair (vllm/engine/arg_utils.py of each release).
@pytest.mark.parametrize("version, expected", [
    ("0.7.3", ["--enable-chunked-prefill", "False"]),
    ("0.8.4", ["--enable-chunked-prefill", "False"]),
    ("0.8.5", ["--no-enable-chunked-prefill"]),
    ("0.9.0", ["--no-enable-chunked-prefill"]),
    ("0.32.0", ["--no-enable-chunked-prefill"]),
])
def test_chunked_prefill_off_is_spelled_per_release(version, expected):
    argv = argv_for(version, pinned={"enable_chunked_prefill"}, enable_chunked_prefill=False)
    i = argv.index("--enable-chunked-prefill" if expected[0] == "--enable-chunked-prefill" else expected[0])
    assert argv[i:i + len(expected)] == expected


def test_prefix_caching_off_is_the_no_form_where_the_release_has_it():
    # 0.6.4: store_true, off by default, so nothing to write; 0.6.5 on: BooleanOptionalAction.
    old = argv_for("0.6.4", pinned={"enable_prefix_caching"}, enable_prefix_caching=False)
    assert not any("prefix-caching" in a for a in old)
    for version in ("0.6.5", "0.7.3", "0.10.0"):
        assert "--no-enable-prefix-caching" in argv_for(version, pinned={"enable_prefix_caching"},
                                                        enable_prefix_caching=False)


def test_kv_cache_memory_bytes_only_where_it_exists_unless_pinned():
    assert "--kv-cache-memory-bytes" in argv_for("0.11.0", kv_cache_memory_bytes=1 << 30)
    assert "--kv-cache-memory-bytes" not in argv_for("0.10.1", kv_cache_memory_bytes=1 << 30)
    # A pinned value the release lacks is still written, so vLLM refuses it visibly instead of silently.
    assert "--kv-cache-memory-bytes" in argv_for("0.10.1", pinned={"kv_cache_memory_bytes"},
                                                 kv_cache_memory_bytes=1 << 30)


def test_reasoning_flag_pair_follows_the_release():
    assert "--enable-reasoning" in argv_for("0.8.5", reasoning_parser="deepseek_r1")
    assert "--enable-reasoning" not in argv_for("0.9.2", reasoning_parser="deepseek_r1")
    assert not flag_present("--enable-reasoning", V("0.10.0")) and flag_present("--enable-reasoning", V("0.9.2"))


def test_attention_backend_is_a_flag_or_the_old_variable():
    assert attention_backend_args("FLASHINFER", V("0.20.0")) == (["--attention-backend", "FLASHINFER"], {})
    assert attention_backend_args("FLASHINFER", V("0.10.0")) == ([], {"VLLM_ATTENTION_BACKEND": "FLASHINFER"})
    assert FLAG_ENV_FALLBACK["--attention-backend"] == "VLLM_ATTENTION_BACKEND"


def test_every_flag_a_0_32_plan_writes_exists_in_the_real_0_32_parser(serve_args, llama_folder):
    from wizard.hardware.catalog import catalog_hardware
    from wizard.model.local import inspect_local
    from wizard.planner.inputs import PlanRequest
    from wizard.planner.plan import make_plan
    from wizard.planner.settings import parse_pins

    flags = installed(serve_args)
    model = inspect_local(llama_folder)
    cases = [("H100", 1, []), ("L4", 2, ["kv-cache-dtype=fp8", "enable-prefix-caching=false"]),
             ("T4", 1, ["enforce-eager=true", "enable-chunked-prefill=false", "max-model-len=4096"]),
             ("A100-40GB", 4, ["kv-cache-memory-bytes=4G", "block-size=32", "max-num-seqs=32"])]
    for gpu, count, pins in cases:
        plan = make_plan(PlanRequest(hardware=catalog_hardware(gpu, count=count), model=model, vllm_version="0.32.0",
                                     pinned=parse_pins(pins)))
        fit = fit_to_installed(list(plan.argv), plan.env, flags)
        assert fit.ok, (gpu, fit.problems)
        assert fit.argv == list(plan.argv) and not fit.changes


def test_fit_reports_unknown_flags_and_values_and_moves_old_spellings(serve_args):
    flags = installed(serve_args)
    argv = ["vllm", "serve", "/m", "--kv-cache-dtype", "fp9", "--quantization", "nope", "--bogus-flag",
            "--reasoning-parser", "qwen3", "--enable-reasoning", "--attention-backend", "FLASHINFER"]
    old = InstalledFlags("0.10.0", flags.options - {"--attention-backend", "--enable-reasoning"}, flags.takes_value,
                         flags.choices, flags.registries)
    fit = fit_to_installed(argv, {}, old)
    assert fit.env == {"VLLM_ATTENTION_BACKEND": "FLASHINFER"}
    assert "--attention-backend" not in fit.argv and "--enable-reasoning" not in fit.argv
    text = " ".join(fit.problems)
    assert "fp9" in text and "nope" in text and "--bogus-flag" in text
    assert "qwen3" not in text  # a registered reasoning parser is fine
    assert len(fit.changes) == 2


def test_the_snapshot_has_the_registries_and_choices_the_checks_rely_on(serve_args):
    flags = installed(serve_args)
    assert "fp8" in flags.choices["--kv-cache-dtype"] and "bfloat16" in flags.choices["--dtype"]
    assert {"awq", "gptq", "fp8", "compressed-tensors"} <= set(flags.registries["quantization"])
    assert "qwen3" in flags.registries["reasoning_parser"] and "hermes" in flags.registries["tool_call_parser"]
    assert "--max-model-len" in flags.takes_value and "--enforce-eager" not in flags.takes_value
