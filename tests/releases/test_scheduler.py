"""Scheduler defaults per engine and release (vllm/engine/arg_utils.py, vllm/config.py SchedulerConfig),
and that pinned values are honoured."""

from __future__ import annotations

import pytest

from wizard.releases.scheduler import SchedulerInputs, scheduler_defaults, v1_table


def v0(key, **kw):
    return scheduler_defaults(key, ".".join(map(str, key)), SchedulerInputs(engine="V0", **kw))


def v1(version, **kw):
    key = tuple(int(x) for x in version.split("."))
    return scheduler_defaults(key, version, SchedulerInputs(engine="V1", **kw))


def test_v0_short_context_profiles_the_whole_prompt():
    d = v0((0, 6, 6), max_model_len=8192)
    assert (d.max_num_seqs, d.chunked_prefill, d.max_num_batched_tokens) == (256, False, 8192)
    assert v0((0, 6, 6), max_model_len=1024).max_num_batched_tokens == 2048  # max(len, 2048)


@pytest.mark.parametrize(("key", "tokens"), [((0, 6, 4), 512), ((0, 6, 5), 2048), ((0, 8, 5), 2048)])
def test_v0_long_context_turns_chunked_prefill_on(key, tokens):
    d = v0(key, max_model_len=32769)
    assert d.chunked_prefill and d.max_num_batched_tokens == tokens
    assert not v0(key, max_model_len=32768).chunked_prefill  # "> 32768", not ">="


@pytest.mark.parametrize("feature", ["sliding_window", "lora", "speculative"])
def test_v0_long_context_exceptions(feature):
    d = v0((0, 7, 3), max_model_len=131072, **{feature: True})
    assert not d.chunked_prefill and d.max_num_batched_tokens == 131072


def test_v0_multimodal_never_chunks_and_has_a_token_floor():
    assert v0((0, 6, 3), max_model_len=65536, multimodal=True).chunked_prefill  # before 0.6.4 it did
    d = v0((0, 6, 4), max_model_len=65536, multimodal=True)
    assert not d.chunked_prefill and d.max_num_batched_tokens == 65536
    assert v0((0, 6, 6), max_model_len=2048, multimodal=True).max_num_batched_tokens == 5120
    assert v0((0, 6, 0), max_model_len=2048, multimodal=True).max_num_batched_tokens == 4096


def test_v0_mla():
    assert not v0((0, 8, 2), max_model_len=65536, mla=True).chunked_prefill
    forced = v0((0, 7, 2), max_model_len=65536, mla=True)  # forced off after the 2048 budget was set
    assert (forced.chunked_prefill, forced.max_num_batched_tokens) == (False, 2048)
    assert v0((0, 7, 1), max_model_len=65536, mla=True).chunked_prefill


def test_v0_pooling_floor():
    assert v0((0, 7, 0), max_model_len=512, pooling=True).max_num_batched_tokens == 32768


def test_pins_are_honoured():
    d = v0((0, 6, 6), max_model_len=65536, chunked_prefill=False, max_num_seqs=16, max_num_batched_tokens=70000)
    assert (d.chunked_prefill, d.max_num_seqs, d.max_num_batched_tokens) == (False, 16, 70000)
    d = v1("0.10.1", max_model_len=16384, gpu_total_gib=79.2, gpu_name="NVIDIA H100", max_num_batched_tokens=2048)
    assert d.max_num_batched_tokens == 2048 and d.max_num_seqs == 1024


@pytest.mark.parametrize(("version", "gib", "name", "usage", "expect"), [
    ("0.8.0", 23.6, "NVIDIA GeForce RTX 3090", "serve", (2048, 1024)),
    ("0.8.4", 23.6, "NVIDIA GeForce RTX 3090", "llm", (8192, 256)),
    ("0.8.5", 79.2, "NVIDIA A100-SXM4-80GB", "serve", (8192, 1024)),
    ("0.9.0", 79.2, "NVIDIA A100-SXM4-80GB", "serve", (2048, 256)),
    ("0.10.2", 79.2, "NVIDIA H100 80GB HBM3", "llm", (16384, 1024)),
    ("0.28.0", 178.0, "NVIDIA B200", "serve", (16384, 1024)),
    ("0.28.0", 119.0, "NVIDIA GB10", "serve", (2048, 256)),
])
def test_v1_tables_by_release_gpu_and_usage(version, gib, name, usage, expect):
    assert v1_table(version, gib, name, usage) == expect


def test_v1_always_chunks_and_caps_from_0112():
    d = v1("0.11.2", max_model_len=1024, gpu_total_gib=23.6, gpu_name="RTX 3090", max_num_seqs=1)
    assert d.chunked_prefill and d.max_num_batched_tokens == 1024  # min(2048, 1 x 1024)
    assert v1("0.11.0", max_model_len=1024, gpu_total_gib=23.6, gpu_name="RTX 3090", max_num_seqs=1).max_num_batched_tokens == 2048
    off = v1("0.10.1", max_model_len=16384, gpu_total_gib=23.6, gpu_name="RTX 3090", chunked_prefill=False)
    assert off.max_num_batched_tokens == 16384
