"""What a release's start-up profile does for a multimodal model, from the model's vision shapes.

V1 (vllm/v1/worker/gpu_model_runner.py `GPUModelRunner.profile_run`, read in 0.8.5, 0.9.2, 0.10.2,
0.11.0, 0.11.2, 0.12.0, 0.13.0, 0.15.0, 0.18.0, 0.20.2, 0.28.0): before the text dummy run, the
encoder runs once on a batch of dummy items of the one modality whose item takes the most prompt
tokens; its outputs stay in `encoder_cache` until the text dummy run and the dummy sampler have
finished. So the activation peak is the larger of the tower's own peak and the held outputs plus
the text phase.
* Encoder budget (vllm/v1/core/encoder_cache_manager.py `compute_mm_encoder_budget`, 0.8.5-0.28.0):
  max(max_num_batched_tokens, the largest item); max_num_encoder_input_tokens and encoder_cache_size
  default to max_num_batched_tokens (config SchedulerConfig).
* Items profiled: 0.8.x-0.9.x (`profile_run`, read 0.8.5, 0.9.2) min(cdiv(budget, item tokens),
  max_num_seqs x limit per prompt); from 0.10 (`MultiModalBudget.get_max_items`, vllm/v1/worker/
  utils.py 0.10.2-0.11, vllm/multimodal/encoder_budget.py by 0.20.2) max(1, min(budget // item
  tokens, max_num_seqs x max(1, min(limit, max_model_len // item tokens)))).
* Modalities with `--limit-mm-per-prompt` 0 are left out (`get_max_tokens_per_item_by_nonzero_
  modality`); the per-item token count is taken with one item of each modality and
  seq_len = max_model_len (vllm/multimodal/registry.py `get_max_tokens_per_item_by_modality`).
* Held inputs: the dummy batch (`batched_dummy_mm_inputs`) is a local of `profile_run`, moved to the
  GPU as the HF processor made it (float32 pixel values; `_get_mm_dummy_batch` /
  `group_mm_kwargs_by_modality` keep the dtype), so it stays allocated until the profile ends.
* Held outputs: 0.11.0-0.11.x copy each output into zeros of (encoder budget, width), 0.12.x into
  (the modality's largest item, width) (the "expanded_outputs" block, read 0.11.0, 0.11.2, 0.12.0);
  before 0.11 and from 0.13 the outputs are kept as they come (read 0.10.2, 0.13.0, 0.15.0, 0.20.2).

V0 (vllm/worker/model_runner.py `GPUModelRunnerBase._dummy_run`, read 0.8.5): the dummy sequence
count is capped at max_num_batched_tokens // max_mm_tokens, at least 1, where max_mm_tokens sums
limit x largest item over the modalities (vllm/multimodal/registry.py `get_max_multimodal_tokens`).

Encoder-decoder (Llama-3.2-Vision / mllama; vllm/worker/enc_dec_model_runner.py
`EncoderDecoderModelRunner.profile_run`, read 0.8.5): max_num_seqs sequences, none capped for
multimodal, and every one carries the encoder dummy data, limit-per-prompt images at the size with
most features (all max_num_tiles tiles; mllama.py `MllamaDummyInputsBuilder`). The vision model runs
on all of them in one batch (mllama.py `MllamaForConditionalGeneration.get_cross_attention_states`):
per image, fp32 pixels of every tile, the aspect-ratio attention mask built as a (L x L) matrix in
the model dtype by a matmul (`_prepare_aspect_ratio_attention_mask`; its product and the scaled copy
coexist), the block activations over L = tiles x (patches + CLS, padded to 8) tokens with the MLP
split over TP (CLIPMLP), and the intermediate layers' hidden states kept for the output. Its output,
projected to the text width (the cross-attention states), stays held through the text forward.

Per-family item sizes (each family's processing info in vllm/model_executor/models/):
* The Qwen families read their pixel caps from the model's preprocessor_config.json /
  video_preprocessor_config.json (`max_pixels` or `size.longest_edge`) when it sets them; the
  transformers defaults below otherwise.
* qwen2_vl (Qwen2-VL, Qwen2.5-VL, Qwen2.5-Omni; qwen2_vl.py `Qwen2VLProcessingInfo`): the image
  with most features is resized to at most 12,845,056 pixels (the image processor's max_pixels), in
  (patch x merge)-pixel cells: 16,384 tokens at patch 14. A video takes that image size for every
  2 frames, as many frames as max_model_len holds (1..16 frames, `_MAX_FRAMES_PER_VIDEO` 16 in
  0.10.2). The dummy video itself goes through the transformers video processor, which resizes
  each frame to at most 768 x 28 x 28 pixels (Qwen2VLVideoProcessor's longest_edge; transformers >=
  4.53, which vLLM requires from 0.10), so it encodes far fewer patches than its prompt tokens.
* qwen3_vl (Qwen3-VL, qwen3_vl.py `Qwen3VLProcessingInfo`): image 16,777,216 pixels at patch 16
  (16,384 tokens); video 25,165,824 pixels over 2-frame groups (12,288 tokens), counted x 12.5 for
  its timestamp text in 0.11.0-0.12.x (`get_max_video_tokens`: "formatted_video_soft_tokens"), plain
  from 0.13 (read 0.13.0, 0.20.2). The dummy is not resized (`do_resize: False`). Each output
  token carries out_hidden x (1 + deepstack levels) values.
* llava_next (llava_next.py): base tile (image_size/patch)^2 tokens plus the any-resolution grid of
  the pinpoint with most features, one newline token per grid row; the tower runs on every tile
  (the base tile plus the grid's tiles), each with its CLS token.
* internvl (internvl.py `BaseInternVLProcessingInfo`): max_dynamic_patch tiles plus the thumbnail,
  (image_size/patch x downsample_ratio)^2 tokens each; the tower runs on every tile with its CLS
  token. (Its video items are not sized.)
* gemma3: mm_tokens_per_image per image (pan-and-scan off by default); the tower sees
  (image_size/patch)^2 patches.
* generic CLIP/SigLIP towers: (image_size/patch)^2 tokens and patches (plus the CLS token).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol


class VisionFacts(Protocol):
    """The vision shapes this module reads (wizard.model.facts.VisionFacts has them; the release
    layer sits below the model layer, so it names the fields rather than importing the class)."""

    @property
    def family(self) -> str: ...
    @property
    def hidden_size(self) -> int: ...
    @property
    def intermediate_size(self) -> int: ...
    @property
    def patch_size(self) -> int: ...
    @property
    def image_size(self) -> int: ...
    @property
    def spatial_merge_size(self) -> int: ...
    @property
    def temporal_patch_size(self) -> int: ...
    @property
    def out_hidden_size(self) -> int: ...
    @property
    def deepstack_levels(self) -> int: ...
    @property
    def gated_mlp(self) -> bool: ...
    @property
    def tokens_per_image(self) -> int: ...
    @property
    def grid_pinpoints(self) -> tuple[tuple[int, int], ...]: ...
    @property
    def video(self) -> bool: ...
    @property
    def max_tiles(self) -> int: ...
    @property
    def image_max_pixels(self) -> int: ...
    @property
    def video_max_pixels(self) -> int: ...


Key = tuple[int, int, int]
QWEN2_IMAGE_MAX_PIXELS = 12_845_056  # Qwen2VLImageProcessor max_pixels (28 x 28 x 16384)
QWEN2_VIDEO_FRAME_MAX_PIXELS = 768 * 28 * 28  # Qwen2VLVideoProcessor longest_edge
QWEN2_MAX_FRAMES = 16  # qwen2_vl.py _MAX_FRAMES_PER_VIDEO (0.10.2)
QWEN3_IMAGE_MAX_PIXELS = 16_777_216  # Qwen3-VL image processor longest_edge
QWEN3_VIDEO_MAX_PIXELS = 25_165_824  # Qwen3-VL video processor longest_edge (all frames of a video)
PIXEL_BYTES = 4  # float32 pixel values from the HF processors
QWEN3_VIDEO_TEXT_FACTOR = 12.5  # 0.11.0-0.12.x: timestamp text per video token
V1_PROFILE = "vllm/v1/worker/gpu_model_runner.py GPUModelRunner.profile_run"
V0_CAP = "vllm/worker/model_runner.py GPUModelRunnerBase._dummy_run (max_num_seqs cap)"


@dataclass(frozen=True, slots=True)
class MmItem:
    """One dummy item of a modality at its largest."""

    modality: str
    prompt_tokens: int  # what the encoder budget counts (placeholder tokens in the prompt)
    output_tokens: int  # rows the encoder returns for the dummy item
    patches: int  # tokens the vision tower runs on for the dummy item
    pixels_per_patch: int  # input values per patch (channels x frames folded x patch^2)


@dataclass(frozen=True, slots=True)
class EncoderProfile:
    """The multimodal part of one rank's profile run (bytes)."""

    modality: str
    items: int
    budget: int  # "Encoder cache will be initialized with a budget of N tokens"
    item: MmItem
    held_bytes: int  # encoder outputs kept through the text dummy run
    tower_bytes: int  # the tower's own transient peak (with its outputs)
    source: str = V1_PROFILE
    tiles: int = 0  # encoder-decoder: tiles of each dummy image

    def peak(self, text_phase: int) -> int:
        """The profile's activation peak given the text phase's (forward or sampler) peak."""
        return max(self.tower_bytes, self.held_bytes + text_phase)


