"""The `vllm serve` argv and environment a plan stands for, in the spelling of the target release.

Only flags that change something are emitted (a value equal to vLLM's own default is left out
unless the user pinned it), so the command stays readable and valid across releases. Which flags a
release has, and in which form (a `--no-x` pair, a `--x False` value, gone), comes from the release
table (wizard.releases.facts, read from each release's own parser source); when the installed
vLLM's own parser has been introspected (wizard.launch.introspect), `fit_to_installed` checks the
argv against it, because the installed parser, not the table, is the final word.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from wizard.planner import speculative
from wizard.planner.settings import Settings
from wizard.planner.versions import EXTENSIBLE_UTILIZATION, VllmVersion
from wizard.releases.facts import ReleaseFacts
from wizard.i18n import msg

# Flags whose value is always written: they are the heart of the plan and vLLM's defaults differ by release.
_ALWAYS = ("gpu_memory_utilization", "max_model_len")
# Flags whose job an environment variable did before the flag existed (the variable was deprecated
# when the flag arrived and is silently ignored from 0.26).
FLAG_ENV_FALLBACK = {"--attention-backend": "VLLM_ATTENTION_BACKEND"}


def facts_for(version: VllmVersion) -> ReleaseFacts:
    """The release table's entry for `version` (its full text first: 0.10.1.1, 0.8.5.post1)."""
    return version.facts


def flag_present(flag: str, version: VllmVersion) -> bool:
    return facts_for(version).has_flag(flag)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _bool_flag(name: str, value: bool, version: VllmVersion) -> list[str]:
    """`--x` / `--no-x` / `--x False` in the form `version` parses."""
    positive = _flag(name)
    if value:
        return [positive]
    facts = facts_for(version)
    negative = "--no-" + positive[2:]
    if facts.has_flag(negative):
        return [negative]
    spec = facts.flag(positive)
    if spec is not None and spec.boolean and spec.takes_value:
        return [positive, "False"]  # StoreBoolean (e.g. 0.6-0.8.4 --enable-chunked-prefill False)
    return []  # a store_true flag: off is its default, nothing to say


def build_argv(
    model_ref: str,
    settings: Settings,
    version: VllmVersion,
    *,
    pinned: frozenset[str],
    defaults: dict,
) -> list[str]:
    """`defaults` holds what vLLM itself would use for the flags that may be left out.

    A pinned setting whose flag the release lacks is still written: vLLM then refuses it visibly
    (and the validation step names the fix) instead of the wizard silently dropping the user's choice.
    """
    argv = ["vllm", "serve", model_ref]
    s = settings.model_dump()

    def emit(name: str) -> bool:
        if name == "gpu_memory_utilization" and name not in pinned and s[name] == EXTENSIBLE_UTILIZATION \
                and version.sizes_kv_after_warmup(s["kv_cache_memory_bytes"]):
            # 0.34's measured sizing resolves an unset value to 1.0; written out, the same command would
            # ask an older vLLM for every byte of the GPU.
            return False
        if not (name in _ALWAYS or name in pinned or s[name] != defaults.get(name)):
            return False
        return name in pinned or flag_present(_flag(name), version)

    for name in ("tensor_parallel_size", "pipeline_parallel_size", "decode_context_parallel_size"):
        if (s[name] > 1 or name in pinned) and (name in pinned or flag_present(_flag(name), version)):
            argv += [_flag(name), str(s[name])]
    for name in ("gpu_memory_utilization", "max_model_len", "max_num_seqs", "max_num_batched_tokens", "block_size",
                 "cpu_offload_gb", "kv_cache_memory_bytes"):
        if s[name] is not None and emit(name) and not (name == "cpu_offload_gb" and not s[name]):
            value = s[name]
            argv += [_flag(name), f"{value:g}" if isinstance(value, float) else str(value)]
    for name in ("dtype", "kv_cache_dtype"):
        if s[name] != "auto" or name in pinned:
            argv += [_flag(name), s[name]]
    if s["quantization"]:
        argv += ["--quantization", s["quantization"]]
    for name in ("enforce_eager", "trust_remote_code", "disable_custom_all_reduce"):
        if s[name]:
            argv.append(_flag(name))
    for name in ("enable_chunked_prefill", "enable_prefix_caching"):
        if name in pinned and s[name] is not None:
            argv += _bool_flag(name, s[name], version)
    if s["reasoning_parser"]:
        # Required beside --reasoning-parser while it exists undeprecated (0.7.1-0.8.x); 0.9 deprecated it.
        spec = facts_for(version).flag("--enable-reasoning")
        if spec is not None and not spec.deprecated:
            argv.append("--enable-reasoning")
        argv += ["--reasoning-parser", s["reasoning_parser"]]
    if s["tool_call_parser"]:
        if s["enable_auto_tool_choice"]:
            argv.append("--enable-auto-tool-choice")
        argv += ["--tool-call-parser", s["tool_call_parser"]]
    argv += input_args(settings, version, pinned)
    return argv


