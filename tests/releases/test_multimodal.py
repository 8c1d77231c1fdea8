"""The multimodal profile rules, release by release (wizard.releases.multimodal).

Where a public start-up log prints the encoder budget line ("Encoder cache will be initialized
with a budget of N tokens, and profiled with K <modality> items"), the test pins that line.
"""

from __future__ import annotations

import pytest

from wizard.model.facts import VisionFacts
from wizard.releases import multimodal as mm
from wizard.releases import profile as rp

GIB = 1 << 30

QWEN3_VL_30B = VisionFacts(family="qwen3_vl", hidden_size=1152, intermediate_size=4304, num_layers=27, num_heads=16,
                           patch_size=16, spatial_merge_size=2, temporal_patch_size=2, out_hidden_size=2048,
                           deepstack_levels=3, video=True)
QWEN25_VL = VisionFacts(family="qwen2_vl", hidden_size=1280, intermediate_size=3420, num_layers=32, num_heads=16,
                        patch_size=14, spatial_merge_size=2, temporal_patch_size=2, out_hidden_size=3584,
                        gated_mlp=True, video=True)
LLAVA_NEXT = VisionFacts(family="llava_next", hidden_size=1024, intermediate_size=4096, num_layers=24, num_heads=16,
                         patch_size=14, image_size=336, out_hidden_size=4096,
                         grid_pinpoints=((336, 672), (672, 336), (672, 672), (1008, 336), (336, 1008)))
GEMMA3 = VisionFacts(family="gemma3", hidden_size=1152, intermediate_size=4304, num_layers=27, num_heads=16,
                     patch_size=14, image_size=896, out_hidden_size=2560, tokens_per_image=256)


def profile(v, key, *, mml, mnbt, seqs=256, limits=None, tp=1):
    return mm.v1_encoder_profile(v, key, text_hidden=2048, max_model_len=mml, max_num_batched_tokens=mnbt,
                                 max_num_seqs=seqs, limits=limits or {}, tp=tp, model_bytes=2)


def test_qwen3_vl_0110_profiles_one_video_at_the_logged_budget():
    # pub-qwen3vl-30b-a3b-4xrtx3090-tp4-len64k-v0110: "budget of 153600 tokens, and profiled with 1 video items"
    p = profile(QWEN3_VL_30B, (0, 11, 0), mml=65536, mnbt=2048, limits={"image": 999, "video": 999}, tp=4)
    assert (p.modality, p.budget, p.items) == ("video", 153600, 1)
    assert (p.item.output_tokens, p.item.patches) == (12288, 49152)
    # 0.11.x pads the held output to the budget: 153600 rows x 2048 x (1 + 3 deepstack) x bf16
    assert p.held_bytes - 49152 * 1536 * 4 == 153600 * 8192 * 2


@pytest.mark.parametrize(("key", "factor"), [((0, 11, 0), 12.5), ((0, 12, 0), 12.5), ((0, 13, 0), 1.0),
                                             ((0, 20, 2), 1.0)])
def test_qwen3_video_timestamp_factor_by_release(key, factor):
    assert mm.qwen3_video_text_factor(key) == factor


def test_qwen3_vl_from_013_profiles_the_image():
    # video 12288 tokens < image 16384 once the 12.5x timestamp factor is gone
    p = profile(QWEN3_VL_30B, (0, 20, 2), mml=32768, mnbt=8192)
    assert (p.modality, p.budget, p.items, p.item.patches) == ("image", 16384, 1, 65536)


def test_llava_next_logged_budget_and_items():
    # pub-llava16-mistral7b-80gb-v0102: "budget of 16384 tokens, and profiled with 5 image items"
    p = profile(LLAVA_NEXT, (0, 10, 2), mml=4096, mnbt=16384, seqs=1024, limits={"image": 999})
    assert p.item.prompt_tokens == 576 + 48 * 48 + 48
    assert (p.budget, p.items) == (16384, 5)
    assert p.item.patches == 5 * 577  # base tile + 2x2 grid, each with its CLS token


