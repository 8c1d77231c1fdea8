"""One checked command: the parse, the exact prediction, findings, suggestions and the correction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from wizard.check.command import ParsedCommand, parse_command
from wizard.check.findings import Finding, collect, flag_name
from wizard.check.fixes import Edits, Suggestion, corrected, suggest
from wizard.check.flags import FlagTable, installed_flags, table_flags
from wizard.check.pins import CommandPins, pins_from_command
from wizard.check.rewrite import Rewritten, contract_command, rewrite
from wizard.errors import InputError
from wizard.hardware.facts import HardwareFacts
from wizard.hub.resolve import load_model_facts
from wizard.i18n import msg
from wizard.model.facts import ModelFacts
from wizard.planner.inputs import MeasuredOverheads, PlanRequest
from wizard.planner.plan import Plan, make_plan
from wizard.vllm_env import find_vllm


@dataclass(frozen=True)
class CheckResult:
    parsed: ParsedCommand
    table: FlagTable
    pins: CommandPins
    plan: Plan  # the exact prediction of the command (unknown flags aside)
    findings: tuple[Finding, ...]
    suggestions: tuple[Suggestion, ...]
    edits: Edits
    corrected_plan: Plan
    corrected: Rewritten

    @property
    def parse_failure(self) -> tuple[str, str] | None:
        """(code, message) of what vLLM's parser would refuse before anything starts."""
        unknown = [u.option for u in self.parsed.unknown] + list(self.parsed.extra_positionals)
        if unknown:
            return "unknown_argument", str(msg("check.failure.unrecognized", args=" ".join(unknown)[:300]))
        if self.pins.bad_values:
            bad = self.pins.bad_values[0]
            return "other", str(msg("check.failure.bad_value", flag=bad.option, value=bad.value[:80], reason=bad.reason))
        return None

    @property
    def ok(self) -> bool:
        """Predicted to start and no finding is an error: exit 0."""
        return self.parse_failure is None and self.plan.ok and not any(f.severity == "error" for f in self.findings)

    @property
    def corrected_ok(self) -> bool:
        """The corrected command is predicted to start and drops every flag the release refuses."""
        refused = {f.flag for f in self.findings if f.code in {"unknown_argument", "invalid_value"}}
        from wizard.check.fixes import snake  # noqa: PLC0415 - import cycle: wizard.check.fixes loads the wizard.check package, which imports this module

        return self.corrected_plan.ok and all(flag and snake(flag) in self.edits.unset for flag in refused)

    def contract(self) -> dict[str, Any]:
        data = self.plan.contract()
        failure = self.parse_failure
        if failure is not None:
            data["startup"] = {"ok": False, "failure": {"code": failure[0], "message": failure[1]}}
        settings = dict(data["settings"])
        for dest, value in self.pins.kept.items():
            if isinstance(value, tuple):
                value = " ".join(map(str, value))
            if dest not in settings and isinstance(value, (str, int, float, bool)) and not _secret(dest, self.parsed):
                settings[dest] = value
        data["settings"] = settings
        data["pinned"] = sorted({d for d in self.parsed.dests if d not in {"model", "model_tag", "config"}}
                                | set(self.pins.pins))
        data["command"] = contract_command(self.parsed, self.table)
        data["findings"] = [f.contract() for f in self.findings]
        data["suggestions"] = [s.contract() for s in self.suggestions]
        return data


def _secret(dest: str, parsed: ParsedCommand) -> bool:
    return any(o.secret for o in parsed.options if o.dest == dest)


def flag_table(version: str, *, env: Mapping[str, str] | None = None, ask_installed: bool = True) -> FlagTable:
    """The parser that decides: the installed vLLM's own when it is the release planned for (its parser
    dump, cached per version), else the release table."""
    if ask_installed:
        try:
            from wizard.launch.introspect import introspect  # noqa: PLC0415 - wizard.launch.introspect pulls pydantic: kept off start-up

            install = find_vllm(env)
            if install is not None and install.version == version:
                return installed_flags(introspect(install).raw, install.version)
        except Exception:  # noqa: BLE001 - a vLLM that cannot be asked: the release table answers
            pass
    return table_flags(version)


def pins_from_argv(argv: list[str], version: str, *, config: str | None = None,
                   table: FlagTable | None = None) -> tuple[ParsedCommand, CommandPins]:
    """The planner pins a pasted command stands for (the app's Model step uses this)."""
    table = table or table_flags(version)
    parsed = parse_command(argv, table, config=config)
    return parsed, pins_from_command(parsed, table)


def check_command(
    argv: list[str],
    hardware: HardwareFacts,
    *,
    vllm_version: str,
    config: str | None = None,
    gpu_indices: tuple[int, ...] | None = None,
    model: ModelFacts | None = None,
    load_model: Callable[[str], tuple[ModelFacts, str]] | None = None,
    table: FlagTable | None = None,
    measured: MeasuredOverheads | None = None,
    nodes: int = 1,
    rdma: bool | None = None,
) -> CheckResult:
    """Check one command on `hardware` for `vllm_version`. `model`: the facts of the command's model
    when the caller has them; else `load_model(ref)` (default wizard.hub.resolve.load_model_facts)."""
    table = table or table_flags(vllm_version)
    parsed = parse_command(argv, table, config=config)
    if parsed.model is None and model is None:
        raise InputError(msg("check.error.no_model"))
    if model is None:
        if load_model is None:
            load_model = load_model_facts
        assert parsed.model is not None  # no model at all was refused above
        model, _ = load_model(parsed.model)
    cp = pins_from_command(parsed, table)
    request = PlanRequest(hardware=hardware, model=model, vllm_version=vllm_version, gpu_indices=gpu_indices,
                          pinned=cp.pins, model_ref=parsed.model or model.id, measured=measured,
                          nodes=nodes, rdma=rdma)
    plan = make_plan(request, exact=True)
    findings = collect(parsed, cp, plan, table)
    suggestions = suggest(parsed, plan, findings)
    edits, fixed = corrected(parsed, plan, findings, suggestions)
    return CheckResult(parsed, table, cp, plan, tuple(findings), tuple(suggestions), edits, fixed,
                       rewrite(parsed, edits, table))


__all__ = ["CheckResult", "check_command", "flag_name", "flag_table", "pins_from_argv"]
