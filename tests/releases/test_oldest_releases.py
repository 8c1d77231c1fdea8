"""vLLM 0.4.0-0.6.3: the V0 rules of the oldest releases the wizard plans for, each read from the
released source (`pip download vllm==X --no-deps`), and the refusal below 0.4.0."""

from __future__ import annotations

import pytest

from wizard.check.flags import table_flags
from wizard.errors import InputError
from wizard.planner.versions import VllmVersion
from wizard.releases.kernels import QuantSpec, linear_kernel
from wizard.releases.profile import budget_era, profile_batch
from wizard.releases.scheduler import SchedulerInputs, scheduler_defaults


def v0(key, **kw):
    return scheduler_defaults(key, ".".join(map(str, key)), SchedulerInputs(engine="V0", **kw))


@pytest.mark.parametrize("key", [(0, 4, 0), (0, 5, 1), (0, 5, 5), (0, 6, 3)])
def test_budget_is_the_free_memory_delta_since_init_device(key):
    assert budget_era("V0", key) == "v0-delta"


def test_budget_eras_after_the_delta():
    assert budget_era("V0", (0, 6, 4)) == "v0-total" and budget_era("V0", (0, 6, 5)) == "v0-snapshot"


def test_long_context_turns_chunked_prefill_on_from_0_5_3():
    assert not v0((0, 5, 2), max_model_len=65536).chunked_prefill
    assert v0((0, 5, 2), max_model_len=65536).max_num_batched_tokens == 65536
    d = v0((0, 5, 3), max_model_len=65536)
    assert d.chunked_prefill and d.max_num_batched_tokens == 512


def test_pinned_chunked_prefill_gets_its_own_budget_from_0_4_2():
    assert v0((0, 4, 1), max_model_len=8192, chunked_prefill=True).max_num_batched_tokens == 8192
    assert v0((0, 4, 2), max_model_len=8192, chunked_prefill=True).max_num_batched_tokens == 512


def test_multimodal_token_floor_starts_in_0_6_0():
    assert v0((0, 5, 5), max_model_len=2048, multimodal=True).max_num_batched_tokens == 2048
    assert v0((0, 6, 0), max_model_len=2048, multimodal=True).max_num_batched_tokens == 4096


def test_sampler_undoes_the_sort_through_an_int64_inverse_index_before_0_6_3():
    def bytes_at(key):
        return profile_batch("V0", max_num_seqs=256, max_num_batched_tokens=2048, key=key).sampler_bytes_per_entry

    assert bytes_at((0, 4, 0)) == bytes_at((0, 6, 2)) == 44
    assert bytes_at((0, 6, 3)) == 36


@pytest.mark.parametrize("text", ["0.4.0", "0.4.0.post1", "0.5.1", "0.5.5"])
def test_oldest_releases_parse_and_run_v0(text):
    version = VllmVersion.parse(text)
    assert version.engine == "V0" and not version.checks_free_memory and not version.newer_than_known


@pytest.mark.parametrize("text", ["0.3.3", "0.2.7"])
def test_releases_before_0_4_are_refused(text):
    with pytest.raises(InputError, match="0.4.0"):
        VllmVersion.parse(text)


@pytest.mark.parametrize(("method", "version", "cc", "kernel"), [
    ("gptq", "0.4.1", (8, 0), "exllama"), ("gptq", "0.4.2", (8, 0), "marlin"),
    ("gptq", "0.6.1", (9, 0), "marlin"), ("gptq", "0.6.2", (9, 0), "machete"),
    ("awq", "0.5.2", (8, 0), "awq_gemm"), ("awq", "0.5.3", (8, 0), "awq_marlin"),
])
def test_marlin_conversion_and_machete_start_in_their_releases(method, version, cc, kernel):
    spec = QuantSpec(method, None, bits=4, group_size=128, symmetric=True, desc_act=False)
    found = linear_kernel(spec, VllmVersion.parse(version), cc)
    assert found is not None and found.name == kernel


def test_underscored_flags_are_read_from_0_5_1():
    assert not table_flags("0.5.0").underscores and not table_flags("0.5.0.post1").underscores
    assert table_flags("0.5.1").underscores
    assert table_flags("0.5.1").lookup("--max_model_len") is not None
