"""The human-readable plan (plain text: the headless core never imports rich)."""

from __future__ import annotations

import shlex

from wizard.perf.report import performance_lines
from wizard.planner.input_settings import quiet_inputs
from wizard.planner.plan import Plan

GIB = 1 << 30


def _gib(value: int) -> str:
    return f"{value / GIB:6.2f}"


def render_plan(plan: Plan, fixes: list | None = None, argv: tuple[str, ...] | None = None) -> str:
    """The plan as text. `argv`: the command to show (the launcher's, with --host and --port, so a
    copied line never opens all interfaces); default the plan's own argv."""
    s = plan.settings.model_dump()
    model = plan.request.model
    lines = [f"Plan for {model.id} on vLLM {plan.version}", ""]
    verdict = "vLLM is predicted to START." if plan.ok else f"vLLM is predicted to FAIL at start-up ({plan.failure_code})."
    lines += [verdict]
    if not plan.ok:
        lines += [f"  {plan.failure_message}"]
    if plan.engine_reason:
        lines += [f"Engine: {plan.engine}. {plan.engine_reason}"]
    lines += ["", "Settings (* pinned by you)"]
    width = max(len(k) for k in s)
    quiet = quiet_inputs(plan.settings, frozenset(plan.pinned))
    for name, value in s.items():
        if name in quiet:
            continue
        mark = "*" if name in plan.pinned else " "
        reason = plan.reasons.get(name, "")
        shown = "-" if value is None else value
        lines.append(f" {mark}{name.replace('_', '-'):<{width}}  {shown!s:<10} {reason}")
    lines += ["", "Memory per GPU (GiB, as vLLM will log it)"]
    header = f"  {'GPU':>3} {'total':>6} {'others':>6} {'request':>7} {'weights':>7} {'activ.':>6} {'graphs':>6} {'non-t.':>6} {'KV':>6}"
    lines.append(header)
    for r in plan.ranks:
        lines.append(f"  {r.gpu_index:>3} {_gib(r.total)} {_gib(r.others)} {_gib(r.requested):>7} {_gib(r.weights):>7} "
                     f"{_gib(r.activation)} {_gib(r.cuda_graph)} {_gib(r.non_torch)} {_gib(r.kv_cache)}")
    for term in plan.empirical_terms:
        lines.append(f"  {term.bytes / GIB:.2f} GiB  {term.label}")
    lines += [
        "",
        f"KV cache: {plan.kv_cache_tokens:,} tokens; {plan.max_concurrency:.2f} requests of "
        f"{plan.settings.max_model_len:,} tokens at once (longest that fits: {plan.max_fitting_len:,}).",
    ]
    lines += ["", *performance_lines(plan.performance())]
    if fixes:
        lines += ["", "Fixes (each re-planned and predicted to start)"]
        lines += [f"  - {f.label}: --set " + " --set ".join(f"{k.replace('_', '-')}={v}" for k, v in f.pins.items())
                  + f"  → {f.result}" for f in fixes]
    if plan.warnings:
        lines += ["", "Warnings"]
        lines += [f"  ! {w.message} [{w.code}]" for w in plan.warnings]
    lines += ["", "Command"]
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in plan.env.items())
    lines.append("  " + (env + " " if env else "") + shlex.join(plan.argv if argv is None else argv))
    return "\n".join(lines)