def test_qwen25_omni_video_budget_follows_max_model_len():
    # pub-qwen25-omni-7b-a100-40g-eager-v0102: "budget of 32768 tokens, and profiled with 1 video items"
    p = profile(QWEN25_VL, (0, 10, 2), mml=32768, mnbt=8192, limits={"image": 999, "video": 999})
    assert (p.modality, p.budget, p.items) == ("video", 32768, 1)
    # the transformers video processor shrinks each frame to 768 x 28 x 28 pixels: 729 tokens per 2 frames
    assert p.item.output_tokens == 2 * 729


def test_items_cdiv_before_010_floor_after():
    assert mm.items_profiled((0, 9, 2), budget=16384, item_tokens=2928, max_num_seqs=256, limit=1,
                             max_model_len=4096) == 6
    assert mm.items_profiled((0, 10, 2), budget=16384, item_tokens=2928, max_num_seqs=256, limit=999,
                             max_model_len=4096) == 5
    # 0.8.x-0.9.x: max_num_seqs x limit per prompt caps it
    assert mm.items_profiled((0, 8, 5), budget=16384, item_tokens=256, max_num_seqs=4, limit=1,
                             max_model_len=4096) == 4


@pytest.mark.parametrize(("key", "rows"), [((0, 10, 2), 100), ((0, 11, 0), 5000), ((0, 11, 2), 5000),
                                           ((0, 12, 0), 800), ((0, 13, 0), 100)])
def test_held_rows_padding_by_release(key, rows):
    item = mm.MmItem("video", prompt_tokens=800, output_tokens=100, patches=400, pixels_per_patch=1)
    assert mm.held_rows(key, item, budget=5000) == rows


def test_limit_zero_drops_the_modality_and_all_zero_drops_the_profile():
    p = profile(QWEN3_VL_30B, (0, 11, 0), mml=65536, mnbt=2048, limits={"video": 0})
    assert p.modality == "image" and p.budget == 16384
    assert profile(QWEN3_VL_30B, (0, 11, 0), mml=65536, mnbt=2048, limits={"image": 0, "video": 0}) is None
    assert profile(None, (0, 11, 0), mml=65536, mnbt=2048) is None


def test_limit_per_prompt_caps_items_through_the_decoder_budget():
    many = profile(GEMMA3, (0, 10, 2), mml=131072, mnbt=8192, seqs=1024, limits={"image": 999})
    few = profile(GEMMA3, (0, 10, 2), mml=131072, mnbt=8192, seqs=2, limits={"image": 1})
    assert (many.items, few.items) == (32, 2)
    assert few.tower_bytes < many.tower_bytes


def test_peak_is_the_tower_or_held_outputs_plus_text_phase():
    p = profile(QWEN3_VL_30B, (0, 11, 0), mml=65536, mnbt=2048, tp=4)
    assert p.peak(0) == max(p.tower_bytes, p.held_bytes)
    assert p.peak(10 * GIB) == p.held_bytes + 10 * GIB


def test_tower_mlp_is_split_over_tp_and_gated_mlps_hold_more():
    one = mm.tower_bytes(QWEN25_VL, patches=1000, tp=1, model_bytes=2)
    four = mm.tower_bytes(QWEN25_VL, patches=1000, tp=4, model_bytes=2)
    assert one == 1000 * 2 * (2 * 1280 + 3 * 3420) and four == 1000 * 2 * (2 * 1280 + 3 * 855)
    plain = mm.tower_bytes(QWEN3_VL_30B, patches=1000, tp=1, model_bytes=2)
    assert plain == 1000 * 2 * (2 * 1152 + 2 * 4304)


