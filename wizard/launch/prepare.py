"""Before a launch: the one headless sequence that `vllm-wizard serve` and the app's Review step both
run, so they cannot disagree about a vLLM.

1. find the vLLM that would be exec'd (wizard.vllm_env: one search, one order);
2. ask it for its `vllm serve` parser (wizard.launch.introspect; cached per release);
3. adapt the argv's spelling to that parser (wizard.planner.argv.fit_to_installed);
4. run the preflight checks (wizard.launch.preflight), told whether the vLLM could be asked.

Blocking (step 2 may start the installed vLLM's Python once): call it from a worker or the CLI.
`validate_command` is the slower last step (vLLM's own parser and engine configuration judge the
argv; it imports vLLM), run by both callers with the terminal showing what happens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from wizard.errors import WizardError
from wizard.i18n import localize, msg
from wizard.launch.command import LaunchCommand
from wizard.launch.introspect import Introspection, Validation, VllmProbeError, introspect, validate
from wizard.launch.options import LaunchOptions
from wizard.launch.preflight import Check, Consent, PreflightReport, run_preflight
from wizard.planner.argv import fit_to_installed
from wizard.planner.plan import Plan
from wizard.vllm_env import VllmInstall, find_vllm

MARKS = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": "--  "}


@dataclass(frozen=True)
class Preparation:
    """What the launcher found for one planned command."""

    planned: LaunchCommand  # the command these checks were run for (the app drops stale results)
    command: LaunchCommand  # the same, spelled for the installed vLLM: exactly what would run
    install: VllmInstall | None = None  # None: no vLLM found (or the configured one has none)
    info: Introspection | None = None  # the installed vLLM's parser; None when not asked or not answering
    vllm_error: str | None = None  # why the vLLM could not be found or asked
    notes: tuple[str, ...] = ()  # spelling changes made for the installed vLLM
    problems: tuple[str, ...] = ()  # values the installed vLLM would refuse
    preflight: PreflightReport = field(default_factory=lambda: PreflightReport(()))

    @property
    def checks(self) -> tuple[Check, ...]:
        return self.preflight.checks

    @property
    def blocking(self) -> tuple[str, ...]:
        """Every reason not to launch, each with its fix."""
        fails = tuple(f"{c.message} {c.fix or ''}".strip() for c in self.preflight.blocking)
        return self.problems + fails

    @property
    def ok(self) -> bool:
        return not self.blocking

    @property
    def vllm_exe(self) -> Path | None:
        return self.install.vllm_exe if self.install is not None else None

    def render(self, lang: str | None = None) -> str:
        """Plain lines for a terminal: spelling notes, refused values, then the checks, in `lang`
        (default: the language the edge chose)."""
        lines = [f"  [note] {localize(note, lang)}" for note in self.notes]
        lines += [f"  [FAIL] {localize(p, lang)}" for p in self.problems]
        report = self.preflight.render(lang)
        return "\n".join(lines + ([report] if report else []))


def prepare_launch(plan: Plan, command: LaunchCommand, options: LaunchOptions, *, consent: Consent = Consent(),
                   install: VllmInstall | None = None, ask_vllm: bool = True,
                   env: Mapping[str, str] | None = None) -> Preparation:
    """The whole sequence for `command` (built from `plan` and `options`). `install`: the vLLM the
    caller already found (serve plans for its release first); else it is searched for here.
    `ask_vllm=False` (serve --no-validate) skips the parser, so nothing is adapted."""
    vllm_error = None
    if install is None:
        try:
            install = find_vllm(env)
        except WizardError as exc:  # a configured vLLM Python without vLLM: the vLLM check fails
            vllm_error = exc.message
    info, fitted = None, command
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    if install is not None and ask_vllm:
        try:
            info = introspect(install)
        except VllmProbeError as exc:
            vllm_error = exc.message  # installed but not answering: preflight refuses it
    if info is not None:
        fit = fit_to_installed(list(command.argv), command.env, info.flags())
        fitted = replace(command, argv=tuple(fit.argv), env=fit.env)
        notes, problems = tuple(fit.changes), tuple(fit.problems)
    prepared = Preparation(command, fitted, install, info, vllm_error, notes, problems)
    return recheck(prepared, plan, options, consent, env=env)


def recheck(prepared: Preparation, plan: Plan, options: LaunchOptions, consent: Consent,
            env: Mapping[str, str] | None = None) -> Preparation:
    """The same preparation with the preflight checks run again (after the user gave consent)."""
    report = run_preflight(plan, options, install=prepared.install, info=prepared.info, consent=consent,
                           env=env, probe_error=prepared.vllm_error)
    return replace(prepared, preflight=report)


def could_not_run(command: LaunchCommand, reason: str) -> Preparation:
    """The preparation of `command` that failed to run at all (a bug, or the machine refused): it
    blocks the launch, since nothing was checked."""
    check = Check("preflight", "fail", msg("app.prepare_failed", reason=reason), msg("app.prepare_failed_fix"))
    return Preparation(command, command, vllm_error=reason, preflight=PreflightReport((check,)))


def validate_command(prepared: Preparation) -> Validation | None:
    """vLLM's own verdict on the command (parser, cross-flag checks, engine configuration); None when
    there is no answering vLLM to ask. Slow: it imports vLLM. Raises VllmProbeError when the vLLM
    that answered before cannot run the check now (a launch would fail the same way)."""
    if prepared.install is None or prepared.info is None:
        return None
    return validate(prepared.install, [list(prepared.command.argv)])[0]
