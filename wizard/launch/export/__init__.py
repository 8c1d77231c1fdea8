"""Exports of a planned launch: `vllm serve --config` YAML, env file, systemd unit, `docker run`,
Compose, a shell script, and a Kubernetes Deployment + Service.

`render_<format>(command, ctx=None) -> str` for each format (the UI calls these), `export_text` for a
format by name, and `write_export`, which never overwrites without permission and writes files that
hold secrets with mode 0600.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wizard.errors import InputError
from wizard.launch.command import LaunchCommand
from wizard.launch.export.common import ExportContext
from wizard.launch.export.containers import render_compose, render_docker, render_k8s
from wizard.launch.export.host import render_env, render_script, render_systemd, render_yaml
from wizard.i18n import msg


@dataclass(frozen=True)
class Format:
    filename: str  # default file name; {name} is the service name
    render: Callable[..., str]
    mode: int = 0o644


FORMATS: dict[str, Format] = {
    "yaml": Format("{name}.yaml", render_yaml),
    "env": Format("{name}.env", render_env, 0o600),
    "systemd": Format("{name}.service", render_systemd),
    "docker": Format("{name}-docker.sh", render_docker, 0o755),
    "compose": Format("compose.yaml", render_compose),
    "script": Format("{name}.sh", render_script, 0o755),
    "k8s": Format("{name}-k8s.yaml", render_k8s),
}


def export_text(fmt: str, command: LaunchCommand, ctx: ExportContext | None = None, *,
                include_secrets: bool = False) -> tuple[str, bool]:
    """(text, holds_secrets). Only the env file can hold secret values, and only when asked."""
    spec = FORMATS[fmt]
    if fmt == "env":
        holds = include_secrets and bool(command.secret_names)
        return spec.render(command, ctx, include_secrets=include_secrets), holds
    return spec.render(command, ctx), False


def write_export(path: Path, text: str, *, mode: int = 0o644, secret: bool = False, force: bool = False,
                 confirm: Callable[[Path], bool] | None = None) -> Path:
    """Write `text` to `path`. An existing file is replaced only with force or the user's yes
    (`confirm`); secrets get mode 0600 from the moment the file exists (never world-readable)."""
    path = Path(path)
    if path.is_dir():
        raise InputError(msg("launch.out.is_folder", path=str(path)))
    if path.exists() and not force and not (confirm is not None and confirm(path)):
        raise InputError(msg("launch.out.exists", path=str(path)))
    if not path.parent.is_dir():
        raise InputError(msg("launch.out.no_folder", path=str(path), folder=str(path.parent)))
    mode = 0o600 if secret else mode
    tmp = path.with_name(f".{path.name}.vllm-wizard-tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, mode)  # O_CREAT's mode is filtered by the umask; set it exactly
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


__all__ = ["FORMATS", "ExportContext", "Format", "export_text", "render_compose", "render_docker", "render_env",
           "render_k8s", "render_script", "render_systemd", "render_yaml", "write_export"]
