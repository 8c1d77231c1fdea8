"""What the Review step shows and exports: the launcher's renderings of the exact command.

wizard.launch.export renders every format (vllm serve --config YAML, env file, systemd unit, docker
run, Compose, shell script, Kubernetes) and writes files safely (never world-readable secrets); the
headless `vllm-wizard export` uses the same module. This one only names the files and asks before
replacing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from screens.derive import Derived, gpu_indices
from screens.state import WizardState
from wizard.launch import export as launcher
from wizard.launch.command import LaunchCommand
from wizard.launch.export.common import ExportContext, default_name

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


def formats(command: LaunchCommand) -> list[Format]:
    name = default_name(command)
    return [Format(k, launcher.FORMATS[k].filename.format(name=name)) for k in ORDER if k in launcher.FORMATS]


def export_context(state: WizardState, derived: Derived) -> ExportContext:
    """What the exports need besides the command: the vLLM release, the GPUs, a hub model or not."""
    plan = derived.plan
    used = plan.settings.tensor_parallel_size * plan.settings.pipeline_parallel_size if plan else 1
    model = state.model.facts
    return ExportContext(vllm_version=state.vllm_version, gpu_indices=gpu_indices(state), gpu_count=used,
                         hub_model=model is not None and model.source != "local")


def render(kind: str, command: LaunchCommand, ctx: ExportContext | None = None) -> str:
    return launcher.export_text(kind, command, ctx)[0]


def export(kind: str, command: LaunchCommand, ctx: ExportContext, folder: Path, *, force: bool = False) -> Path:
    """Write one export into `folder`; ExportExists when the file is there and `force` is off."""
    fmt = next(f for f in formats(command) if f.key == kind)
    path = folder / fmt.filename
    if path.exists() and not force:
        raise ExportExists(path)
    text, secret = launcher.export_text(kind, command, ctx)
    return launcher.write_export(path, text, mode=launcher.FORMATS[kind].mode, secret=secret, force=True)
