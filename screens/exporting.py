"""What the Review step shows and exports: the launcher's renderings of the exact command.

wizard.launch.export renders every format (vllm serve --config YAML, env file, systemd unit, docker
run, Compose, shell script, Kubernetes) and writes files safely (never world-readable secrets). If
that module is missing, a YAML and a script fallback render the same argv, so the step still works.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from screens.derive import Derived, gpu_indices
from screens.state import WizardState
from wizard.launch.command import LaunchCommand

ORDER = ("yaml", "script", "env", "systemd", "docker", "compose", "k8s")


class ExportExists(Exception):
    """The file is there already: the app asks again before replacing it."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


@dataclass(frozen=True)
class Format:
    key: str
    filename: str


def _launcher() -> Any:
    try:
        from wizard.launch import export
    except ImportError:
        return None
    return export


def formats(command: LaunchCommand) -> list[Format]:
    export = _launcher()
    if export is None:
        return [Format("yaml", "vllm-serve.yaml"), Format("script", "vllm-serve.sh")]
    from wizard.launch.export.common import default_name

    name = default_name(command)
    return [Format(k, export.FORMATS[k].filename.format(name=name)) for k in ORDER if k in export.FORMATS]


def export_context(state: WizardState, derived: Derived) -> Any:
    """What the exports need besides the command: the vLLM release, the GPUs, a hub model or not."""
    try:
        from wizard.launch.export.common import ExportContext
    except ImportError:
        return None
    plan = derived.plan
    used = plan.settings.tensor_parallel_size * plan.settings.pipeline_parallel_size if plan else 1
    model = state.model.facts
    return ExportContext(vllm_version=state.vllm_version, gpu_indices=gpu_indices(state), gpu_count=used,
                         hub_model=model is not None and model.source != "local")


def render(kind: str, command: LaunchCommand, ctx: Any = None) -> str:
    export = _launcher()
    if export is not None:
        return export.export_text(kind, command, ctx)[0]
    return {"yaml": _yaml, "script": _script}[kind](command)


def export(kind: str, command: LaunchCommand, ctx: Any, folder: Path, *, force: bool = False) -> Path:
    """Write one export into `folder`; ExportExists when the file is there and `force` is off."""
    fmt = next(f for f in formats(command) if f.key == kind)
    path = folder / fmt.filename
    if path.exists() and not force:
        raise ExportExists(path)
    launcher = _launcher()
    if launcher is None:
        path.write_text(render(kind, command), encoding="utf-8")
        path.chmod(0o755 if kind == "script" else 0o644)
        return path
    text, secret = launcher.export_text(kind, command, ctx)
    return launcher.write_export(path, text, mode=launcher.FORMATS[kind].mode, secret=secret, force=True)


# --- fallbacks (only without wizard.launch.export) -------------------------------------------------


def _scalar(value: str) -> str:
    if re.fullmatch(r"-?\d+(\.\d+)?|true|false|[A-Za-z0-9_./+-]+", value) and not value.startswith("-"):
        return value
    return json.dumps(value)


def _yaml(command: LaunchCommand) -> str:
    rest = list(command.argv[2:])
    lines = [f"model: {_scalar(rest.pop(0))}"] if rest else []
    while rest:
        name = rest.pop(0).removeprefix("--")
        value = rest.pop(0) if rest and not rest[0].startswith("--") else "true"
        lines.append(f"{name}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


def _script(command: LaunchCommand) -> str:
    lines = ["#!/usr/bin/env bash", "set -euo pipefail"]
    for name, value in command.env.items():
        if name in command.secret_names:
            lines.append(f': "${{{name}:?export {name} first}}"')
        else:
            lines.append(f"export {name}={shlex.quote(value)}")
    return "\n".join([*lines, "exec " + shlex.join(command.argv)]) + "\n"
