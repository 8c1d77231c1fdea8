"""`vllm-wizard check`: predict exactly the `vllm serve` command a user already has.

    from wizard.check import check_command
    result = check_command(["vllm", "serve", "Qwen/Qwen3-8B", "--max-model-len", "65536"], hardware,
                           vllm_version="0.20.0")
    result.plan.ok, result.findings, result.suggestions, result.corrected_line

The command is parsed as the release's parser would (wizard.check.command), its flags become the
planner's pins (wizard.check.pins), and the planner predicts it with nothing re-chosen
(`make_plan(..., exact=True)`): unset flags take the release's own defaults. Findings name the
traps, suggestions are verified by predicting again.
"""

from wizard.check.result import CheckResult, check_command, flag_table, pins_from_argv

__all__ = ["CheckResult", "check_command", "flag_table", "pins_from_argv"]
