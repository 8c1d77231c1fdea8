"""The hand-off: after the app has exited (terminal restored), vLLM replaces this process.

`exec_command` is the one place that execs; tests monkeypatch it. It is the launcher's exec
(wizard.launch.execute: the wizard's default environment, the validated vLLM's executable), with
NVML released just before.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from wizard.launch.command import LaunchCommand
    from wizard.launch.prepare import Preparation


@dataclass(frozen=True)
class Handoff:
    """What the app ends with: the command to exec and what the Review step's checks found."""

    command: LaunchCommand
    prepared: Preparation | None = None  # None: the demo, or an app without the launcher's preparation

    @property
    def vllm_exe(self) -> Path | None:
        return self.prepared.vllm_exe if self.prepared is not None else None


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


def exec_command(handoff: Handoff) -> None:
    """Replace this process with the command. Returns only if the exec failed: raises WizardError."""
    from wizard.launch.execute import exec_command as launcher_exec  # noqa: PLC0415 - wizard.launch.execute pulls pydantic: kept off start-up

    launcher_exec(handoff.command, before_exec=shutdown_nvml, vllm_exe=handoff.vllm_exe)


def print_command(command: LaunchCommand, header: str, out: TextIO | None = None) -> None:
    """The command as one copy-pasteable line, secrets shown by name only."""
    out = out or sys.stdout
    print(header, file=out)
    print(command.shell_line(), file=out)
    out.flush()
