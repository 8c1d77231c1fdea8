"""The `vllm serve` argv and environment a plan stands for, in the spelling of the target release.

Only flags that change something are emitted (a value equal to vLLM's own default is left out
unless the user pinned it), so the command stays readable and valid across releases. Flags that
came, went or changed form between releases follow FLAG_RULES; when the installed vLLM's own
parser has been introspected (wizard.launch.introspect), `fit_to_installed` checks the argv
against it, because the installed parser, not this table, is the final word.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from wizard.planner.settings import Settings
from wizard.planner.versions import VllmVersion

# Flags whose value is always written: they are the heart of the plan and vLLM's defaults differ by release.
_ALWAYS = ("gpu_memory_utilization", "max_model_len")

V = tuple[int, int, int]


@dataclass(frozen=True)
class FlagRule:
    """When a `vllm serve` flag exists. `until` is the first release without it. `env` names the
    environment variable that did the flag's job before it existed. Releases are the first that
    carried the flag as far as shared/research records it; the installed parser overrides them."""

    flag: str
    since: V = (0, 0, 0)
    until: V | None = None
    env: str | None = None
    note: str = ""

    def present_in(self, version: VllmVersion) -> bool:
        return version.key >= self.since and (self.until is None or version.key < self.until)


FLAG_RULES: dict[str, FlagRule] = {r.flag: r for r in (
    FlagRule("--kv-cache-memory-bytes", since=(0, 10, 2), note="fixed KV size in bytes"),
    FlagRule("--enable-reasoning", since=(0, 7, 1), until=(0, 10, 0),
             note="required with --reasoning-parser before 0.9, deprecated in 0.9, removed in 0.10"),
    FlagRule("--reasoning-parser", since=(0, 7, 1)),
    FlagRule("--decode-context-parallel-size", since=(0, 11, 0)),
    # The environment variable was deprecated when the flag arrived and is silently ignored from 0.26.
    FlagRule("--attention-backend", since=(0, 12, 0), env="VLLM_ATTENTION_BACKEND"),
    # BooleanOptionalAction pairs: before these releases the negative form did not exist.
    FlagRule("--no-enable-prefix-caching", since=(0, 8, 0), note="before 0.8 prefix caching was off by default"),
    FlagRule("--no-enable-chunked-prefill", since=(0, 9, 0),
             note="before 0.9 the flag took a value: --enable-chunked-prefill False"),
)}


def flag_present(flag: str, version: VllmVersion) -> bool:
    rule = FLAG_RULES.get(flag)
    return rule is None or rule.present_in(version)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _bool_flag(name: str, value: bool, version: VllmVersion) -> list[str]:
    """`--x` / `--no-x` in the form `version` parses."""
    positive = _flag(name)
    if value:
        return [positive]
    negative = "--no-" + positive[2:]
    if flag_present(negative, version):
        return [negative]
    if name == "enable_chunked_prefill":
        return [positive, "False"]  # StoreBoolean: --enable-chunked-prefill False
    return []  # the feature was off by default in that release: nothing to say


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
        if version.needs_enable_reasoning_flag:
            argv.append("--enable-reasoning")
        argv += ["--reasoning-parser", s["reasoning_parser"]]
    if s["tool_call_parser"]:
        if s["enable_auto_tool_choice"]:
            argv.append("--enable-auto-tool-choice")
        argv += ["--tool-call-parser", s["tool_call_parser"]]
    return argv


def attention_backend_args(backend: str, version: VllmVersion) -> tuple[list[str], dict[str, str]]:
    """Force an attention backend: the flag where the release has it, else the old variable."""
    rule = FLAG_RULES["--attention-backend"]
    if rule.present_in(version):
        return [rule.flag, backend], {}
    return [], {rule.env or "VLLM_ATTENTION_BACKEND": backend}


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
    out, new_env, changes, problems = argv[:3], dict(env), [], []
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
            rule = FLAG_RULES.get(arg)
            if rule is not None and rule.env and value is not None:
                new_env[rule.env] = value
                changes.append(f"{arg} {value} is passed as {rule.env}={value}: vLLM {installed.version} has no {arg}.")
            elif arg == "--enable-reasoning":
                changes.append(f"--enable-reasoning left out: vLLM {installed.version} no longer has it.")
            else:
                problems.append(f"vLLM {installed.version} has no {arg} option.")
                out += argv[i:i + step]
            i += step
            continue
        if value is not None:
            allowed = installed.choices.get(arg)
            registry = installed.registries.get(REGISTRY_FLAGS.get(arg, ""), ())
            if allowed and value not in allowed:
                problems.append(f"{arg} {value}: vLLM {installed.version} accepts only {', '.join(allowed)}.")
            elif registry and value not in registry:
                problems.append(f"{arg} {value}: vLLM {installed.version} does not know it; it knows "
                                f"{', '.join(registry[:40])}{' …' if len(registry) > 40 else ''}.")
        out += argv[i:i + step]
        i += step
    return FitResult(out, new_env, changes, problems)
