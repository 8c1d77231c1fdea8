"""The planner: (GPU facts, model facts, pinned settings, goals, vLLM version) -> plan. Pure, no I/O."""