def input_args(settings: Settings, version: VllmVersion, pinned: frozenset[str]) -> list[str]:
    """Weights format, LoRA, swap space, multimodal limits and speculative decoding, in `version`'s
    spelling (each flag's presence and value type read from the release table)."""
    facts = facts_for(version)
    out: list[str] = []

    def wanted(name: str, value: object, default: object) -> bool:
        return value != default or (name in pinned and value is not None)

    def known(flag: str, name: str) -> bool:
        return name in pinned or facts.has_flag(flag)

    if wanted("load_format", settings.load_format, "auto") and known("--load-format", "load_format"):
        out += ["--load-format", settings.load_format]
    if settings.enable_lora:
        out.append("--enable-lora")
        for name, default in (("max_loras", 1), ("max_lora_rank", 16), ("max_cpu_loras", None)):
            value = getattr(settings, name)
            if wanted(name, value, default) and value is not None and known(_flag(name), name):
                out += [_flag(name), str(value)]
    if "swap_space" in pinned and known("--swap-space", "swap_space"):
        out += ["--swap-space", f"{settings.swap_space:g}"]
    if settings.limit_mm_per_prompt and known("--limit-mm-per-prompt", "limit_mm_per_prompt"):
        spec = facts.flag("--limit-mm-per-prompt")
        pairs = settings.mm_limits
        if spec is not None and spec.type == "nullable_kvs":  # 0.5.5-0.8.4: image=2,video=1
            out += ["--limit-mm-per-prompt", ",".join(f"{k}={v}" for k, v in pairs)]
        else:  # 0.8.5+: a JSON object
            out += ["--limit-mm-per-prompt", json.dumps(dict(pairs), separators=(",", ":"))]
    if settings.skip_mm_profiling and known("--skip-mm-profiling", "skip_mm_profiling"):
        out.append("--skip-mm-profiling")
    spec_config = settings.speculative
    if spec_config is not None:
        out += speculative.argv_for(spec_config, has_config_flag=facts.has_flag("--speculative-config"),
                                    has_legacy_flags=facts.has_flag("--speculative-model"))
    return out


def attention_backend_args(backend: str, version: VllmVersion) -> tuple[list[str], dict[str, str]]:
    """Force an attention backend: the flag where the release has it, else the old variable."""
    if flag_present("--attention-backend", version):
        return ["--attention-backend", backend], {}
    return [], {FLAG_ENV_FALLBACK["--attention-backend"]: backend}


def build_env(gpu_indices: list[int], settings: Settings, *, no_p2p: bool, detected: bool) -> dict[str, str]:
    env: dict[str, str] = {}
    if detected:
        # NVML numbers GPUs by PCI bus; CUDA's default order is "fastest first" — pin them to agree.
        env["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID"
        env["CUDA_VISIBLE_DEVICES"] = ",".join(str(i) for i in gpu_indices)
    if no_p2p and settings.tensor_parallel_size * settings.pipeline_parallel_size > 1:
        env["NCCL_P2P_DISABLE"] = "1"
    return env


# --- checking against the installed vLLM's own parser ---------------------------------------------

# Option values that are free strings to argparse but must name a registered implementation.
REGISTRY_FLAGS = {"--quantization": "quantization", "--reasoning-parser": "reasoning_parser",
                  "--tool-call-parser": "tool_call_parser"}


@dataclass(frozen=True)
class InstalledFlags:
    """What one installed vLLM's `vllm serve` parser accepts (from wizard.launch.introspect)."""

    version: str
    options: frozenset[str]  # every option string, e.g. "--max-model-len", "-tp"
    takes_value: frozenset[str] = frozenset()
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    registries: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class FitResult:
    argv: list[str]
    env: dict[str, str]
    changes: list[str]  # what was adapted, one sentence each
    problems: list[str]  # what the installed vLLM will refuse, one sentence each

    @property
    def ok(self) -> bool:
        return not self.problems


def fit_to_installed(argv: list[str], env: Mapping[str, str], installed: InstalledFlags) -> FitResult:
    """Adapt a planned argv to the installed parser and list what it would still refuse.

    Adapts only spellings (a flag whose job moved to an environment variable, `--enable-reasoning`
    the release no longer has); a value the release does not know is a problem, never a silent
    change, because it changes what the server does.
    """
    out, new_env = argv[:3], dict(env)
    changes: list[str] = []
    problems: list[str] = []
    i = 3
    while i < len(argv):
        arg = argv[i]
        if installed.takes_value and arg in installed.options:
            takes_value = arg in installed.takes_value and i + 1 < len(argv)
        else:
            takes_value = i + 1 < len(argv) and not argv[i + 1].startswith("--")
        value = argv[i + 1] if takes_value else None
        step = 2 if takes_value else 1
        if arg.startswith("--") and arg not in installed.options:
            env_name = FLAG_ENV_FALLBACK.get(arg)
            if env_name is not None and value is not None:
                new_env[env_name] = value
                changes.append(msg("planner.argv.env_fallback", arg=arg, value=value, env=env_name, version=installed.version))
            elif arg == "--enable-reasoning":
                changes.append(msg("planner.argv.reasoning_dropped", version=installed.version))
            else:
                problems.append(msg("planner.argv.no_option", version=installed.version, arg=arg))
                out += argv[i:i + step]
            i += step
            continue
        if value is not None:
            allowed = installed.choices.get(arg)
            registry = installed.registries.get(REGISTRY_FLAGS.get(arg, ""), ())
            if allowed and value not in allowed:
                problems.append(msg("planner.argv.choices", arg=arg, value=value, version=installed.version,
                                    allowed=", ".join(allowed)))
            elif registry and value not in registry:
                known = ", ".join(registry[:40]) + (" …" if len(registry) > 40 else "")
                problems.append(msg("planner.argv.unknown_value", arg=arg, value=value, version=installed.version,
                                    known=known))
        out += argv[i:i + step]
        i += step
    return FitResult(out, new_env, changes, problems)
