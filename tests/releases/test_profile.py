"""The dummy profile batch, who samples in it, the sampler's size and the budget era per release."""

from __future__ import annotations

from wizard.releases.profile import budget_era, comm_inside_budget, profile_batch, sampler_impl, samples_on


def test_v0_batch_is_max_num_seqs_sequences_and_samples_every_one():
    b = profile_batch("V0", max_num_seqs=256, max_num_batched_tokens=8192)
    assert (b.tokens, b.sequences, b.sampler_rows, b.sampler_impl) == (8192, 256, 256, "torch")
    assert b.sampler_bytes_per_entry == 36


def test_v0_multimodal_caps_the_sequences_at_one_item_each():
    assert profile_batch("V0", max_num_seqs=256, max_num_batched_tokens=5120, mm_tokens_per_item=1024).sequences == 5
    assert profile_batch("V0", max_num_seqs=256, max_num_batched_tokens=5120, mm_tokens_per_item=16384).sequences == 1


def test_v1_samples_min_of_seqs_and_tokens():
    b = profile_batch("V1", max_num_seqs=1024, max_num_batched_tokens=512)
    assert b.sampler_rows == 512 and b.sampler_bytes_per_entry == 36
    old = profile_batch("V1", max_num_seqs=256, max_num_batched_tokens=2048, impl="flashinfer", key=(0, 10, 1))
    new = profile_batch("V1", max_num_seqs=256, max_num_batched_tokens=2048, impl="flashinfer", key=(0, 28, 0))
    assert (old.sampler_bytes_per_entry, new.sampler_bytes_per_entry) == (12, 36)


def test_which_sampler_runs_by_release_and_environment():
    # 0.8.0-0.11.0: FlashInfer when installed (optional extra), unless VLLM_USE_FLASHINFER_SAMPLER=0.
    assert sampler_impl("V1", (0, 10, 2)) == "torch"
    assert sampler_impl("V1", (0, 10, 2), flashinfer_installed=True) == "flashinfer"
    assert sampler_impl("V1", (0, 10, 2), flashinfer_installed=True, use_flashinfer_env=False) == "torch"
    # 0.11.1-0.20.x: opt-in.
    assert sampler_impl("V1", (0, 20, 2), flashinfer_installed=True) == "torch"
    assert sampler_impl("V1", (0, 14, 0), flashinfer_installed=True, use_flashinfer_env=True) == "flashinfer"
    # 0.21.0 on: the default, unless switched off.
    assert sampler_impl("V1", (0, 21, 0), flashinfer_installed=True) == "flashinfer"
    assert sampler_impl("V1", (0, 26, 0), flashinfer_installed=True, use_flashinfer_env=False) == "torch"
    # V0 samples with torch unless the variable is 1.
    assert sampler_impl("V0", (0, 8, 5), flashinfer_installed=True) == "torch"


def test_who_samples():
    assert samples_on("V0", tp_rank=0, pp_stage=0, pp_size=1)
    assert not samples_on("V0", tp_rank=1, pp_stage=0, pp_size=1)  # only the TP driver
    assert samples_on("V1", tp_rank=3, pp_stage=0, pp_size=1)  # every TP rank gathers logits
    assert not samples_on("V1", tp_rank=0, pp_stage=0, pp_size=2)  # only the last stage
    assert samples_on("V0", tp_rank=0, pp_stage=1, pp_size=2) and not samples_on("V0", tp_rank=1, pp_stage=1, pp_size=2)


def test_budget_eras():
    assert budget_era("V0", (0, 6, 4)) == "v0-total"
    assert budget_era("V0", (0, 6, 5)) == "v0-snapshot" and budget_era("V0", (0, 10, 1)) == "v0-snapshot"
    assert budget_era("V1", (0, 8, 5)) == "v1-early" and budget_era("V1", (0, 9, 0)) == "v1-early"
    assert budget_era("V1", (0, 9, 1)) == "v1"


def test_communication_buffers_leave_the_budget_in_011():
    assert comm_inside_budget("V1", (0, 10, 2)) and comm_inside_budget("V0", (0, 10, 1))
    assert not comm_inside_budget("V1", (0, 11, 0))
