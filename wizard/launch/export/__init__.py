"""Exports of a planned launch: `vllm serve --config` YAML, env file, systemd unit, `docker run`,
Compose, a shell script, and a Kubernetes Deployment + Service.

`render_<format>(command, ctx=None) -> str` for each format (the UI calls these), `export_text` for a
format by name, and `write_export`, which never overwrites without permission and writes files that
hold secrets with mode 0600.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wizard.errors import InputError
from wizard.i18n import msg
from wizard.launch.command import LaunchCommand
from wizard.launch.export.common import ExportContext
from wizard.launch.export.containers import render_compose, render_docker, render_k8s
from wizard.launch.export.host import render_env, render_script, render_systemd, render_yaml


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
    """Write `text` to `path`. Any existing name there (a file, a symlink, even a dangling one) is
    replaced only with force or the user's yes (`confirm`). The content goes first into a new file
    made exclusively in the same folder (mkstemp: O_EXCL, mode 0600 from the first moment, a random
    name no other user can pre-create or point elsewhere), then takes the name in one step."""
    path = Path(path)
    if path.is_dir():
        raise InputError(msg("launch.out.is_folder", path=str(path)))
    replace = os.path.lexists(path)
    if replace and not force and not (confirm is not None and confirm(path)):
        raise InputError(_exists_message(path))
    if not path.parent.is_dir():
        raise InputError(msg("launch.out.no_folder", path=str(path), folder=str(path.parent)))
    mode = 0o600 if secret else mode
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".vllm-wizard-tmp")
    except OSError as exc:
        raise InputError(msg("bounds.out_unwritable", path=path, folder=path.parent, reason=exc.strerror or exc)) \
            from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            # surrogateescape: a path that is not UTF-8 on disk is written back as the same bytes.
            fh.write(text.encode("utf-8", errors="surrogateescape"))
            os.fchmod(fh.fileno(), mode)  # exactly `mode`, whatever the umask; 0600 until here
        if replace:
            os.replace(tmp, path)
        else:
            _publish_new(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _publish_new(tmp: Path, path: Path) -> None:
    """Give `tmp` the name `path` only if nothing took that name meanwhile (a link fails if it exists)."""
    try:
        os.link(tmp, path, follow_symlinks=False)
    except FileExistsError:
        raise InputError(_exists_message(path)) from None
    except OSError:
        # No hard links on this file system (some network or FUSE mounts): the check above stands.
        if os.path.lexists(path):
            raise InputError(_exists_message(path)) from None
        os.replace(tmp, path)
        return
    tmp.unlink()


def _exists_message(path: Path) -> str:
    key = "bounds.out_link_exists" if path.is_symlink() else "bounds.out_exists"
    return msg(key, path=path)


__all__ = ["FORMATS", "ExportContext", "Format", "export_text", "render_compose", "render_docker", "render_env",
           "render_k8s", "render_script", "render_systemd", "render_yaml", "write_export"]
