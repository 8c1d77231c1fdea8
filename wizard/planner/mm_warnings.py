"""Warnings about what the multimodal profile run costs (wizard.releases.multimodal), with the flag
that shrinks it. Shown when the encoder's share is large: at least 1 GiB or a tenth of the request."""

from __future__ import annotations

from wizard.i18n import msg
from wizard.planner.predict import Prediction
from wizard.planner.settings import Settings
from wizard.releases import multimodal as mm

GIB = 1 << 30


def collect(pred: Prediction) -> list[tuple[str, str]]:
    enc = pred.encoder
    if enc is None:
        if pred.settings.skip_mm_profiling:
            return [("mm_profile_skipped", msg("mm.warn.profile_skipped"))]
        return []
    cost = max(enc.tower_bytes, enc.held_bytes)
    if cost < GIB and cost * 10 < pred.worst.requested:
        return []
    if enc.source == mm.ENC_DEC_PROFILE:
        return [("mm_enc_dec_profile", msg("mm.warn.enc_dec_profile", tiles=enc.tiles,
                                           seqs=pred.settings.max_num_seqs, gib=cost / GIB))]
    return [("mm_encoder_profile", msg("mm.warn.encoder_profile", items=enc.items, modality=enc.modality,
                                       tokens=enc.item.prompt_tokens, budget=enc.budget, gib=cost / GIB)),
            ("mm_limit_hint", msg("mm.hint.video" if enc.modality == "video" else "mm.hint.text"))]


def fix_candidates(settings: Settings, codes: set[str]) -> list[tuple[str, str, dict]]:
    """Fixes that shrink the multimodal profile (planner.fixes verifies each by re-planning):
    profile an image rather than a video, skip the encoder profile (text only), or, for the
    encoder-decoder runner, fewer dummy sequences (16, as vLLM's own Llama-3.2-Vision examples)."""
    out: list[tuple[str, str, dict]] = []
    limits = dict(settings.mm_limits)
    if "mm_limit_hint" in codes and limits.get("video") != 0:
        pairs = {**limits, "image": limits.get("image", 1), "video": 0}
        out.append(("mm_images_only", msg("mm.fix.images_only"),
                    {"limit_mm_per_prompt": ",".join(f"{k}={v}" for k, v in sorted(pairs.items()))}))
    if "mm_limit_hint" in codes:
        pairs = {k: 0 for k in {*limits, "image", "video"}}
        out.append(("mm_text_only", msg("mm.fix.text_only"),
                    {"limit_mm_per_prompt": ",".join(f"{k}={v}" for k, v in sorted(pairs.items()))}))
    if "mm_enc_dec_profile" in codes and settings.max_num_seqs > 16:
        out.append(("mm_fewer_seqs", msg("mm.fix.max_num_seqs", n=16), {"max_num_seqs": 16}))
    return out
