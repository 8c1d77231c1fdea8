"""What every export needs besides the command: where it will run and what to call it.

The command (LaunchCommand) is the single source of the flags; exports only re-dress it. Secret
values never enter an export except the env file written with --out (mode 0600): everything else
refers to the variable by name (systemd EnvironmentFile, `docker -e NAME`, Compose interpolation,
a Kubernetes Secret).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from wizard.i18n import localize, msg
from wizard.launch.command import LaunchCommand
from wizard.launch.export.hub_env import container_hub_env
from wizard.planner.versions import VllmVersion

IMAGE = "vllm/vllm-openai"
CONTAINER_CACHE = "/root/.cache"
# Variables that only make sense on the host: inside a container `--gpus` already picks and renumbers GPUs.
HOST_ONLY_ENV = ("CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER")
STARTUP_SECONDS = 900  # weight load + torch.compile + graph capture take minutes (systemd's 90 s kills it)


@dataclass(frozen=True)
class ExportContext:
    vllm_version: str | None = None  # image tag; default "latest"
    gpu_indices: tuple[int, ...] | None = None  # None: every GPU / count only
    gpu_count: int = 1
    name: str | None = None  # service / container / unit name
    env_file: str | None = None  # where the env file will live (systemd EnvironmentFile, compose env_file)
    vllm_exe: str | None = None  # absolute path for systemd's ExecStart
    hub_model: bool = False  # the model is downloaded by vLLM (pass HF_TOKEN through)
    extra_env: dict[str, str] = field(default_factory=dict)
    # The hub's endpoint, cache and offline variables (wizard.launch.export.hub_env): a service
    # started without the user's shell must find the model where the wizard found it.
    hub_env: dict[str, str] = field(default_factory=dict)
    # The language of the files' comments (the app's or the command's); None: the edge's current one.
    lang: str | None = None

    @property
    def image(self) -> str:
        if not self.vllm_version:
            return f"{IMAGE}:latest"
        return f"{IMAGE}:v{VllmVersion.parse(self.vllm_version)}"


def comment(ctx: ExportContext | None, key: str, **params: object) -> str:
    """A `# ...` comment line of an export, from the catalog, in the export's language."""
    return "# " + localize(msg(key, **params), ctx.lang if ctx else None)


@dataclass(frozen=True)
class ServeArgs:
    """`vllm serve MODEL --flag value ...` taken apart."""

    model: str
    options: list[tuple[str, str | None]]  # (flag, value or None for a switch)

    def get(self, flag: str) -> str | None:
        return next((v for f, v in self.options if f == flag), None)

    def argv(self, overrides: dict[str, str] | None = None) -> list[str]:
        """The arguments after `serve`, with some flag values replaced (e.g. --host inside a container)."""
        overrides = overrides or {}
        out = [self.model]
        for flag, value in self.options:
            value = overrides.get(flag, value)
            out += [flag] if value is None else [flag, value]
        return out


def split_argv(command: LaunchCommand) -> ServeArgs:
    argv = list(command.argv)
    if argv[:2] != ["vllm", "serve"] or len(argv) < 3:
        raise ValueError("expected a `vllm serve MODEL ...` command")
    options: list[tuple[str, str | None]] = []
    i = 3
    while i < len(argv):
        flag = argv[i]
        if i + 1 < len(argv) and not argv[i + 1].startswith("--"):
            options.append((flag, argv[i + 1]))
            i += 2
        else:
            options.append((flag, None))
            i += 1
    return ServeArgs(argv[2], options)


def default_name(command: LaunchCommand) -> str:
    model = split_argv(command).model.rstrip("/")
    slug = re.sub(r"[^a-z0-9]+", "-", Path(model).name.lower()).strip("-")[:40] or "model"
    return f"vllm-{slug}"


def plain_env(command: LaunchCommand, *, container: bool = False) -> dict[str, str]:
    """The command's environment without secrets (and without host-only GPU selection in containers)."""
    return {k: v for k, v in command.env.items()
            if k not in command.secret_names and not (container and k in HOST_ONLY_ENV)}


def export_env(command: LaunchCommand, ctx: ExportContext, *, container: bool = False) -> dict[str, str]:
    """What an export sets besides secrets: the command's environment, the hub's, and extras."""
    env = plain_env(command, container=container)
    env.update(container_hub_env(ctx.hub_env) if container else ctx.hub_env)
    env.update(ctx.extra_env)
    return env


def local_model_path(model: str) -> str | None:
    """The model folder to mount into a container, when the model is a local path."""
    return model if model.startswith("/") else None


def local_adapter_paths(command: LaunchCommand) -> list[str]:
    """The LoRA adapter folders (`--lora-modules NAME=/path ...`) a container must mount too."""
    argv = list(command.argv)
    if "--lora-modules" not in argv:
        return []
    paths: list[str] = []
    for item in argv[argv.index("--lora-modules") + 1:]:
        if item.startswith("--"):
            break
        path = item.partition("=")[2]
        if path.startswith("/") and path not in paths:
            paths.append(path)
    return paths