def test_v0_sequence_cap_is_fed_from_the_items_per_prompt():
    # Qwen2.5-VL under V0 0.8.2 at max_model_len 3072: image 16384 + video (one 2-frame group) 16384
    tokens = mm.v0_max_mm_tokens(QWEN25_VL, (0, 8, 2), max_model_len=3072, limits={"image": 1, "video": 1})
    assert tokens == 32768
    assert mm.v0_max_mm_tokens(QWEN25_VL, (0, 8, 2), max_model_len=3072, limits={"image": 2, "video": 0}) == 32768
    batch = rp.profile_batch("V0", max_num_seqs=256, max_num_batched_tokens=5120, mm_tokens_per_item=tokens)
    assert (batch.sequences, batch.sampler_rows) == (1, 1)
    assert mm.v0_max_mm_tokens(None, (0, 8, 2), max_model_len=3072, limits={}) == 0


MLLAMA = VisionFacts(family="mllama", hidden_size=1280, intermediate_size=5120, num_layers=40, num_heads=16,
                     patch_size=14, image_size=560, out_hidden_size=4096, max_tiles=4, cross_attention_layers=8)


def test_enc_dec_holds_an_image_per_sequence():
    one = mm.enc_dec_profile(MLLAMA, max_num_seqs=1, images_per_seq=1, tp=1, model_bytes=2, text_hidden=4096,
                             max_tiles=4)
    many = mm.enc_dec_profile(MLLAMA, max_num_seqs=16, images_per_seq=1, tp=1, model_bytes=2, text_hidden=4096,
                              max_tiles=4)
    length = 4 * 1608  # 40 x 40 patches + CLS, padded to 8, per tile
    assert one.item.patches == length and one.tiles == 4
    # the aspect-ratio mask: a (L x L) product and its scaled copy in bf16
    assert one.tower_bytes > 2 * length * length * 2
    assert many.tower_bytes == 16 * one.tower_bytes and many.items == 16
    # cross-attention states (projected to the text width) and the fp32 pixels stay through the text forward
    assert one.held_bytes == length * 4096 * 2 + 4 * 3 * 560 * 560 * 4
    assert mm.enc_dec_profile(MLLAMA, max_num_seqs=4, images_per_seq=0, tp=1, model_bytes=2, text_hidden=4096,
                              max_tiles=4) is None


def test_processor_pixel_caps_shrink_the_items():
    small = QWEN25_VL.model_copy(update={"image_max_pixels": 1280 * 28 * 28})
    shapes = mm.item_shapes(small, (0, 10, 2), max_model_len=32768)
    assert shapes["image"].prompt_tokens == 35 * 35  # isqrt(1,003,520) = 1001 px -> 35 cells of 28 px
    assert shapes["video"].prompt_tokens == 16 // 2 * 35 * 35  # 1,225 tokens per 2 frames, 16 frames at most
    q3 = QWEN3_VL_30B.model_copy(update={"video_max_pixels": 16 * 16 * 2 * 4 * 1000})
    assert mm.item_shapes(q3, (0, 20, 2), max_model_len=8192)["video"].output_tokens == 1000


def test_attention_workspace_counts_when_the_mlp_is_narrow():
    narrow = QWEN3_VL_30B.model_copy(update={"intermediate_size": 1152})
    assert mm.tower_bytes(narrow, patches=10, tp=1, model_bytes=2) == 10 * 2 * (2 * 1152 + 6 * 1152)


@pytest.mark.parametrize(("key", "honoured"), [((0, 10, 0), False), ((0, 10, 1), True), ((0, 20, 2), True)])
def test_skip_mm_profiling_exists_from_0101(key, honoured):
    assert mm.skip_flag_honoured(key) is honoured


def test_internvl_item_is_every_tile():
    internvl = VisionFacts(family="internvl", hidden_size=1024, intermediate_size=4096, num_layers=24, num_heads=16,
                           patch_size=14, image_size=448, out_hidden_size=3584, tokens_per_image=13 * 256,
                           max_tiles=13)
    p = profile(internvl, (0, 11, 0), mml=32768, mnbt=8192, limits={"image": 999})
    assert (p.item.prompt_tokens, p.item.patches) == (3328, 13 * 1025)
    assert (p.budget, p.items) == (8192, 2)
