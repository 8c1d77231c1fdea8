"""Before Launch: the launcher's checks, run in a worker while the Review step is on screen.

Finds the vLLM that would be exec'd, adapts the argv's spelling to its parser (wizard.planner.argv
fit_to_installed, from the launcher's introspection), and runs the preflight checks (port, disk,
/dev/shm, compiler, CUDA, token, exposure, remote code). All of it is wizard.launch's; this module
only calls it in the order `vllm-wizard serve` does and returns one immutable result. Guarded: with
no launcher checks available the command goes through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from wizard.errors import WizardError
from wizard.launch.command import LaunchCommand
from wizard.launch.options import LaunchOptions
from wizard.planner.plan import Plan


@dataclass(frozen=True)
class CheckLine:
    name: str
    status: str  # ok | warn | fail | skip
    message: str
    fix: str | None = None


@dataclass(frozen=True)
class Prepared:
    planned: LaunchCommand  # the command these checks were run for (stale results are dropped)
    command: LaunchCommand  # the same, spelled for the installed vLLM
    checks: tuple[CheckLine, ...] = ()
    notes: tuple[str, ...] = ()  # spelling changes made for the installed vLLM
    problems: tuple[str, ...] = ()  # values the installed vLLM would refuse
    install: Any = None  # wizard.launch.introspect.VllmInstall, or None when vLLM was not found

    @property
    def blocking(self) -> tuple[str, ...]:
        fails = tuple(f"{c.message} {c.fix or ''}".strip() for c in self.checks if c.status == "fail")
        return self.problems + fails

    @property
    def ok(self) -> bool:
        return not self.blocking

    @property
    def vllm_exe(self) -> Path | None:
        return getattr(self.install, "vllm_exe", None)


def prepare(plan: Plan, command: LaunchCommand, options: LaunchOptions, *, trust_remote_code: bool) -> Prepared:
    """Blocking (it may start the installed vLLM's Python once to read its parser): call in a worker."""
    try:
        from wizard.launch.introspect import VllmProbeError, find_vllm, introspect
        from wizard.launch.preflight import Consent, run_preflight
        from wizard.planner.argv import fit_to_installed
    except ImportError:
        return Prepared(command, command)
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    fitted = command
    try:
        install = find_vllm()
    except WizardError as exc:
        return Prepared(command, command, checks=(CheckLine("vLLM", "fail", exc.message),))
    info = None
    if install is not None:
        try:
            info = introspect(install)
        except VllmProbeError as exc:
            notes = (exc.message,)
    if info is not None:
        fit = fit_to_installed(list(command.argv), command.env, info.flags())
        fitted = replace(command, argv=tuple(fit.argv), env=fit.env)
        notes, problems = notes + tuple(fit.changes), tuple(fit.problems)
    # Consent: the key is required by the Goals step for all interfaces; repository code runs only
    # when the plan says so, which the Plan step showed with its reason.
    report = run_preflight(plan, options, install=install, info=info,
                           consent=Consent(trust_remote_code=trust_remote_code))
    checks = tuple(CheckLine(c.name, c.status, c.message, c.fix) for c in report.checks)
    return Prepared(command, fitted, checks, notes, problems, install)


def render_checks(prepared: Prepared) -> str:
    """Plain lines for the terminal after the app has closed (`--dry-run`)."""
    marks = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": "--  "}
    lines = [f"  [note] {note}" for note in prepared.notes] + [f"  [FAIL] {p}" for p in prepared.problems]
    for check in prepared.checks:
        lines.append(f"  [{marks.get(check.status, check.status)}] {check.name}: {check.message}")
        if check.fix and check.status in {"warn", "fail"}:
            lines.append(f"         fix: {check.fix}")
    return "\n".join(lines)


def validate_with_vllm(prepared: Prepared) -> tuple[bool, str]:
    """vLLM's own parser and engine configuration accept the argv? (ok, message). Slow: it imports vLLM,
    so it runs after the app has closed, with the terminal showing what happens."""
    if prepared.install is None:
        return True, ""
    try:
        from wizard.launch.introspect import validate
    except ImportError:
        return True, ""
    try:
        result = validate(prepared.install, [list(prepared.command.argv)])[0]
    except WizardError as exc:
        return True, exc.message  # the check itself failed to run: launch, as `serve` does
    if result.ok:
        return True, ""
    return False, f"{result.error} ({result.code}); {result.fix or ''}".strip()
