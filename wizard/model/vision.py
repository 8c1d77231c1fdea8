"""config.json's vision section -> VisionFacts: the shapes the multimodal profile run is sized from.

Each family's fields are read under the names its transformers config class uses, with that
class's defaults where a checkpoint omits them (llava-hf configs, for one, omit CLIP defaults).
A field of the wrong type is a ModelFileError naming config.json and the field, as for the text
model; a vision section this module does not know gives None (the planner then sizes no encoder
profile and says so nowhere it would be wrong).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wizard.errors import ModelFileError
from wizard.i18n import msg
from wizard.model.config import Fields
from wizard.model.facts import VisionFacts

# transformers' vision config defaults (CLIPVisionConfig, SiglipVisionConfig): hidden, intermediate,
# layers, heads, image size, patch size.
_CLIP = (768, 3072, 12, 12, 224, 32)
_SIGLIP = (768, 3072, 12, 12, 224, 16)
_QWEN2_FAMILY = ("qwen2_vl", "qwen2_5_vl", "qwen2_5_omni", "qwen2_5_omni_thinker")
_QWEN3_FAMILY = ("qwen3_vl", "qwen3_vl_moe", "qwen3_5", "qwen3_5_moe", "qwen3_omni_moe", "qwen3_omni_moe_thinker")


def parse_vision(raw: Mapping[str, object], file: str, text_hidden: int, text_section: Fields) -> VisionFacts | None:
    top = Fields(raw, file)
    thinker = top.obj("thinker_config")
    holder = Fields(thinker, file, "thinker_config.") if thinker is not None else top
    section = holder.obj("vision_config")
    if section is None:
        return None
    mt = (top.text("model_type") or "").lower()
    v = Fields(section, file, f"{holder.prefix}vision_config.")
    if mt in _QWEN2_FAMILY:
        return _qwen2(v, mt, text_hidden)
    if mt in _QWEN3_FAMILY:
        return _qwen3(v, text_hidden)
    if mt == "mllama":
        return _mllama(v, text_section, text_hidden)
    if mt == "internvl_chat":
        return _internvl(top, v, text_hidden)
    vt = (v.text("model_type") or "").lower()
    if vt not in ("clip_vision_model", "siglip_vision_model") and mt not in ("gemma3", "llava_next",
                                                                             "llava_next_video", "llava"):
        return _generic(section, text_hidden)
    d = _SIGLIP if "siglip" in vt or mt == "gemma3" else _CLIP
    hidden = v.first_integer(("hidden_size",), minimum=1) or d[0]
    common: dict[str, Any] = dict(
        hidden_size=hidden,
        intermediate_size=v.first_integer(("intermediate_size",), minimum=1) or d[1],
        num_layers=v.first_integer(("num_hidden_layers", "depth"), minimum=1) or d[2],
        num_heads=v.first_integer(("num_attention_heads", "num_heads"), minimum=1) or d[3],
        image_size=v.first_integer(("image_size",), minimum=1) or d[4],
        patch_size=v.first_integer(("patch_size",), minimum=1) or d[5],
        out_hidden_size=text_hidden,
    )
    if mt == "gemma3":
        return VisionFacts(family="gemma3", tokens_per_image=top.integer("mm_tokens_per_image", minimum=1) or 256,
                           **common)
    if mt in ("llava_next", "llava_next_video"):
        pins = top.array("image_grid_pinpoints") or []
        grid = tuple((int(p[0]), int(p[1])) for p in pins
                     if isinstance(p, list) and len(p) == 2 and all(isinstance(x, int) for x in p))
        if len(grid) != len(pins):
            raise top.fail("image_grid_pinpoints", "must be a list of [height, width] pairs")
        return VisionFacts(family="llava_next", grid_pinpoints=grid, video=mt == "llava_next_video", **common)
    return VisionFacts(family="generic", **common)


def _plain_int(section: Mapping[str, object], *keys: str) -> int | None:
    value = next((section[k] for k in keys if section.get(k) is not None), None)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _generic(section: Mapping[str, object], text_hidden: int) -> VisionFacts | None:
    """A tower this module has no family for: sized as one CLIP-like tile when the section states
    plain integer shapes, else no facts. Nothing is refused here: these fields were never read
    before, and odd spellings (lists, nested objects) must not stop the inspection."""
    shapes = [_plain_int(section, *k) for k in (("hidden_size", "embed_dim", "width"), ("intermediate_size",),
                                                 ("num_hidden_layers", "depth", "layers"),
                                                 ("num_attention_heads", "num_heads", "heads"), ("image_size",),
                                                 ("patch_size",))]
    hidden, inter, layers, heads, image, patch = shapes
    if hidden is None or image is None or patch is None:
        return None
    return VisionFacts(family="generic", hidden_size=hidden, intermediate_size=inter or 4 * hidden,
                       num_layers=layers or 1, num_heads=heads or 1, image_size=image, patch_size=patch,
                       out_hidden_size=text_hidden)


def _internvl(top: Fields, v: Fields, text_hidden: int) -> VisionFacts:
    """InternVL (internvl_chat): dynamic tiling into up to max_dynamic_patch image_size tiles plus a
    thumbnail, each pixel-shuffled to (side x downsample_ratio)^2 tokens (vllm internvl.py
    `BaseInternVLProcessor`, `resolve_internvl_min_max_num`)."""
    image = v.integer("image_size", minimum=1) or top.integer("force_image_size", minimum=1) or 448
    patch = v.integer("patch_size", minimum=1) or 14
    ratio = top.number("downsample_ratio") or 0.5
    dynamic = top.flag("dynamic_image_size")
    tiles = (top.integer("max_dynamic_patch", minimum=1) or 12) if dynamic is not False else 1
    if top.flag("use_thumbnail") is not False and tiles != 1:
        tiles += 1
    per_tile = int((image // patch) ** 2 * ratio * ratio)
    return VisionFacts(
        family="internvl", hidden_size=v.integer("hidden_size", minimum=1) or 1024,
        intermediate_size=v.integer("intermediate_size", minimum=1) or 4096,
        num_layers=v.integer("num_hidden_layers", minimum=1) or 24,
        num_heads=v.integer("num_attention_heads", minimum=1) or 16, image_size=image, patch_size=patch,
        tokens_per_image=tiles * per_tile, max_tiles=tiles, out_hidden_size=text_hidden)


def _qwen2(v: Fields, mt: str, text_hidden: int) -> VisionFacts:
    if mt == "qwen2_vl":
        # Qwen2VLVisionConfig: embed_dim is the tower width, hidden_size the merger output, MLP ratio 4.
        embed = v.integer("embed_dim", minimum=1) or 1280
        ratio = v.number("mlp_ratio") or 4.0
        return VisionFacts(
            family="qwen2_vl", hidden_size=embed, intermediate_size=int(embed * ratio),
            num_layers=v.integer("depth", minimum=1) or 32, num_heads=v.integer("num_heads", minimum=1) or 16,
            patch_size=v.integer("patch_size", minimum=1) or 14,
            spatial_merge_size=v.integer("spatial_merge_size", minimum=1) or 2,
            temporal_patch_size=v.integer("temporal_patch_size", minimum=1) or 2,
            out_hidden_size=v.integer("hidden_size", minimum=1) or text_hidden, video=True)
    # Qwen2.5-VL / Qwen2.5-Omni: SwiGLU MLP, explicit out_hidden_size.
    return VisionFacts(
        family="qwen2_vl", hidden_size=v.integer("hidden_size", minimum=1) or 1280,
        intermediate_size=v.integer("intermediate_size", minimum=1) or 3420,
        num_layers=v.integer("depth", minimum=1) or 32, num_heads=v.integer("num_heads", minimum=1) or 16,
        patch_size=v.integer("patch_size", minimum=1) or 14,
        spatial_merge_size=v.integer("spatial_merge_size", minimum=1) or 2,
        temporal_patch_size=v.integer("temporal_patch_size", minimum=1) or 2,
        out_hidden_size=v.integer("out_hidden_size", minimum=1) or text_hidden, gated_mlp=True, video=True)


def _qwen3(v: Fields, text_hidden: int) -> VisionFacts:
    deepstack = v.array("deepstack_visual_indexes") or []
    return VisionFacts(
        family="qwen3_vl", hidden_size=v.integer("hidden_size", minimum=1) or 1152,
        intermediate_size=v.integer("intermediate_size", minimum=1) or 4304,
        num_layers=v.integer("depth", minimum=1) or 27, num_heads=v.integer("num_heads", minimum=1) or 16,
        patch_size=v.integer("patch_size", minimum=1) or 16,
        spatial_merge_size=v.integer("spatial_merge_size", minimum=1) or 2,
        temporal_patch_size=v.integer("temporal_patch_size", minimum=1) or 2,
        out_hidden_size=v.integer("out_hidden_size", minimum=1) or text_hidden,
        deepstack_levels=len(deepstack), video=True)


def _mllama(v: Fields, text: Fields, text_hidden: int) -> VisionFacts:
    cross = text.array("cross_attention_layers") or []
    return VisionFacts(
        family="mllama", hidden_size=v.integer("hidden_size", minimum=1) or 1280,
        intermediate_size=v.integer("intermediate_size", minimum=1) or 5120,
        num_layers=(v.integer("num_hidden_layers", minimum=1) or 32) + (v.integer("num_global_layers") or 8),
        num_heads=v.integer("attention_heads", minimum=1) or 16,
        image_size=v.integer("image_size", minimum=1) or 560, patch_size=v.integer("patch_size", minimum=1) or 14,
        max_tiles=v.integer("max_num_tiles", minimum=1) or 4, out_hidden_size=text_hidden,
        cross_attention_layers=len(cross))


def processor_pixels(raw: object, file: str) -> int:
    """The pixel cap a Qwen-style (video) preprocessor_config.json sets: `max_pixels`, or
    `size.longest_edge` (transformers' newer spelling; both are pixels, not a side), else 0."""
    if raw is None:
        return 0
    if not isinstance(raw, dict):
        raise ModelFileError(file, msg("model.problem.json_object"))
    f = Fields(raw, file)
    size = f.obj("size")
    value = f.integer("max_pixels", minimum=1)
    if value is None and size is not None:
        s = Fields(size, file, "size.")
        value = s.integer("longest_edge", minimum=1) if s.integer("max_pixels") is None else s.integer("max_pixels")
    return value or 0


def with_processor(vision: VisionFacts, image: object, video: object, prefix: str) -> VisionFacts:
    """VisionFacts with the pixel caps of the model's own processor files (Qwen families only:
    the other families' processors size their inputs from config.json)."""
    if vision.family not in ("qwen2_vl", "qwen3_vl"):
        return vision
    update = {"image_max_pixels": processor_pixels(image, f"{prefix}preprocessor_config.json"),
              "video_max_pixels": processor_pixels(video, f"{prefix}video_preprocessor_config.json")}
    return vision.model_copy(update=update)
