"""The human-readable plan (plain text: the headless core never imports rich)."""

from __future__ import annotations

import shlex
import unicodedata

from wizard.i18n import localize, msg
from wizard.perf.report import performance_lines
from wizard.planner.input_settings import quiet_inputs
from wizard.planner.plan import Plan

GIB = 1 << 30


def _gib(value: int) -> str:
    return f"{value / GIB:6.2f}"


def _rjust(text: str, width: int) -> str:
    """Right-aligned in `width` terminal columns (a Chinese character takes two)."""
    return " " * max(0, width - sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)) + text


def render_plan(plan: Plan, fixes: list | None = None, argv: tuple[str, ...] | None = None,
                lang: str | None = None) -> str:
    """The plan as text in `lang` (default: the language the edge chose); names, numbers and the
    command as they are. `argv`: the command to show (the launcher's, with --host and --port, so a
    copied line never opens all interfaces); default the plan's own argv."""
    def t(key: str, **params: object) -> str:
        return msg(key, **params).render(lang)

    s = plan.settings.model_dump()
    model = plan.request.model
    lines = [t("planner.report.title", model=model.id, version=plan.version), ""]
    verdict = t("planner.report.starts") if plan.ok else t("planner.report.fails", code=plan.failure_code)
    lines += [verdict]
    if not plan.ok:
        lines += [f"  {localize(plan.failure_message, lang)}"]
    if plan.engine_reason:
        lines += [t("planner.report.engine", engine=plan.engine, reason=plan.engine_reason)]
    lines += ["", t("planner.report.settings")]
    width = max(len(k) for k in s)
    quiet = quiet_inputs(plan.settings, frozenset(plan.pinned))
    for name, value in s.items():
        if name in quiet:
            continue
        mark = "*" if name in plan.pinned else " "
        reason = localize(plan.reasons.get(name, ""), lang)
        shown = "-" if value is None else value
        lines.append(f" {mark}{name.replace('_', '-'):<{width}}  {shown!s:<10} {reason}")
    lines += ["", t("planner.report.memory")]
    columns = (("planner.report.col_total", 6), ("planner.report.col_others", 6), ("planner.report.col_request", 7),
               ("planner.report.col_weights", 7), ("planner.report.col_activation", 6), ("planner.report.col_graphs", 6),
               ("planner.report.col_non_torch", 6))
    header = f"  {'GPU':>3} " + " ".join(_rjust(t(key), width) for key, width in columns) + f" {'KV':>6}"
    lines.append(header)
    for r in plan.ranks:
        lines.append(f"  {r.gpu_index:>3} {_gib(r.total)} {_gib(r.others)} {_gib(r.requested):>7} {_gib(r.weights):>7} "
                     f"{_gib(r.activation)} {_gib(r.cuda_graph)} {_gib(r.non_torch)} {_gib(r.kv_cache)}")
    for term in plan.empirical_terms:
        lines.append(f"  {term.bytes / GIB:.2f} GiB  {localize(term.label, lang)}")
    lines += [
        "",
        t("planner.report.kv", tokens=plan.kv_cache_tokens, concurrency=plan.max_concurrency,
          len=plan.settings.max_model_len, fit=plan.max_fitting_len),
    ]
    lines += ["", *performance_lines(plan.performance())]
    if fixes:
        lines += ["", t("planner.report.fixes")]
        lines += [f"  - {localize(f.label, lang)}: --set " + " --set ".join(f"{k.replace('_', '-')}={v}"
                                                                          for k, v in f.pins.items())
                  + f"  → {localize(f.result, lang)}" for f in fixes]
    if plan.warnings:
        lines += ["", t("planner.report.warnings")]
        lines += [f"  ! {localize(w.message, lang)} [{w.code}]" for w in plan.warnings]
    lines += ["", t("planner.report.command")]
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in plan.env.items())
    lines.append("  " + (env + " " if env else "") + shlex.join(plan.argv if argv is None else argv))
    return "\n".join(lines)
