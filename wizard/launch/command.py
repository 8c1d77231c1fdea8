"""The exact command a launch runs: the plan's argv plus the exposure flags, and the environment.

Secrets live only in `env` (the values the child process gets); everything meant for display —
`display_env`, `shell_line`, JSON — shows their names with "<set>" instead of the value.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from wizard import envvars as ev
from wizard.launch.options import LaunchOptions
from wizard.planner.plan import Plan

SECRET_MARK = "<set>"


@dataclass(frozen=True)
class LaunchCommand:
    argv: tuple[str, ...]
    env: dict[str, str] = field(repr=False)  # holds secret values: never in repr, logs or tracebacks
    secret_names: frozenset[str] = field(default_factory=frozenset)

    def __repr__(self) -> str:
        return f"LaunchCommand(argv={self.argv!r}, env={self.display_env()!r})"

    def display_env(self) -> dict[str, str]:
        return {k: (SECRET_MARK if k in self.secret_names else v) for k, v in self.env.items()}

    def shell_line(self) -> str:
        """One copy-pasteable line with secrets shown by name (`VLLM_API_KEY=<set>` is not pasted as is)."""
        env = " ".join(f"{k}={v if k in self.secret_names else shlex.quote(v)}" for k, v in self.display_env().items())
        return (env + " " if env else "") + shlex.join(self.argv)


def build_command(plan: Plan, options: LaunchOptions | None = None) -> LaunchCommand:
    options = options or LaunchOptions()
    argv = list(plan.argv)
    argv += ["--host", options.host, "--port", str(options.port)]
    if options.served_model_name:
        argv += ["--served-model-name", options.served_model_name]
    if options.lora_modules:
        # One flag with every item: vLLM's LoRAParserAction replaces the list on each --lora-modules.
        argv += ["--lora-modules", *options.lora_modules]
    env = dict(plan.env)
    secrets: set[str] = set()
    if options.api_key is not None:
        env[ev.VLLM_API_KEY] = options.api_key.get_secret_value()
        secrets.add(ev.VLLM_API_KEY)
    return LaunchCommand(tuple(argv), env, frozenset(secrets))


def join_list_flag(argv: tuple[str, ...], flag: str = "--lora-modules") -> tuple[str, ...]:
    """`argv` with every `flag ITEM...` gathered into the first one: vLLM's LoRAParserAction
    replaces the list on each occurrence, so adapters from a pasted command and from the app would
    otherwise silently lose the earlier ones."""
    if argv.count(flag) < 2:
        return argv
    out: list[str] = []
    items: list[str] = []
    at = -1
    i = 0
    while i < len(argv):
        if argv[i] != flag:
            out.append(argv[i])
            i += 1
            continue
        if at < 0:
            at = len(out)
        i += 1
        while i < len(argv) and not argv[i].startswith("--"):
            if argv[i] not in items:
                items.append(argv[i])
            i += 1
    return (*out[:at], flag, *items, *out[at:])
