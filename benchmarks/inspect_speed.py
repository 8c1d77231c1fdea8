"""Benchmark: `vllm-wizard inspect DIR --json` on a 30-shard, 70B-shaped checkpoint.

Targets: median wall time under 300 ms (the whole command, interpreter start-up included) and under
1 MB read from disk. The checkpoint is sparse (synthetic.write_model_folder), so it costs a few
kilobytes of disk while every header looks exactly like Llama-3.1-70B's.

    python benchmarks/inspect_speed.py [--runs 10]

Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wizard.model.synthetic import write_model_folder  # noqa: E402

WALL_TARGET_S = 0.300
READ_TARGET_BYTES = 1 << 20

LLAMA_70B = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8192, "num_hidden_layers": 80,
    "num_attention_heads": 64, "num_key_value_heads": 8, "intermediate_size": 28672, "vocab_size": 128256,
    "max_position_embeddings": 131072, "rope_theta": 500000.0, "torch_dtype": "bfloat16",
    "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                     "original_max_position_embeddings": 8192, "rope_type": "llama3"},
}

# Runs in a child process: the bytes this process reads while inspecting, imports already done.
MEASURE_READS = """
import json, sys
from wizard.model.local import inspect_local
def rchar():
    for line in open("/proc/self/io"):
        if line.startswith("rchar:"):
            return int(line.split()[1])
before = rchar()
facts = inspect_local(sys.argv[1])
text = json.dumps(facts.model_dump(mode="json"))
print(rchar() - before)
"""


def llama_70b_tensors() -> dict[str, tuple[str, list[int]]]:
    c = LLAMA_70B
    h, heads, kv, inter, vocab = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"], c["intermediate_size"], c["vocab_size"]
    d = h // heads
    t = {"model.embed_tokens.weight": ("BF16", [vocab, h])}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}"
        t |= {
            f"{p}.input_layernorm.weight": ("BF16", [h]),
            f"{p}.self_attn.q_proj.weight": ("BF16", [heads * d, h]),
            f"{p}.self_attn.k_proj.weight": ("BF16", [kv * d, h]),
            f"{p}.self_attn.v_proj.weight": ("BF16", [kv * d, h]),
            f"{p}.self_attn.o_proj.weight": ("BF16", [h, heads * d]),
            f"{p}.post_attention_layernorm.weight": ("BF16", [h]),
            f"{p}.mlp.gate_proj.weight": ("BF16", [inter, h]),
            f"{p}.mlp.up_proj.weight": ("BF16", [inter, h]),
            f"{p}.mlp.down_proj.weight": ("BF16", [h, inter]),
        }
    t["model.norm.weight"] = ("BF16", [h])
    t["lm_head.weight"] = ("BF16", [vocab, h])
    return t


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_model_folder(Path(tmp) / "Llama-3.1-70B", LLAMA_70B, llama_70b_tensors(), shards=30)
        shards = len(list(folder.glob("*.safetensors")))
        cmd = [sys.executable, "-m", "wizard", "inspect", str(folder), "--json"]
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)  # warm the page cache and .pyc files
        walls = []
        for _ in range(args.runs):
            start = time.perf_counter()
            out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
            walls.append(time.perf_counter() - start)
        params = json.loads(out.stdout)["weights"]["params"]
        baseline = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            baseline.append(time.perf_counter() - start)
        read = int(subprocess.run([sys.executable, "-c", MEASURE_READS, str(folder)], cwd=ROOT, check=True,
                                  capture_output=True, text=True).stdout)
    median = statistics.median(walls)
    print(f"checkpoint: {shards} shards, {params / 1e9:.2f} B params (Llama-3.1-70B shape)")
    print(f"inspect --json wall: median {median * 1000:.0f} ms over {args.runs} runs "
          f"(min {min(walls) * 1000:.0f}, max {max(walls) * 1000:.0f}); target < {WALL_TARGET_S * 1000:.0f} ms")
    print(f"  of which a bare `python -c pass` takes {statistics.median(baseline) * 1000:.0f} ms here")
    print(f"bytes read while inspecting: {read:,}; target < {READ_TARGET_BYTES:,}")
    ok = median < WALL_TARGET_S and read < READ_TARGET_BYTES
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
