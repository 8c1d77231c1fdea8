"""The planner prices the multimodal profile run (wizard.releases.multimodal) on real records.

The model folders are the accuracy benchmark's faithful ones (config.json + sparse safetensors
headers, benchmarks/calibration_models.py); the figures compared are the ones vLLM logged.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # `benchmarks` is a plain directory at the repository root
    sys.path.insert(0, str(REPO))

from benchmarks.calibration_models import build_model_folder  # noqa: E402
from wizard.hardware.catalog import lookup  # noqa: E402
from wizard.hardware.facts import GpuFacts, HardwareFacts  # noqa: E402
from wizard.model.local import inspect_local  # noqa: E402
from wizard.planner.fixes import suggest_fixes  # noqa: E402
from wizard.planner.inputs import PlanRequest  # noqa: E402
from wizard.planner.plan import make_plan  # noqa: E402
from wizard.planner.settings import parse_pins  # noqa: E402

GIB = 1 << 30
QWEN3_VL_3090 = "pub-qwen3vl-30b-a3b-4xrtx3090-tp4-len64k-v0110"


@pytest.fixture(scope="module")
def qwen3_vl(tmp_path_factory):
    return inspect_local(build_model_folder(QWEN3_VL_3090, tmp_path_factory.mktemp("m") / "qwen3vl"))


def _hw(name: str, count: int) -> HardwareFacts:
    entry = lookup(name)
    assert entry is not None
    return HardwareFacts(source="catalog", gpus=tuple(
        GpuFacts(index=i, name=entry.name, total_bytes=entry.total_bytes, used_bytes=0, free_bytes=entry.total_bytes,
                 compute_capability=entry.compute_capability) for i in range(count)))


def _plan(model, **pins):
    base = dict(tensor_parallel_size=4, gpu_memory_utilization=0.9, max_model_len=65536, block_size=16,
                max_num_batched_tokens=2048)
    return make_plan(PlanRequest(hardware=_hw("RTX 3090", 4), model=model, vllm_version="0.11.0",
                                 pinned=base | pins))


def test_qwen3_vl_on_four_3090s_matches_the_log(qwen3_vl):
    # The log: Model loading took 14.7708 GiB, Available KV cache memory: 2.31 GiB, 100,752 tokens,
    # after "Encoder cache ... budget of 153600 tokens, and profiled with 1 video items".
    plan = _plan(qwen3_vl)
    rank = plan.ranks[plan.worst_rank]
    # What the profile run took (activation + non-torch), from the logged figures: request - weights - KV.
    logged_profile = rank.requested / GIB - 14.7708 - 2.31
    predicted_profile = (rank.activation + rank.non_torch) / GIB
    assert predicted_profile == pytest.approx(logged_profile, rel=0.05)
    # The KV figure also carries the planner's 0.22 GiB weight miss on this folder (14.55 vs 14.77).
    assert plan.kv_cache_tokens == pytest.approx(100_752, rel=0.16)
    assert plan.ok


def test_limit_mm_per_prompt_reaches_the_profile(qwen3_vl):
    default = _plan(qwen3_vl)
    images_only = _plan(qwen3_vl, limit_mm_per_prompt="image=1,video=0")
    # No video: the 16,384-token image is profiled instead of the 153,600-token padded video output.
    assert images_only.kv_cache_tokens > default.kv_cache_tokens * 1.5
    text_only = _plan(qwen3_vl, limit_mm_per_prompt="image=0,video=0")
    assert text_only.kv_cache_tokens > images_only.kv_cache_tokens


def test_large_encoder_profile_is_named_with_the_flag_that_cuts_it(qwen3_vl):
    codes = {w.code: w.message for w in _plan(qwen3_vl).warnings}
    assert "153,600" in codes["mm_encoder_profile"] and "video" in codes["mm_encoder_profile"]
    assert "video=0" in codes["mm_limit_hint"]
    text_only = _plan(qwen3_vl, limit_mm_per_prompt="image=0,video=0")
    assert not {"mm_encoder_profile", "mm_limit_hint"} & {w.code for w in text_only.warnings}


MLLAMA = {
    "architectures": ["MllamaForConditionalGeneration"], "model_type": "mllama", "torch_dtype": "bfloat16",
    "text_config": {"model_type": "mllama_text_model", "hidden_size": 4096, "num_hidden_layers": 40,
                    "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336,
                    "vocab_size": 128256, "max_position_embeddings": 131072, "rope_theta": 500000.0,
                    "cross_attention_layers": [3, 8, 13, 18, 23, 28, 33, 38], "tie_word_embeddings": False},
    "vision_config": {"model_type": "mllama_vision_model", "hidden_size": 1280, "image_size": 560, "patch_size": 14,
                      "max_num_tiles": 4, "num_hidden_layers": 32, "num_global_layers": 8, "attention_heads": 16,
                      "intermediate_size": 5120, "intermediate_layers_indices": [3, 7, 15, 23, 30]},
}


@pytest.fixture(scope="module")
def mllama(tmp_path_factory):
    folder = tmp_path_factory.mktemp("m") / "llama32-vision"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(MLLAMA))
    return inspect_local(folder)


def test_encoder_decoder_profiles_an_image_per_dummy_sequence(mllama):
    h100 = HardwareFacts(source="catalog", gpus=(GpuFacts(index=0, name="NVIDIA H100 80GB HBM3",
                                                          total_bytes=85_031_714_816, used_bytes=0,
                                                          compute_capability="9.0"),))

    def plan(seqs):
        return make_plan(PlanRequest(hardware=h100, model=mllama, vllm_version="0.6.4",
                                     pinned={"max_num_seqs": seqs, "max_model_len": 8192}))

    default, small = plan(256), plan(16)
    # vLLM's own Llama-3.2-Vision examples pass max_num_seqs=16: the default 256 dummy images do not fit.
    assert not default.ok and small.ok
    # Left to itself, the planner picks a sequence count that fits.
    chosen = make_plan(PlanRequest(hardware=h100, model=mllama, vllm_version="0.6.4", pinned={"max_model_len": 8192}))
    assert chosen.ok and chosen.settings.max_num_seqs < 256
    assert "mm_enc_dec_profile" in {w.code for w in default.warnings}
    act = [p.ranks[p.worst_rank].activation for p in (default, small)]
    assert act[0] > 10 * act[1] > 0


def test_v0_caps_dummy_sequences_by_the_multimodal_tokens(tmp_path):
    # pub-qwen25vl-7b-lora-4xa800-tp4-v082-v0: V0 0.8.2, TP4 A800, max_model_len 3072. The image (16,384
    # tokens) and the video (16,384) exceed max_num_batched_tokens, so one dummy sequence samples:
    # "PyTorch activation peak memory takes 0.32GiB", KV 65.65 GiB.
    model = inspect_local(build_model_folder("pub-qwen25vl-7b-lora-4xa800-tp4-v082-v0", tmp_path / "qwen25vl"))
    a800 = HardwareFacts(source="catalog", gpus=tuple(
        GpuFacts(index=i, name="NVIDIA A800-SXM4-80GB", total_bytes=int(79.33 * GIB), used_bytes=0,
                 compute_capability="8.0") for i in range(4)))
    plan = make_plan(PlanRequest(hardware=a800, model=model, vllm_version="0.8.2", pinned=dict(
        tensor_parallel_size=4, gpu_memory_utilization=0.9, max_model_len=3072, block_size=16, enable_lora=True,
        max_lora_rank=8)))
    rank = plan.ranks[plan.worst_rank]
    assert rank.activation / GIB == pytest.approx(0.32, abs=0.1)
    assert rank.kv_cache / GIB == pytest.approx(65.65, rel=0.01)


def test_fixes_offer_a_smaller_multimodal_profile(qwen3_vl, mllama):
    failing = _plan(qwen3_vl, gpu_memory_utilization=0.75)
    assert not failing.ok
    fixes = {f.key: f for f in suggest_fixes(failing, limit=10)}
    assert fixes["mm_images_only"].pins == {"limit_mm_per_prompt": "image=1,video=0"}
    h100 = HardwareFacts(source="catalog", gpus=(GpuFacts(index=0, name="NVIDIA H100 80GB HBM3",
                                                          total_bytes=85_031_714_816, used_bytes=0,
                                                          compute_capability="9.0"),))
    enc_dec = make_plan(PlanRequest(hardware=h100, model=mllama, vllm_version="0.6.4",
                                    pinned={"max_model_len": 8192, "max_num_seqs": 256}))
    assert [f.pins for f in suggest_fixes(enc_dec, limit=10) if f.key == "mm_fewer_seqs"] == [{"max_num_seqs": 16}]


def test_skip_mm_profiling_drops_the_encoder_profile_and_says_what_it_risks(qwen3_vl):
    assert parse_pins(["skip-mm-profiling=true"]) == {"skip_mm_profiling": True}
    profiled, skipped = _plan(qwen3_vl), _plan(qwen3_vl, skip_mm_profiling=True)
    assert skipped.ok and skipped.kv_cache_tokens > profiled.kv_cache_tokens * 1.5
    assert "--skip-mm-profiling" in skipped.contract()["command"]["argv"]
    assert "--skip-mm-profiling" not in profiled.contract()["command"]["argv"]
    codes = {w.code for w in skipped.warnings}
    assert "mm_profile_skipped" in codes and "mm_encoder_profile" not in codes
    # 0.10.0 has no such flag: the plan refuses it, naming the release it came in.
    old = make_plan(PlanRequest(hardware=_hw("RTX 3090", 4), model=qwen3_vl, vllm_version="0.10.0",
                                pinned=dict(tensor_parallel_size=4, max_model_len=65536, skip_mm_profiling=True)))
    assert not old.ok and "0.10.1" in (old.failure_message or "")
