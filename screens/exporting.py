"""What the Review step shows and exports: the launcher's renderings of the exact command.

wizard.launch.export renders every format (vllm serve --config YAML, env file, systemd unit, docker
run, Compose, shell script, Kubernetes) and writes files safely (never world-readable secrets); the
headless `vllm-wizard export` uses the same module. This one only names the files and asks before
replacing one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from screens.derive import Derived, gpu_indices
from screens.i18n import current_language
from screens.state import WizardState
from wizard.launch import export as launcher
from wizard.launch.command import LaunchCommand
from wizard.launch.export.common import ExportContext, default_name
from wizard.launch.export.hub_env import hub_env
from wizard.planner.choose import select_gpus

ORDER = ("yaml", "script", "env", "systemd", "docker", "compose", "k8s")
# A plan over several nodes is one server started on every node: only these describe it (as the
# headless `export --format ray|lws`).
MULTINODE = {"ray": "{name}-ray.sh", "lws": "{name}-lws.yaml"}


class ExportExists(Exception):
    """The file is there already: the app asks again before replacing it."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


@dataclass(frozen=True)
class Format:
    key: str
    filename: str


def formats(command: LaunchCommand, nodes: int = 1) -> list[Format]:
    name = default_name(command)
    if nodes > 1:
        return [Format(k, filename.format(name=name)) for k, filename in MULTINODE.items()]
    return [Format(k, launcher.FORMATS[k].filename.format(name=name)) for k in ORDER if k in launcher.FORMATS]


def export_multinode_file(kind: str, command: LaunchCommand, plan, options, folder: Path, *,
                          force: bool = False) -> Path:
    """A Ray script for every node, or a Kubernetes LeaderWorkerSet, as `export --format ray|lws` writes."""
    from wizard.launch.multinode_export import export_multinode  # noqa: PLC0415 - wizard.launch.multinode_export pulls PyYAML: kept off start-up

    path = folder.resolve() / MULTINODE[kind].format(name=default_name(command))
    text = export_multinode(kind, plan, options, name=default_name(command))
    if path.exists() and not force and _content(path) != text:
        raise ExportExists(path)
    return launcher.write_export(path, text, mode=0o755 if kind == "ray" else 0o644, force=True)


def export_context(state: WizardState, derived: Derived, env: Mapping[str, str] | None = None) -> ExportContext:
    """What the exports need besides the command: the vLLM release, the planned GPUs, the vLLM that
    was checked, and for a hub model the hub's variables (from `env`, the wizard's environment)."""
    plan = derived.plan
    used = plan.settings.tensor_parallel_size * plan.settings.pipeline_parallel_size if plan else 1
    indices = gpu_indices(state)
    if plan is not None and indices is not None:
        indices = tuple(g.index for g in select_gpus(plan.request)[:used])  # the ones vLLM will use
    model = state.model.facts
    source = model.source if model is not None else "local"
    ref = state.model.ref or ""
    env = os.environ if env is None else env
    hub = hub_env(source, env, model_is_path=ref.startswith("/"))
    # vLLM fetches a LoRA adapter given by id from Hugging Face at start-up, whatever the model's hub:
    # the unit needs the endpoint (a mirror in China) and the token passthrough for it too.
    hub_adapters = any(not a.local for a in state.lora)
    if hub_adapters and source != "hf":
        hub = {**hub_env("hf", env), **hub}
    exe = state.prep.vllm_exe if state.prep is not None else None
    return ExportContext(vllm_version=state.vllm_version, gpu_indices=indices, gpu_count=used,
                         hub_model=source != "local" or hub_adapters, hub_env=hub, vllm_exe=str(exe) if exe else None,
                         lang=current_language())


def render(kind: str, command: LaunchCommand, ctx: ExportContext | None = None) -> str:
    return launcher.export_text(kind, command, ctx)[0]


def export_paths(kind: str, command: LaunchCommand, folder: Path) -> list[Path]:
    """The files one export writes: a systemd unit for a command with secrets brings its env file
    (the unit reads the API key from it; systemd must never start vLLM with the key `<set>`)."""
    names = {f.key: f.filename for f in formats(command)}
    paths = [folder / names[kind]]
    if kind == "systemd" and command.secret_names:
        paths.append(folder / names["env"])
    return paths


def export(kind: str, command: LaunchCommand, ctx: ExportContext, folder: Path, *, force: bool = False) -> Path:
    """Write one export into `folder`; ExportExists when a file with other content is there and
    `force` is off.

    The env file holds the real secret values (the app has no --out: writing the file is the ask),
    with mode 0600 from the moment it exists; every other format refers to them by name."""
    paths = export_paths(kind, command, folder.resolve())
    if len(paths) > 1:
        ctx = replace(ctx, env_file=str(paths[1]))
    kinds = [kind, "env"][:len(paths)]
    texts = [launcher.export_text(k, command, ctx, include_secrets=True) for k in kinds]
    for path, (text, _) in zip(paths, texts, strict=True):
        if path.exists() and not force and _content(path) != text:
            raise ExportExists(path)
    for k, path, (text, secret) in reversed(list(zip(kinds, paths, texts, strict=True))):
        launcher.write_export(path, text, mode=launcher.FORMATS[k].mode, secret=secret, force=True)
    return paths[0]


def _content(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
