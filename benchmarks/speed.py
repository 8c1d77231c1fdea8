"""Start-up and planner speed (issue targets; numbers go in the closing note).

    python benchmarks/speed.py [--runs N]

Measures, as medians:
- `vllm-wizard --version` wall time (target < 150 ms),
- one planner call, make_plan(), in-process (target < 50 ms, issue 14's re-plan: the chooser's search
  predicts and scores many candidates; the UI re-plans on every keystroke),
- `vllm-wizard plan FOLDER --gpu H100 --json` wall time on a 70B-shaped local folder (target < 300 ms).
Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wizard.model.synthetic import write_model_folder  # noqa: E402
from wizard.model.synthetic_arch import tensors_for_config  # noqa: E402

LLAMA_70B = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8192, "num_hidden_layers": 80,
    "num_attention_heads": 64, "num_key_value_heads": 8, "intermediate_size": 28672, "vocab_size": 128256,
    "max_position_embeddings": 131072, "torch_dtype": "bfloat16", "tie_word_embeddings": False,
    "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "original_max_position_embeddings": 8192},
}


def wall_ms(cmd: list[str], runs: int, env: dict) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=False, capture_output=True, env=env)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    exe = shutil.which("vllm-wizard")
    base = [exe] if exe else [sys.executable, "-m", "wizard"]
    results = {}
    results["--version wall ms"] = (wall_ms([*base, "--version"], args.runs, env), 150)

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_model_folder(Path(tmp) / "llama70b", LLAMA_70B, tensors_for_config(LLAMA_70B), shards=30)
        from wizard.hardware.catalog import catalog_hardware
        from wizard.model.local import inspect_local
        from wizard.planner.inputs import Goals, PlanRequest
        from wizard.planner.plan import make_plan

        facts = inspect_local(folder)
        request = PlanRequest(hardware=catalog_hardware("L4", count=4), model=facts, vllm_version="0.28.0",
                              goals=Goals(context=32768))
        make_plan(request)
        samples = []
        for _ in range(200):
            start = time.perf_counter()
            make_plan(request)
            samples.append((time.perf_counter() - start) * 1000)
        results["make_plan() ms (70B on 4x L4, goal 32k)"] = (statistics.median(samples), 50)
        cmd = [*base, "plan", str(folder), "--gpu", "H100", "--gpu-count", "4", "--json"]
        results["plan --json wall ms (30-shard 70B folder)"] = (wall_ms(cmd, args.runs, env), 300)

    failed = False
    for name, (value, target) in results.items():
        verdict = "ok" if value < target else "MISSED"
        failed |= value >= target
        print(f"{name:45} median {value:8.2f}  (target < {target})  {verdict}")
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {sys.platform}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
