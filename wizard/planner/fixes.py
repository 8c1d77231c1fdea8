"""One-key fixes for a predicted start-up failure (or an unmet goal): each is a set of pins that,
re-planned, is predicted to start. The UI shows them; the CLI lists them; nothing here guesses —
every fix is verified by planning with it before it is offered."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.i18n import msg
from wizard.planner.choose import UTIL_CEILING  # a fix never raises utilization past the chooser's own ceiling
from wizard.planner.plan import Plan, make_plan

GIB = 1 << 30


@dataclass(frozen=True)
class Fix:
    key: str  # stable id, e.g. "cap_context"
    label: str  # short, for a button: "cap context at 24k"
    pins: dict  # settings to pin (merged over the current pins)
    result: str  # what the re-plan predicts, one line


def _short(tokens: int) -> str:
    return f"{tokens // 1024}k" if tokens >= 1024 and tokens % 1024 == 0 else f"{tokens:,}"


def _candidates(plan: Plan) -> list[tuple[str, str, dict]]:
    s = plan.settings
    gpus = len(plan.request.hardware.gpus) if plan.request.gpu_indices is None else len(plan.request.gpu_indices)
    out: list[tuple[str, str, dict]] = []
    if plan.max_fitting_len > 0 and plan.max_fitting_len < s.max_model_len:
        cap = plan.max_fitting_len // 1024 * 1024 or plan.max_fitting_len
        out.append(("cap_context", msg("planner.fix.cap_context", short=_short(cap)), {"max_model_len": cap}))
    if s.kv_cache_dtype == "auto":
        out.append(("fp8_kv", msg("planner.fix.fp8_kv"), {"kv_cache_dtype": "fp8"}))
    used = s.tensor_parallel_size * s.pipeline_parallel_size
    heads = plan.request.model.arch.num_attention_heads
    tp_pinned = plan.request.pinned.get("tensor_parallel_size")
    if tp_pinned and tp_pinned < gpus and plan.request.nodes == 1:
        # TP pinned below the GPUs there are: the expert's first answer is "use them all".
        tp = next(t for t in range(gpus, 0, -1) if gpus % t == 0 and _tp_ok(plan, t))
        label = msg("chooser.fix.use_gpus", n=gpus) if used < gpus else msg("chooser.fix.tp_all", n=gpus, tp=tp)
        out.insert(0, ("more_gpus", label, {"tensor_parallel_size": tp, "pipeline_parallel_size": gpus // tp}))
    for n in range(used + 1, gpus + 1):
        if heads % n == 0:
            out.append(("more_gpus", msg("planner.fix.use_gpus", n=n), {"tensor_parallel_size": n, "pipeline_parallel_size": 1}))
            break
    else:
        if gpus > used:
            out.append(("more_gpus", msg("planner.fix.use_gpus_pp", n=gpus), {"tensor_parallel_size": 1,
                                                                     "pipeline_parallel_size": gpus}))
    free_util = round(min(UTIL_CEILING, max(0.0, _free_ratio(plan))), 2)
    if free_util > s.gpu_memory_utilization + 0.005:
        out.append(("raise_util", msg("planner.fix.util", util=free_util), {"gpu_memory_utilization": free_util}))
    if plan.failure_code == "free_memory_below_request" and free_util > 0:
        out.append(("lower_util", msg("planner.fix.util", util=free_util), {"gpu_memory_utilization": free_util}))
    if not s.enforce_eager:
        out.append(("eager", msg("planner.fix.eager"), {"enforce_eager": True}))
    worst = plan.worst
    short = worst.weights + worst.activation + worst.non_torch + GIB - worst.requested
    if short > 0 and plan.failure_code in {"weights_exceed_memory", "no_kv_cache_memory"}:
        gb = -(-short // GIB)
        out.append(("offload", msg("planner.fix.offload", gb=gb), {"cpu_offload_gb": float(gb)}))
    return out


def _tp_ok(plan: Plan, tp: int) -> bool:
    from wizard.planner.candidates import _valid_tp

    return _valid_tp(plan.request.model, tp)


GOAL_UNMET = {"goal_context_unmet", "goal_concurrency_unmet"}


def _needs_fixes(plan: Plan) -> bool:
    """A failing plan, an unmet goal, or TP pinned below the GPUs the user selected."""
    if not plan.ok or any(w.code in GOAL_UNMET for w in plan.warnings):
        return True
    req = plan.request
    gpus = len(req.hardware.gpus) if req.gpu_indices is None else len(req.gpu_indices)
    tp = req.pinned.get("tensor_parallel_size")
    return isinstance(tp, int) and tp < gpus


def _free_ratio(plan: Plan) -> float:
    from wizard.planner.choose import FREE_MARGIN

    w = plan.worst
    return (w.total - w.others - w.context - FREE_MARGIN) / w.total if w.total else 0.0


def suggest_fixes(plan: Plan, *, limit: int = 4, exact: bool = False) -> list[Fix]:
    """Fixes for a failing plan (or one short of its goals), cheapest first, each verified by
    re-planning: it starts, and where the plan started but missed a goal, it meets the goals
    (`exact`: predicted as the plan was, the rest at release defaults; see make_plan)."""
    if not _needs_fixes(plan):
        return []
    unmet = plan.ok
    fixes: list[Fix] = []
    seen: set[str] = set()
    options = _candidates(plan)
    if plan.ok and not any(w.code in GOAL_UNMET for w in plan.warnings):
        options = [o for o in options if o[0] == "more_gpus"][:1]  # a working plan: only "use the GPUs"
    for key, label, pins in options:
        if key in seen:
            continue
        request = plan.request.model_copy(update={"pinned": {**plan.request.pinned, **pins}})
        trial = make_plan(request, exact=exact)
        if trial.ok and not (unmet and any(w.code in GOAL_UNMET for w in trial.warnings)):
            seen.add(key)
            fixes.append(Fix(key, label, pins, msg("planner.fix.result", tokens=trial.kv_cache_tokens,
                                                   concurrency=trial.max_concurrency, len=trial.settings.max_model_len)))
        if len(fixes) >= limit:
            break
    return fixes
