"""Exports that run `vllm serve` directly on the host: --config YAML, env file, systemd unit, script."""

from __future__ import annotations

import re
import shlex

from wizard.i18n import localize, msg
from wizard.launch.command import SECRET_MARK, LaunchCommand
from wizard.launch.export import yamlish
from wizard.launch.export.common import (
    STARTUP_SECONDS,
    ExportContext,
    comment,
    default_name,
    export_env,
    split_argv,
)



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
        env_note = comment(ctx, "launch.export.needs_env", names=", ".join(command.env)) + "\n"
    return comment(ctx, "launch.export.header.yaml") + f"\n{env_note}" + yamlish.dump(data)


def _env_value(value: str) -> str:
    # The common subset of systemd EnvironmentFile, docker --env-file and `set -a; . file`: no quotes
    # needed for plain values; others single-quoted for the shell (docker keeps them literally).
    return value if re.fullmatch(r"[A-Za-z0-9_./:,+=@-]*", value) else shlex.quote(value)


def render_env(command: LaunchCommand, ctx: ExportContext | None = None, *, include_secrets: bool = False) -> str:
    """KEY=value lines. Secret values only with include_secrets (the file is then written 0600)."""
    ctx = ctx or ExportContext()
    lines = [comment(ctx, "launch.export.header.env")]
    if not include_secrets and command.secret_names:
        lines.append(comment(ctx, "launch.export.env_secrets_left_out"))
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
        comment(ctx, "launch.export.header.systemd", name=name),
        "[Unit]",
        "Description=" + localize(msg("launch.export.systemd.description", model=args.model), ctx.lang),
        "After=network-online.target",
        "Wants=network-online.target",
        "",
        "[Service]",
        "Type=simple",
        comment(ctx, "launch.export.systemd.startup"),
        f"TimeoutStartSec={STARTUP_SECONDS}",
        "TimeoutStopSec=60",
        comment(ctx, "launch.export.systemd.sigint"),
        "KillSignal=SIGINT",
        "Restart=on-failure",
        "RestartSec=10",
        comment(ctx, "launch.export.systemd.cache"),
        "CacheDirectory=vllm",
        "Environment=VLLM_CACHE_ROOT=%C/vllm",
        "Environment=TRITON_CACHE_DIR=%C/vllm/triton",
        "Environment=VLLM_NO_USAGE_STATS=1",
    ]
    lines += [f"Environment={systemd_quote(f'{k}={v}')}" for k, v in env.items()]
    if command.secret_names or ctx.env_file:
        path = ctx.env_file or f"/etc/vllm-wizard/{name}.env"
        names = ", ".join(sorted(command.secret_names))
        lines.append(comment(ctx, "launch.export.systemd.secrets", names=names) if names
                     else comment(ctx, "launch.export.systemd.secrets_generic"))
        lines.append(f"EnvironmentFile={path}")
    lines += ["LimitNOFILE=65536", f"ExecStart={exec_start}", "", "[Install]", "WantedBy=multi-user.target"]
    return "\n".join(lines) + "\n"


def render_script(command: LaunchCommand, ctx: ExportContext | None = None) -> str:
    ctx = ctx or ExportContext()
    lines = ["#!/usr/bin/env bash", comment(ctx, "launch.export.header.script"), "set -euo pipefail"]
    for name in sorted(command.secret_names):
        # The catalog's sentence holds no `}`, `$` or quote, so it is safe inside ${NAME:?...}.
        needs = localize(msg("launch.export.script.needs_env", name=name), ctx.lang)
        lines.append(f': "${{{name}:?{needs}}}"')
    for key, value in export_env(command, ctx).items():
        lines.append(f"export {key}={shlex.quote(value)}")
    lines.append("export VLLM_NO_USAGE_STATS=${VLLM_NO_USAGE_STATS:-1}")
    # The vLLM that was checked, by its absolute path: a conda or venv vLLM is not on every PATH.
    argv = [ctx.vllm_exe, *command.argv[1:]] if ctx.vllm_exe and command.argv[:1] == ("vllm",) else list(command.argv)
    lines.append("exec " + shlex.join(argv) + ' "$@"')
    return "\n".join(lines) + "\n"
