"""One utilization ceiling (wizard.planner.utilization): the chooser never plans past it, and
`check` warns exactly past it, so a plan's own command never draws the warning."""

from __future__ import annotations

import json

import pytest

from wizard.cli import main
from wizard.planner.utilization import UTIL_CEILING, above_ceiling

L4 = ["--gpu", "L4"]


def _json(capsys, argv: list[str]) -> tuple[int, dict]:
    rc = main(argv)
    return rc, json.loads(capsys.readouterr().out)


def test_the_ceiling_is_the_value_that_held_in_seed_000():
    assert UTIL_CEILING == 0.92 and not above_ceiling(0.92) and above_ceiling(0.93) and above_ceiling(0.95)


@pytest.mark.parametrize("version", ["0.9.2", "0.20.0"])
def test_a_tight_plan_stays_at_or_below_the_ceiling_and_check_accepts_its_command(llama_folder, capsys, version):
    _, plan = _json(capsys, ["plan", str(llama_folder), *L4, "--vllm-version", version, "--context", "131072", "--json"])
    util = plan["settings"]["gpu_memory_utilization"]
    assert util <= UTIL_CEILING
    argv = plan["command"]["argv"]
    _, check = _json(capsys, ["check", "--json", *L4, "--vllm-version", version, "--", *argv])
    assert "gpu_memory_utilization_high" not in {f["code"] for f in check["findings"]}
    raised = [s for s in check["suggestions"] if "gpu_memory_utilization" in s["set"]]
    assert all(s["set"]["gpu_memory_utilization"] <= UTIL_CEILING for s in raised)


def test_check_warns_just_past_the_ceiling(llama_folder, capsys):
    def codes(util: str) -> set[str]:
        _, data = _json(capsys, ["check", "--json", "--gpu", "H100", "--vllm-version", "0.33.0", "--", "vllm", "serve",
                                 str(llama_folder), "--max-model-len", "8192", "--gpu-memory-utilization", util])
        return {f["code"] for f in data["findings"]}

    assert "gpu_memory_utilization_high" not in codes("0.92")
    assert "gpu_memory_utilization_high" in codes("0.93")


def test_on_0_34_a_high_value_is_fine_and_a_lower_one_says_what_it_withholds(llama_folder, capsys):
    """0.34 sizes the KV cache after warm-up with its own margin: no ceiling warning; a value under
    1.0 is reported with the memory it keeps out of the cache (vLLM warns from 1 GiB itself)."""
    def findings(util: str) -> dict[str, str]:
        _, data = _json(capsys, ["check", "--json", "--gpu", "H100", "--vllm-version", "0.34.0", "--", "vllm", "serve",
                                 str(llama_folder), "--max-model-len", "8192", "--gpu-memory-utilization", util])
        return {f["code"]: f["message"] for f in data["findings"]}

    high = findings("0.99")
    assert "gpu_memory_utilization_high" not in high and "gpu_memory_utilization_withholds" not in high
    low = findings("0.85")
    assert "gpu_memory_utilization_high" not in low
    withheld = float(low["gpu_memory_utilization_withholds"].split(" keeps ")[1].split(" GiB")[0])
    assert 5.0 < withheld < 0.15 * 79.2 + 0.1  # at most the 15% given up, less the margin it already kept