def _cells(max_pixels: int, cell: int) -> int:
    """Output tokens of the largest square image smart_resize allows under max_pixels."""
    side = int(math.isqrt(max_pixels)) // cell
    return side * side


def qwen3_video_text_factor(key: Key) -> float:
    return QWEN3_VIDEO_TEXT_FACTOR if (0, 11, 0) <= key < (0, 13, 0) else 1.0


def item_shapes(v: VisionFacts, key: Key, *, max_model_len: int) -> dict[str, MmItem]:
    """The largest item of each modality the tower takes, as the release's processor sizes it."""
    p, m, t = v.patch_size, max(1, v.spatial_merge_size), max(1, v.temporal_patch_size)
    pix = 3 * t * p * p
    if v.family == "qwen2_vl":
        per_group = _cells(v.image_max_pixels or QWEN2_IMAGE_MAX_PIXELS, p * m)
        out: dict[str, MmItem] = {"image": MmItem("image", per_group, per_group, per_group * m * m, pix)}
        if v.video:
            groups = max(1, min(max_model_len // per_group, QWEN2_MAX_FRAMES // t))
            frame_tokens = _cells(v.video_max_pixels or QWEN2_VIDEO_FRAME_MAX_PIXELS, p * m) \
                if key >= (0, 10, 0) else per_group
            out["video"] = MmItem("video", groups * per_group, groups * frame_tokens, groups * frame_tokens * m * m,
                                  pix)
        return out
    if v.family == "qwen3_vl":
        image = _cells(v.image_max_pixels or QWEN3_IMAGE_MAX_PIXELS, p * m)
        out = {"image": MmItem("image", image, image, image * m * m, pix)}
        if v.video:
            soft = (v.video_max_pixels or QWEN3_VIDEO_MAX_PIXELS) // (p * p * t * m * m)
            out["video"] = MmItem("video", int(soft * qwen3_video_text_factor(key)), soft, soft * m * m, pix)
        return out
    if not v.image_size or not p:
        return {}
    side = v.image_size // p
    if v.family == "llava_next" and v.grid_pinpoints:
        best = max(v.grid_pinpoints, key=lambda hw: (hw[0] // p) * (hw[1] // p) + hw[0] // p)
        h, w = best
        tokens = side * side + (h // p) * (w // p) + h // p
        tiles = 1 + (h // v.image_size) * (w // v.image_size)
        return {"image": MmItem("image", tokens, tokens, tiles * (side * side + 1), 3 * p * p)}
    if v.family == "internvl":
        tiles = max(1, v.max_tiles)
        return {"image": MmItem("image", v.tokens_per_image, v.tokens_per_image, tiles * (side * side + 1),
                                3 * p * p)}
    if v.family == "gemma3":
        tokens = v.tokens_per_image or side * side
        return {"image": MmItem("image", tokens, tokens, side * side, 3 * p * p)}
    if v.family == "mllama":
        return {}  # encoder-decoder: profiled per sequence (see enc_dec_image_bytes)
    return {"image": MmItem("image", side * side, side * side, side * side + 1, 3 * p * p)}


def encoder_budget(max_num_batched_tokens: int, item_tokens: int) -> int:
    return max(max_num_batched_tokens, item_tokens)


def items_profiled(key: Key, *, budget: int, item_tokens: int, max_num_seqs: int, limit: int,
                   max_model_len: int) -> int:
    if key < (0, 10, 0):
        return max(1, min(-(-budget // item_tokens), max_num_seqs * limit))
    per_prompt = max(1, min(limit, max_model_len // item_tokens))
    return max(1, min(budget // item_tokens, max_num_seqs * per_prompt))


def held_rows(key: Key, item: MmItem, budget: int) -> int:
    """Rows each held encoder output occupies (the 0.11-0.12 zero-padded copies)."""
    if (0, 11, 0) <= key < (0, 12, 0):
        return max(item.output_tokens, budget)
    if (0, 12, 0) <= key < (0, 13, 0):
        return max(item.output_tokens, item.prompt_tokens)
    return item.output_tokens


def output_width(v: VisionFacts, text_hidden: int) -> int:
    return (v.out_hidden_size or text_hidden) * (1 + v.deepstack_levels)


def tower_bytes(v: VisionFacts, *, patches: int, tp: int, model_bytes: int) -> int:
    """Peak of one tower block over `patches` patches on one rank, above its input: the residual
    stream and the normed copy, plus the larger of the MLP's intermediates (fc1 and its activation,
    or gate_up and the activated half) and the attention workspace (fused qkv, the rotated q and k,
    the attention output: 6 x hidden; varlen flash / memory-efficient attention holds no
    patches^2 scores), both split over TP like vLLM's towers."""
    tp = max(1, tp)
    inter = v.intermediate_size // tp
    mlp = 3 * inter if v.gated_mlp else 2 * inter
    attention = 6 * v.hidden_size // tp
    return patches * model_bytes * (2 * v.hidden_size + max(mlp, attention))


def v1_encoder_profile(v: VisionFacts | None, key: Key, *, text_hidden: int, max_model_len: int,
                       max_num_batched_tokens: int, max_num_seqs: int, limits: dict[str, int], tp: int,
                       model_bytes: int) -> EncoderProfile | None:
    """The encoder part of V1's profile run on one rank, or None (no vision facts, or every
    modality limited to 0)."""
    if v is None:
        return None
    shapes = {k: s for k, s in item_shapes(v, key, max_model_len=max_model_len).items() if limits.get(k, 1) > 0}
    if not shapes:
        return None
    # vllm: max(..., key=lambda x: x[1]) keeps the first of equal counts; dicts keep insertion order.
    item = max(shapes.values(), key=lambda s: s.prompt_tokens)
    budget = encoder_budget(max_num_batched_tokens, item.prompt_tokens)
    items = items_profiled(key, budget=budget, item_tokens=item.prompt_tokens, max_num_seqs=max_num_seqs,
                           limit=limits.get(item.modality, 1), max_model_len=max_model_len)
    width = output_width(v, text_hidden)
    inputs = items * item.patches * item.pixels_per_patch * PIXEL_BYTES
    held = items * held_rows(key, item, budget) * width * model_bytes + inputs
    outputs = items * item.output_tokens * width * model_bytes
    tower = tower_bytes(v, patches=items * item.patches, tp=tp, model_bytes=model_bytes) + inputs + outputs
    return EncoderProfile(item.modality, items, budget, item, held, tower)


MLLAMA_KEPT_LAYERS = 5  # intermediate_layers_indices (5 in the released configs) stacked into the output
ENC_DEC_PROFILE = "vllm/worker/enc_dec_model_runner.py EncoderDecoderModelRunner.profile_run"


def enc_dec_profile(v: VisionFacts, *, max_num_seqs: int, images_per_seq: int, tp: int, model_bytes: int,
                    text_hidden: int, max_tiles: int) -> EncoderProfile | None:
    """The V0 encoder-decoder profile of an mllama model on one rank: an image per dummy sequence."""
    if not v.image_size or not v.patch_size or images_per_seq <= 0:
        return None
    side = v.image_size // v.patch_size
    per_tile = -(-(side * side + 1) // 8) * 8
    length = max(1, max_tiles) * per_tile
    images = max_num_seqs * images_per_seq
    pixels = max(1, max_tiles) * 3 * v.image_size * v.image_size * PIXEL_BYTES
    mask = 2 * length * length * model_bytes
    blocks = tower_bytes(v, patches=length, tp=tp, model_bytes=model_bytes)
    kept = MLLAMA_KEPT_LAYERS * length * v.hidden_size * model_bytes
    states = length * text_hidden * model_bytes
    item = MmItem("image", length, length, length, 3 * v.patch_size * v.patch_size)
    return EncoderProfile("image", images, 0, item, held_bytes=images * (states + pixels),
                          tower_bytes=images * (pixels + mask + blocks + kept + states), source=ENC_DEC_PROFILE,
                          tiles=max(1, max_tiles))


def skip_flag_honoured(key: Key) -> bool:
    """`--skip-mm-profiling` (0.10.1+, MultiModalConfig.skip_mm_profiling): V1's `profile_run` logs
    "Skipping memory profiling for multimodal encoder and encoder cache." and runs the text dummy
    run alone (read 0.10.2, 0.11.0, 0.20.2); the encoder's memory then comes out of the KV cache's
    share at the first large image."""
    return key >= (0, 10, 1)


def v0_max_mm_tokens(v: VisionFacts | None, key: Key, *, max_model_len: int, limits: dict[str, int]) -> int:
    """V0's max_mm_tokens: limit x largest item, summed over the modalities (0 when unknown)."""
    if v is None:
        return 0
    return sum(s.prompt_tokens * limits.get(k, 1) for k, s in item_shapes(v, key, max_model_len=max_model_len).items())
