"""config.json's vision section -> VisionFacts (wizard.model.vision), family by family."""

from __future__ import annotations

import json

import pytest

from wizard.errors import ModelFileError
from wizard.model.config import parse_config
from wizard.model.local import inspect_local

TEXT = dict(hidden_size=2048, num_hidden_layers=2, num_attention_heads=16, num_key_value_heads=4, vocab_size=1000,
            intermediate_size=4096)


def vision_of(cfg: dict):
    return parse_config(cfg, "config.json").arch.vision


def test_qwen2_vl_reads_embed_dim_and_mlp_ratio():
    v = vision_of(dict(model_type="qwen2_vl", **TEXT, vision_config=dict(
        depth=32, embed_dim=1280, hidden_size=3584, mlp_ratio=4, num_heads=16, patch_size=14, spatial_merge_size=2,
        temporal_patch_size=2)))
    assert (v.family, v.hidden_size, v.intermediate_size, v.out_hidden_size, v.gated_mlp, v.video) == (
        "qwen2_vl", 1280, 5120, 3584, False, True)


def test_qwen25_omni_thinker_vision_is_found_and_gated():
    cfg = dict(model_type="qwen2_5_omni", thinker_config=dict(
        text_config=dict(model_type="qwen2_5_omni_text", **TEXT),
        vision_config=dict(depth=32, hidden_size=1280, intermediate_size=3420, num_heads=16, out_hidden_size=3584,
                           patch_size=14, spatial_merge_size=2, temporal_patch_size=2)))
    v = vision_of(cfg)
    assert (v.family, v.intermediate_size, v.gated_mlp, v.out_hidden_size) == ("qwen2_vl", 3420, True, 3584)


def test_qwen3_vl_counts_deepstack_levels():
    cfg = dict(model_type="qwen3_vl_moe", text_config=dict(model_type="qwen3_vl_moe_text", **TEXT),
               vision_config=dict(depth=27, hidden_size=1152, intermediate_size=4304, num_heads=16,
                                  out_hidden_size=2048, patch_size=16, spatial_merge_size=2, temporal_patch_size=2,
                                  deepstack_visual_indexes=[8, 16, 24]))
    v = vision_of(cfg)
    assert (v.family, v.patch_size, v.deepstack_levels, v.video) == ("qwen3_vl", 16, 3, True)


def test_llava_next_pinpoints_and_clip_defaults():
    cfg = dict(model_type="llava_next", text_config=dict(model_type="mistral", **TEXT),
               image_grid_pinpoints=[[336, 672], [672, 672]],
               vision_config=dict(model_type="clip_vision_model", hidden_size=1024, image_size=336, patch_size=14))
    v = vision_of(cfg)
    assert v.family == "llava_next" and v.grid_pinpoints == ((336, 672), (672, 672))
    assert (v.intermediate_size, v.num_layers) == (3072, 12)  # CLIPVisionConfig defaults where omitted


def test_gemma3_tokens_per_image():
    cfg = dict(model_type="gemma3", mm_tokens_per_image=256, text_config=dict(model_type="gemma3_text", **TEXT),
               vision_config=dict(model_type="siglip_vision_model", hidden_size=1152, image_size=896,
                                  intermediate_size=4304, num_hidden_layers=27, num_attention_heads=16, patch_size=14))
    v = vision_of(cfg)
    assert (v.family, v.tokens_per_image, v.image_size) == ("gemma3", 256, 896)


def test_mllama_counts_global_layers_and_cross_attention_layers():
    cfg = dict(model_type="mllama", text_config=dict(model_type="mllama_text_model", cross_attention_layers=[3, 8],
                                                     **TEXT),
               vision_config=dict(hidden_size=1280, image_size=560, patch_size=14, max_num_tiles=4,
                                  num_hidden_layers=32, num_global_layers=8, attention_heads=16, intermediate_size=5120))
    v = vision_of(cfg)
    assert (v.family, v.num_layers, v.max_tiles, v.cross_attention_layers) == ("mllama", 40, 4, 2)


def test_text_model_and_unknown_tower_have_no_vision_facts():
    assert vision_of(dict(model_type="llama", **TEXT)) is None
    assert vision_of(dict(model_type="odd_vlm", **TEXT, vision_config=dict(width=3))) is None


def test_bad_vision_field_names_the_field():
    cfg = dict(model_type="qwen3_vl", text_config=dict(model_type="qwen3_vl_text", **TEXT),
               vision_config=dict(depth="27"))
    with pytest.raises(ModelFileError, match="vision_config.depth"):
        vision_of(cfg)
    bad_pins = dict(model_type="llava_next", text_config=dict(model_type="mistral", **TEXT),
                    image_grid_pinpoints=[[336]], vision_config=dict(image_size=336, patch_size=14))
    with pytest.raises(ModelFileError, match="image_grid_pinpoints"):
        vision_of(bad_pins)


def test_qwen_processor_files_set_the_pixel_caps(tmp_path):
    cfg = dict(model_type="qwen2_5_vl", architectures=["Qwen2_5_VLForConditionalGeneration"], **TEXT,
               vision_config=dict(depth=32, hidden_size=1280, intermediate_size=3420, num_heads=16,
                                  out_hidden_size=2048, patch_size=14, spatial_merge_size=2, temporal_patch_size=2))
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    assert inspect_local(tmp_path).arch.vision.image_max_pixels == 0  # no processor file: the default
    (tmp_path / "preprocessor_config.json").write_text(json.dumps({"max_pixels": 1003520, "min_pixels": 3136}))
    (tmp_path / "video_preprocessor_config.json").write_text(json.dumps({"size": {"longest_edge": 401408}}))
    v = inspect_local(tmp_path).arch.vision
    assert (v.image_max_pixels, v.video_max_pixels) == (1003520, 401408)
    (tmp_path / "preprocessor_config.json").write_text(json.dumps({"max_pixels": "big"}))
    with pytest.raises(ModelFileError, match="max_pixels"):
        inspect_local(tmp_path)


def test_internvl_tiles_and_tokens():
    cfg = dict(model_type="internvl_chat", downsample_ratio=0.5, dynamic_image_size=True, max_dynamic_patch=12,
               use_thumbnail=True, force_image_size=448, llm_config=dict(model_type="qwen2", **TEXT),
               vision_config=dict(model_type="intern_vit_6b", hidden_size=3200, intermediate_size=12800,
                                  num_hidden_layers=45, num_attention_heads=25, image_size=448, patch_size=14))
    v = vision_of(cfg)
    assert (v.family, v.max_tiles, v.tokens_per_image, v.hidden_size) == ("internvl", 13, 13 * 256, 3200)
    fixed = vision_of(cfg | dict(dynamic_image_size=False))
    assert (fixed.max_tiles, fixed.tokens_per_image) == (1, 256)


def test_unknown_tower_with_odd_shapes_is_not_refused():
    # transformers-format configs spell some shapes as lists; an unknown family is simply not sized
    cfg = dict(model_type="internvl", text_config=dict(model_type="qwen2", **TEXT),
               vision_config=dict(hidden_size=1024, image_size=[448, 448], patch_size=[14, 14]))
    assert vision_of(cfg) is None
    plain = dict(model_type="some_vlm", **TEXT, vision_config=dict(hidden_size=1024, image_size=384, patch_size=16))
    v = vision_of(plain)
    assert (v.family, v.image_size, v.intermediate_size) == ("generic", 384, 4096)
