"""Speculative decoding as the planner sees it: which drafter, and what it adds to memory.

Two spellings exist across releases (wizard/data/vllm_releases.json): 0.4.1-0.8.2 take
`--speculative-model NAME --num-speculative-tokens N` (a draft model name, or "[ngram]");
0.8.2 onward take one JSON object `--speculative-config '{"method": ..., "model": ...,
"num_speculative_tokens": N}'` (0.8.3 dropped the old pair). Both pins land in one
`SpeculativeConfig`, and the argv writes whichever form the planned release parses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from wizard.frozen import Frozen
from wizard.i18n import msg

# Methods whose drafter is a set of extra layers inside the target checkpoint (vLLM loads the
# checkpoint's `mtp` tensors: DeepSeek-V3 `num_nextn_predict_layers`, Qwen3-Next, MiMo, GLM-4.5, ...).
MTP_METHODS = frozenset({"mtp", "deepseek_mtp", "qwen3_next_mtp", "mimo_mtp", "glm4_moe_mtp", "ernie_mtp",
                         "longcat_flash_mtp", "qwen3_5_mtp"})
# Methods with no drafter weights and no drafter KV cache.
WEIGHTLESS_METHODS = frozenset({"ngram", "suffix"})
_LEGACY_NGRAM = "[ngram]"  # 0.4-0.8.2 spelling of prompt-lookup decoding in --speculative-model


@dataclass(frozen=True, kw_only=True)
class SpeculativeConfig(Frozen):
    """The drafter the user asked for. `text` is the JSON the user gave (canonical, keys sorted), so
    the argv passes on keys the planner does not model (prompt_lookup_max, acceptance method, ...)."""

    method: str | None = None
    model: str | None = None
    num_speculative_tokens: int | None = None
    draft_tensor_parallel_size: int | None = None
    text: str = "{}"

    @property
    def kind(self) -> str:
        """"mtp", "ngram" or "draft" (a separate draft model: draft_model, eagle, medusa, ...)."""
        method = (self.method or "").lower()
        if method in MTP_METHODS or method.endswith("_mtp"):
            return "mtp"
        if method in WEIGHTLESS_METHODS or self.model == _LEGACY_NGRAM:
            return "ngram"
        return "draft"


def _plain(value: object, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_.\-/~\[\]]+", value.strip()):
        raise ValueError(msg("inputs.spec_bad_field", field=key))
    return value.strip()


def _count(value: object, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(msg("inputs.spec_bad_count", field=key))
    return value


def parse_draft_model(text: str) -> str | None:
    """`--set speculative-model=NAME`: a hub id, a local folder or "[ngram]"."""
    raw = text.strip()
    if raw.lower() in {"", "none", "null"}:
        return None
    return _plain(raw, "speculative-model")


def parse_speculative_config(text: str) -> SpeculativeConfig | None:
    """`--set speculative-config=JSON` -> SpeculativeConfig (ValueError with a catalog message)."""
    raw = text.strip()
    if raw.lower() in {"", "none", "null"}:
        return None
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, RecursionError):  # nesting deeper than Python's stack: not a config
        raise ValueError(msg("inputs.spec_not_json")) from None
    if not isinstance(data, dict):
        raise ValueError(msg("inputs.spec_not_json"))
    method = _plain(data.get("method"), "method")
    model = _plain(data.get("model"), "model")
    if method is None and model is None:
        raise ValueError(msg("inputs.spec_needs_method"))
    return SpeculativeConfig(
        method=method, model=model,
        num_speculative_tokens=_count(data.get("num_speculative_tokens"), "num_speculative_tokens"),
        draft_tensor_parallel_size=_count(data.get("draft_tensor_parallel_size"), "draft_tensor_parallel_size"),
        text=json.dumps(data, sort_keys=True, separators=(",", ":")),
    )


def merged(config: SpeculativeConfig | None, model: str | None, tokens: int | None) -> SpeculativeConfig | None:
    """One drafter from the JSON pin and the legacy `speculative-model` / `num-speculative-tokens` pins
    (the legacy pins fill in what the JSON leaves out)."""
    if config is None and model is None:
        return None
    base = config or SpeculativeConfig()
    data = json.loads(base.text)
    if base.model is None and model is not None:
        data["model"] = model
        if model == _LEGACY_NGRAM:
            data.setdefault("method", "ngram")
    if base.num_speculative_tokens is None and tokens is not None:
        data["num_speculative_tokens"] = tokens
    if data == json.loads(base.text) and config is not None:
        return config
    return SpeculativeConfig(
        method=data.get("method"), model=data.get("model"), num_speculative_tokens=data.get("num_speculative_tokens"),
        draft_tensor_parallel_size=base.draft_tensor_parallel_size,
        text=json.dumps(data, sort_keys=True, separators=(",", ":")),
    )


def argv_for(spec: SpeculativeConfig, *, has_config_flag: bool, has_legacy_flags: bool) -> list[str]:
    """The drafter in the release's spelling (JSON where the release has it, else the old pair)."""
    if has_config_flag or not has_legacy_flags:
        return ["--speculative-config", spec.text]
    model = spec.model or (_LEGACY_NGRAM if spec.kind == "ngram" else None)
    argv = ["--speculative-model", model] if model else []
    if spec.num_speculative_tokens is not None:
        argv += ["--num-speculative-tokens", str(spec.num_speculative_tokens)]
    return argv
