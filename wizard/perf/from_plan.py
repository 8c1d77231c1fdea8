"""The plan's `performance` object: the performance model evaluated for the planned settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.perf.estimate import Performance, estimate
from wizard.perf.inputs import build_inputs
from wizard.planner.choose import select_gpus
from wizard.planner.versions import VllmVersion

if TYPE_CHECKING:
    from wizard.planner.plan import Plan

# The prompt length the figures state when the user named no context goal.
DEFAULT_PROMPT_TOKENS = 2048


def plan_prompt_tokens(plan: Plan) -> int:
    """The user's context goal, else 2048 tokens, never beyond the planned max-model-len."""
    wanted = plan.request.goals.context or DEFAULT_PROMPT_TOKENS
    return max(1, min(wanted, plan.settings.max_model_len))


def plan_concurrency(plan: Plan) -> int:
    """The user's concurrency goal, else as many full-length requests as the KV cache holds,
    within max-num-seqs (at least one)."""
    goal = plan.request.goals.concurrency
    if goal:
        return goal
    return max(1, min(plan.settings.max_num_seqs, int(plan.max_concurrency)))


def estimate_plan(plan: Plan) -> Performance:
    request, s = plan.request, plan.settings
    gpus = select_gpus(request)[: s.tensor_parallel_size * s.pipeline_parallel_size]
    inputs = build_inputs(request.model, request.hardware, gpus, s, VllmVersion.parse(plan.version),
                          nodes=request.nodes)
    return estimate(inputs, concurrency=plan_concurrency(plan), prompt_tokens=plan_prompt_tokens(plan))
