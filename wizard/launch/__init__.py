"""From a plan to a process: the exact `vllm serve` command, its environment, and (later) exec."""
