"""Warnings about what the multimodal profile run costs (wizard.releases.multimodal), with the flag
that shrinks it. Shown when the encoder's share is large: at least 1 GiB or a tenth of the request."""

from __future__ import annotations

from wizard.i18n import msg
from wizard.planner.predict import Prediction
from wizard.releases import multimodal as mm

GIB = 1 << 30


def collect(pred: Prediction) -> list[tuple[str, str]]:
    enc = pred.encoder
    if enc is None:
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
