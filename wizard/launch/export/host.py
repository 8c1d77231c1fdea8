"""Exports that run `vllm serve` directly on the host: --config YAML, env file, systemd unit, script."""

from __future__ import annotations

import re
import shlex

from wizard.launch.command import SECRET_MARK, LaunchCommand
from wizard.launch.export import yamlish
from wizard.launch.export.common import STARTUP_SECONDS, ExportContext, default_name, export_env, split_argv

HEADER = "Written by vllm-wizard from its plan"


def _yaml_value(value: str | None) -> object:
    if value is None:
        return True
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            continue
    return value


def render_yaml(command: LaunchCommand, ctx: ExportContext | None = None) -> str:
    """For `vllm serve --config FILE.yaml` (the file name must end in .yaml or .yml). Keys are the long
    options without dashes; `--no-x` becomes `x: false`. The environment goes in the env file."""
    args = split_argv(command)
    data: dict[str, object] = {"model": args.model}
    key = ""
    for flag, value in args.options:
        if not flag.startswith("-") and key in data:
            # More items of a list option (--lora-modules a=/x b=/y): a YAML list, which vLLM's
            # config loader expands into `--key item item` (load_config_file, read in 0.11.0).
            prev = data[key]
            data[key] = [*(prev if isinstance(prev, list) else [prev]), flag, *([value] if value is not None else [])]
            continue
        key = flag[2:]
        if value is None and key.startswith("no-"):
            data[key[3:]] = False
        else:
            data[key] = _yaml_value(value)
    env_note = ""
    if command.env:
        env_note = "# It needs these variables (see the env file): " + ", ".join(command.env) + "\n"
    return f"# {HEADER}. Run: vllm serve --config THIS_FILE.yaml\n{env_note}" + yamlish.dump(data)


def _env_value(value: str) -> str:
    # The common subset of systemd EnvironmentFile, docker --env-file and `set -a; . file`: no quotes
    # needed for plain values; others single-quoted for the shell (docker keeps them literally).
    return value if re.fullmatch(r"[A-Za-z0-9_./:,+=@-]*", value) else shlex.quote(value)


def render_env(command: LaunchCommand, ctx: ExportContext | None = None, *, include_secrets: bool = False) -> str:
    """KEY=value lines. Secret values only with include_secrets (the file is then written 0600)."""
    lines = [f"# {HEADER}: environment for vllm serve."]
    if not include_secrets and command.secret_names:
        lines.append("# Secret values are left out here; write the file with --out to include them (mode 0600).")
    ctx = ctx or ExportContext()
    env = dict(command.env)
    env.update(ctx.hub_env)
    env.update(ctx.extra_env)
    for key, value in env.items():
        if key in command.secret_names and not include_secrets:
            lines.append(f"{key}={SECRET_MARK}")
        else:
            lines.append(f"{key}={_env_value(value)}")
    return "\n".join(lines) + "\n"


def systemd_quote(arg: str) -> str:
    """One ExecStart word: systemd expands % specifiers and $ variables, and splits on spaces."""
    arg = arg.replace("%", "%%").replace("$", "$$")
    if re.fullmatch(r"[A-Za-z0-9_./:=,+@%$-]+", arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_systemd(command: LaunchCommand, ctx: ExportContext | None = None) -> str:
    ctx = ctx or ExportContext()
    args = split_argv(command)
    name = ctx.name or default_name(command)
    exe = ctx.vllm_exe or "/usr/bin/env vllm"
    exec_start = " ".join([systemd_quote(exe) if ctx.vllm_exe else exe, "serve", *map(systemd_quote, args.argv())])
    env = export_env(command, ctx)
    lines = [
        f"# {HEADER}. Install: cp {name}.service /etc/systemd/system/ && systemctl daemon-reload "
        f"&& systemctl enable --now {name}",
        "[Unit]",
        f"Description=vLLM OpenAI-compatible server ({args.model})",
        "After=network-online.target",
        "Wants=network-online.target",
        "",
        "[Service]",
        "Type=simple",
        "# Start-up loads weights, compiles and captures CUDA graphs: minutes, not systemd's default 90 s.",
        f"TimeoutStartSec={STARTUP_SECONDS}",
        "TimeoutStopSec=60",
        "# SIGINT is vLLM's graceful shutdown (the API server, the engine and the workers together).",
        "KillSignal=SIGINT",
        "Restart=on-failure",
        "RestartSec=10",
        "# Keep the torch.compile / Triton cache across restarts: the second start is much faster.",
        "CacheDirectory=vllm",
        "Environment=VLLM_CACHE_ROOT=%C/vllm",
        "Environment=TRITON_CACHE_DIR=%C/vllm/triton",
        "Environment=VLLM_NO_USAGE_STATS=1",
    ]
    lines += [f"Environment={systemd_quote(f'{k}={v}')}" for k, v in env.items()]
    if command.secret_names or ctx.env_file:
        path = ctx.env_file or f"/etc/vllm-wizard/{name}.env"
        lines.append(f"# {', '.join(sorted(command.secret_names)) or 'Secrets'} come from this file (mode 0600, owned by root).")
        lines.append(f"EnvironmentFile={path}")
    lines += ["LimitNOFILE=65536", f"ExecStart={exec_start}", "", "[Install]", "WantedBy=multi-user.target"]
    return "\n".join(lines) + "\n"


def render_script(command: LaunchCommand, ctx: ExportContext | None = None) -> str:
    ctx = ctx or ExportContext()
    lines = ["#!/usr/bin/env bash", f"# {HEADER}: the exact command it planned.", "set -euo pipefail"]
    for name in sorted(command.secret_names):
        lines.append(f': "${{{name}:?export {name} before running this script}}"')
    for key, value in export_env(command, ctx).items():
        lines.append(f"export {key}={shlex.quote(value)}")
    lines.append("export VLLM_NO_USAGE_STATS=${VLLM_NO_USAGE_STATS:-1}")
    # The vLLM that was checked, by its absolute path: a conda or venv vLLM is not on every PATH.
    argv = [ctx.vllm_exe, *command.argv[1:]] if ctx.vllm_exe and command.argv[:1] == ("vllm",) else list(command.argv)
    lines.append("exec " + shlex.join(argv) + ' "$@"')
    return "\n".join(lines) + "\n"
