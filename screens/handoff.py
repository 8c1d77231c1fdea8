"""The hand-off: after the app has exited (terminal restored), vLLM replaces this process.

`exec_command` is the one place that execs; tests monkeypatch it. It uses the launcher's exec
(wizard.launch.execute: the wizard's default environment, the validated vLLM's executable, NVML
released just before) and falls back to os.execvpe with this environment plus the plan's variables.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from wizard.launch.command import LaunchCommand


@dataclass(frozen=True)
class Handoff:
    """What the app ends with: the command to exec and what the Review step's checks found."""

    command: LaunchCommand
    prepared: Any = None  # screens.launch_prep.Prepared, or None (demo, or no checks available)

    @property
    def vllm_exe(self) -> Path | None:
        return getattr(self.prepared, "vllm_exe", None)


def shutdown_nvml() -> None:
    """Release NVML if anything in this process (the monitor, say) still holds it.

    The probe shuts NVML down after each call; this covers the rest. NVML state does not survive an
    exec anyway, but a clean shutdown keeps the driver's per-process accounting tidy.
    """
    pynvml = sys.modules.get("pynvml")
    if pynvml is None:
        return
    try:
        pynvml.nvmlShutdown()
    except Exception:  # noqa: BLE001 - "not initialised" is the usual answer, and harmless
        pass


def child_environment(command: LaunchCommand, base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.update(command.env)
    return env


def exec_command(handoff: Handoff) -> None:
    """Replace this process with the command. Returns only if the exec failed: raises WizardError or OSError."""
    try:
        from wizard.launch.execute import exec_command as launcher_exec
    except ImportError:
        shutdown_nvml()
        os.execvpe(handoff.command.argv[0], list(handoff.command.argv), child_environment(handoff.command))
        return
    launcher_exec(handoff.command, before_exec=shutdown_nvml, vllm_exe=handoff.vllm_exe)


def print_command(command: LaunchCommand, header: str, out: TextIO | None = None) -> None:
    """The command as one copy-pasteable line, secrets shown by name only."""
    out = out or sys.stdout
    print(header, file=out)
    print(command.shell_line(), file=out)
    out.flush()
