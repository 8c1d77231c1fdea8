"""The chooser's speed on the seed scenarios (issue 14: `plan` < 300 ms wall, a re-plan < 50 ms).

    python benchmarks/chooser_speed.py [--runs N]

Measures, as medians:
- in-process: make_plan() plus suggest_fixes() (what the app redoes on every edit) per scenario;
- wall: `vllm-wizard plan FOLDER ...` (human output, fixes included) on local synthetic folders
  with the seed scenarios' hardware, as a user would type it.
Exit status 1 if a median misses its target.
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

REPLAN_TARGET_MS = 50.0
WALL_TARGET_MS = 300.0

LLAMA_70B = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8192, "num_hidden_layers": 80,
    "num_attention_heads": 64, "num_key_value_heads": 8, "intermediate_size": 28672, "vocab_size": 128256,
    "max_position_embeddings": 131072, "torch_dtype": "bfloat16", "tie_word_embeddings": False,
    "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "original_max_position_embeddings": 8192},
}
QWEN15_14B = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 5120, "num_hidden_layers": 40,
    "num_attention_heads": 40, "num_key_value_heads": 40, "intermediate_size": 13696, "vocab_size": 152064,
    "max_position_embeddings": 32768, "torch_dtype": "bfloat16", "tie_word_embeddings": False,
}
QWEN25_32B = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 5120, "num_hidden_layers": 64,
    "num_attention_heads": 40, "num_key_value_heads": 8, "intermediate_size": 27648, "vocab_size": 152064,
    "max_position_embeddings": 32768, "torch_dtype": "bfloat16", "tie_word_embeddings": False,
}

# name, config, CLI arguments
SCENARIOS = [
    ("70B on one 32 GB card, 0.7.3", LLAMA_70B,
     ["--gpu", "RTX 5090", "--vllm-version", "0.7.3", "--host-memory", "23.5"]),
    ("Qwen1.5-14B on 2x A10, --context 32768", QWEN15_14B,
     ["--gpu", "A10", "--gpu-count", "2", "--vllm-version", "0.11.0", "--context", "32768"]),
    ("pinned TP 1 on 2x A10", QWEN15_14B,
     ["--gpu", "A10", "--gpu-count", "2", "--vllm-version", "0.11.0", "--context", "32768",
      "--set", "tensor-parallel-size=1", "--set", "pipeline-parallel-size=1"]),
    ("Qwen2.5-32B on 4x T4, 0.8.5", QWEN25_32B,
     ["--gpu", "T4", "--gpu-count", "4", "--vllm-version", "0.8.5"]),
    ("70B on 8x H100, throughput", LLAMA_70B,
     ["--gpu", "H100", "--gpu-count", "8", "--vllm-version", "0.11.0", "--priority", "throughput"]),
]


def in_process_ms(folder: Path, cli: list[str], runs: int) -> float:
    from wizard.commands.plan import add_arguments, build_request
    from wizard.planner.fixes import suggest_fixes
    from wizard.planner.plan import make_plan

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    request = build_request(parser.parse_args([str(folder), *cli]))
    suggest_fixes(make_plan(request))
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        suggest_fixes(make_plan(request))
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def wall_ms(cmd: list[str], runs: int, env: dict) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    exe = shutil.which("vllm-wizard")
    base = [exe] if exe else [sys.executable, "-m", "wizard"]
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        folders: dict[int, Path] = {}
        for name, config, cli in SCENARIOS:
            key = id(config)
            if key not in folders:
                folders[key] = write_model_folder(Path(tmp) / str(len(folders)), config, tensors_for_config(config),
                                                  shards=8)
            folder = folders[key]
            inproc = in_process_ms(folder, cli, args.runs * 5)
            wall = wall_ms([*base, "plan", str(folder), *cli], args.runs, env)
            ok = inproc < REPLAN_TARGET_MS and wall < WALL_TARGET_MS
            failed |= not ok
            print(f"{name:42} plan+fixes {inproc:6.1f} ms (< {REPLAN_TARGET_MS:.0f})   "
                  f"`plan` wall {wall:6.0f} ms (< {WALL_TARGET_MS:.0f})  {'ok' if ok else 'MISSED'}")
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {sys.platform}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
