"""Choosing and checking the planner's inputs: load format, LoRA, swap space, multimodal limits and
speculative decoding.

`choose_inputs` gives every unpinned one its value and reason (the release's own default, or the
value the release needs, e.g. `--load-format bitsandbytes` before 0.8.2); `input_failure` is what
the release refuses at start-up, with vLLM's own words and the fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.i18n import msg
from wizard.model.facts import ModelFacts
from wizard.planner import input_rules as rules
from wizard.planner import lora
from wizard.planner.argv import facts_for
from wizard.planner.settings import Settings
from wizard.planner.versions import VllmVersion
from wizard.releases.rules import LORA_ANY_RANK

if TYPE_CHECKING:
    from wizard.planner.choose import Draft
    from wizard.planner.predict import Failure

GIB = 1 << 30
# LoRAConfig.__post_init__ possible_max_ranks before 0.11.1 (config.py; read in 0.5.5-0.8.5).
_OLD_LORA_RANKS = (8, 16, 32, 64, 128, 256)


def is_bitsandbytes(model: ModelFacts, settings: Settings) -> bool:
    declared = model.quantization.method if model.quantization else None
    return "bitsandbytes" in {declared, settings.quantization}


def choose_inputs(d: Draft, model: ModelFacts, version: VllmVersion, *, draft: ModelFacts | None = None) -> None:
    s = d.settings()
    declared = model.quantization.method if model.quantization else None
    if declared == "bitsandbytes" and rules.bnb_prequantized_needs_flags(version):
        d.choose("quantization", "bitsandbytes", msg("inputs.reason_bnb_prequant_flag", version=str(version)))
        s = d.settings()
    if is_bitsandbytes(model, s) and rules.bnb_needs_load_format(version):
        d.choose("load_format", "bitsandbytes", msg("inputs.reason_bnb_load_format", version=str(version)))
    else:
        d.choose("load_format", "auto", msg("inputs.reason_load_format_auto"))
    d.choose("enable_lora", False, msg("inputs.reason_lora_off"))
    lora = d.values["enable_lora"]
    d.choose("max_loras", 1, msg("inputs.reason_max_loras") if lora else msg("inputs.reason_lora_unused"))
    d.choose("max_lora_rank", 16, msg("inputs.reason_max_lora_rank") if lora else msg("inputs.reason_lora_unused"))
    d.choose("max_cpu_loras", None, msg("inputs.reason_max_cpu_loras") if lora else msg("inputs.reason_lora_unused"))
    d.choose("swap_space", 4.0, msg("inputs.reason_swap_v0", version=str(version)) if rules.swap_space_used(version)
             else msg("inputs.reason_swap_v1", version=str(version)))
    d.choose("limit_mm_per_prompt", None, msg("inputs.reason_limit_mm"))
    d.choose("skip_mm_profiling", False, msg("mm.reason_profile_on"))
    d.choose("speculative_config", None, msg("inputs.reason_no_spec"))
    d.choose("speculative_model", None, msg("inputs.reason_no_spec"))
    d.choose("num_speculative_tokens", None, msg("inputs.reason_no_spec"))
    _host_memory_warning(d, model, version)
    spec = d.settings().speculative
    if spec is not None and spec.kind == "draft" and draft is None:
        d.warnings.append(("draft_model_not_counted", msg("inputs.warn_draft_not_counted",
                                                          model=spec.model or spec.method or "?")))
    elif spec is not None and spec.kind == "mtp" and not model.weights.bytes_by_role.get("mtp"):
        d.warnings.append(("mtp_weights_missing", msg("inputs.warn_mtp_missing")))


def _host_memory_warning(d: Draft, model: ModelFacts, version: VllmVersion) -> None:
    """Swap space is host memory per GPU (CacheConfig.verify_with_parallel_config: refused above 70%
    of RAM); it is worth a word when the user pinned it above the default. So are adapters cached
    in host memory beyond max-loras."""
    s = d.settings()
    if s.enable_lora and s.max_cpu_loras and s.max_cpu_loras > s.max_loras:
        host = lora.host_cache_bytes(model, max_cpu_loras=s.max_cpu_loras, max_rank=s.max_lora_rank, dtype_bytes=2)
        d.warnings.append(("lora_host_memory", msg("inputs.warn_lora_host", gib=round(host / GIB, 1),
                                                   count=s.max_cpu_loras, rank=s.max_lora_rank)))
    if "swap_space" in d.pinned and s.swap_space > 4 and rules.swap_space_used(version):
        total = s.swap_space * s.tensor_parallel_size
        d.warnings.append(("swap_space_host_memory", msg("inputs.warn_swap_host", gib=total, per=s.swap_space,
                                                         tp=s.tensor_parallel_size)))


def _fail(code: str, message: str) -> Failure:
    from wizard.planner.predict import Failure  # noqa: PLC0415 - import cycle: wizard.planner.predict -> checks -> this module

    return Failure(code, message)


def input_failure(model: ModelFacts, s: Settings, version: VllmVersion) -> Failure | None:
    """What `version` refuses among these inputs (checked after the core settings)."""
    facts = facts_for(version)
    bnb_quant = s.quantization == "bitsandbytes"
    if rules.bnb_needs_load_format(version):
        if bnb_quant and s.load_format != "bitsandbytes":
            return _fail("other", msg("inputs.fail_bnb_load_format", got=s.load_format))
        if s.load_format == "bitsandbytes" and not bnb_quant:
            return _fail("other", msg("inputs.fail_bnb_quantization", got=s.quantization))
    load = facts.flag("--load-format")
    if load is not None and load.choices and s.load_format not in load.choices:
        return _fail("other", msg("inputs.fail_load_format_choice", got=s.load_format, version=str(version),
                                  choices=", ".join(load.choices)))
    if s.enable_lora and not version.has(LORA_ANY_RANK) and s.max_lora_rank not in _OLD_LORA_RANKS:
        return _fail("other", msg("inputs.fail_lora_rank", rank=s.max_lora_rank, version=str(version),
                                  choices=", ".join(map(str, _OLD_LORA_RANKS))))
    spec = s.speculative
    if spec is not None and not facts.has_flag("--speculative-config"):
        if spec.kind == "mtp" or (spec.kind == "draft" and spec.model is None):
            return _fail("other", msg("inputs.fail_spec_method", method=spec.method or "?", version=str(version)))
    if spec is not None and spec.kind != "ngram" and not facts.has_flag("--speculative-config") \
            and not facts.has_flag("--speculative-model"):
        return _fail("other", msg("inputs.fail_spec_missing", version=str(version)))
    if s.swap_space != 4.0 and not facts.has_flag("--swap-space"):
        return _fail("other", msg("inputs.fail_swap_gone", version=str(version)))
    if s.skip_mm_profiling and not facts.has_flag("--skip-mm-profiling"):
        return _fail("other", msg("mm.fail_skip_profiling", version=str(version)))
    return None


# The inputs a plan lists only when they are pinned or differ from vLLM's default (the JSON always
# carries them): most plans use none of them, and ten rows of defaults would bury the ones that matter.
_INPUT_DEFAULTS = {"load_format": "auto", "enable_lora": False, "max_loras": 1, "max_lora_rank": 16,
                   "max_cpu_loras": None, "swap_space": 4.0, "limit_mm_per_prompt": None, "skip_mm_profiling": False,
                   "speculative_config": None, "speculative_model": None, "num_speculative_tokens": None}


def quiet_inputs(settings: Settings, pinned: frozenset[str]) -> frozenset[str]:
    return frozenset(name for name, default in _INPUT_DEFAULTS.items()
                     if name not in pinned and getattr(settings, name) == default)
