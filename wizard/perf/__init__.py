"""The performance model: decode and prefill speed predicted from physics, never fitted per model.

Pure, like the planner: plan facts in (model bytes and geometry, GPU datasheet rates, links,
settings, the vLLM release's kernel rules from wizard.releases.kernels), figures out. The few
empirical terms (achievable fractions of peak, per-step and per-kernel overheads) are named in
wizard.perf.constants and repeated in every result's assumptions.

Entry points: `estimate_plan(plan)` for a finished plan; `build_inputs` + `estimate` for a
chooser that scores many candidate settings.
"""

from wizard.perf.estimate import Performance, estimate
from wizard.perf.from_plan import estimate_plan, plan_concurrency, plan_prompt_tokens
from wizard.perf.inputs import PerfInputs, build_inputs

__all__ = ["Performance", "PerfInputs", "build_inputs", "estimate", "estimate_plan", "plan_concurrency",
           "plan_prompt_tokens"]
