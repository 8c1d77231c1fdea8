"""Foreground launch: replace this process with `vllm serve` (the default way to launch).

The exec itself goes through `execvpe` at module level so tests (and the UI's own tests) can
monkeypatch it; `before_exec` is where the UI releases what it holds (NVML, the terminal) first,
because nothing runs after a successful exec.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from wizard import envvars as ev
from wizard.errors import WizardError
from wizard.launch.command import LaunchCommand
from wizard.i18n import msg

# Variables the wizard sets for every launch unless the user already did: vLLM otherwise reports
# usage statistics to its own servers by default.
DEFAULT_ENV = {ev.VLLM_NO_USAGE_STATS: "1", ev.DO_NOT_TRACK: "1"}


def execvpe(file: str, argv: list[str], env: Mapping[str, str]) -> None:  # pragma: no cover - replaced in tests
    os.execvpe(file, argv, dict(env))


def child_environment(command: LaunchCommand, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The child's environment: ours, the wizard's defaults where unset, then the command's own."""
    env = dict(os.environ if base is None else base)
    for key, value in DEFAULT_ENV.items():
        env.setdefault(key, value)
    env.update(command.env)
    return env


def resolve_executable(command: LaunchCommand, vllm_exe: Path | None = None) -> list[str]:
    """argv with `vllm` replaced by the executable of the vLLM that was validated, when known."""
    argv = list(command.argv)
    if argv and argv[0] == "vllm" and vllm_exe is not None:
        argv[0] = str(vllm_exe)
    return argv


def exec_command(command: LaunchCommand, *, before_exec: Callable[[], None] | None = None,
                 vllm_exe: Path | None = None) -> None:
    """Become `vllm serve`. Returns only when the exec failed, after raising a WizardError."""
    argv = resolve_executable(command, vllm_exe)
    env = child_environment(command)
    if before_exec is not None:
        before_exec()
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        execvpe(argv[0], argv, env)
    except FileNotFoundError:
        raise WizardError(msg("launch.exec.not_found", exe=argv[0], var=ev.VLLM_PYTHON)) from None
    except OSError as exc:
        raise WizardError(msg("launch.exec.cannot_start", exe=argv[0], why=str(exc.strerror or exc))) from None
