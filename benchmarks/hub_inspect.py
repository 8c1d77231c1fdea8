"""Benchmark: inspecting a 30-shard, 70B-shaped repo on the fake hub, without downloading it.

Targets (issue #4): under 1 MB transferred (bytes the server sends: headers and bodies, every
request) and under 1 s on loopback, median of --runs. The hub runs in its own process; the repo's
shards are sparse files, so only their safetensors headers are real.

Reports, for Hugging Face (through the installed huggingface_hub) and ModelScope:
- in-process `inspect_repo` time (imports already done: what the UI sees on a second model);
- the whole `vllm-wizard inspect MODEL --json` command (interpreter start-up and imports included).

    python benchmarks/hub_inspect.py [--runs 7]

Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "hub")]

from support import make_model_folder  # noqa: E402

BYTES_TARGET = 1_000_000
TIME_TARGET_S = 1.0
LLAMA_70B = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8192, "num_hidden_layers": 80,
    "num_attention_heads": 64, "num_key_value_heads": 8, "intermediate_size": 28672, "vocab_size": 128256,
    "max_position_embeddings": 131072, "torch_dtype": "bfloat16", "rope_theta": 500000.0,
}


def start_hub(folder: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "hub" / "fakehub.py"), f"meta/Llama-70B={folder}"],
                            stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def served_bytes(url: str) -> int:
    """The fake hub's running total, read through a side door that is not itself counted."""
    with urllib.request.urlopen(f"{url}/__stats") as r:  # noqa: S310 - our loopback fake hub
        return json.load(r)["bytes_sent"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hub-inspect-"))
    folder = make_model_folder(tmp / "Llama-70B", LLAMA_70B, shards=30,
                               extra={"tokenizer_config.json": {"model_max_length": 131072,
                                                                "chat_template": "{{ messages }}"},
                                      "tokenizer.json": "{}"})
    proc, url = start_hub(folder)
    ok = True
    try:
        from wizard.hub.inspect import inspect_repo
        from wizard.hub.settings import hf_settings, modelscope_settings

        env = {**os.environ, "HF_ENDPOINT": url, "MODELSCOPE_ENDPOINT": url, "HF_HOME": str(tmp / "hf"),
               "MODELSCOPE_CACHE": str(tmp / "ms"), "HF_HUB_DISABLE_TELEMETRY": "1",
               "PYTHONPATH": str(ROOT)}
        env.pop("HF_HUB_OFFLINE", None)
        for label, model, settings in (
            ("huggingface", "meta/Llama-70B", hf_settings(url, env={"HF_HOME": str(tmp / "hf")})),
            ("modelscope", "ms:meta/Llama-70B", modelscope_settings(None, env={"MODELSCOPE_ENDPOINT": url})),
        ):
            times, sizes, cli = [], [], []
            inspect_repo("meta/Llama-70B", settings)  # warm the imports once
            for _ in range(args.runs):
                before = served_bytes(url)
                start = time.perf_counter()
                facts = inspect_repo("meta/Llama-70B", settings).facts
                times.append(time.perf_counter() - start)
                sizes.append(served_bytes(url) - before)
                assert facts.weights.shard_count == 30
                start = time.perf_counter()
                out = subprocess.run([sys.executable, "-m", "wizard", "inspect", model, "--json"], env=env,
                                     capture_output=True, text=True, cwd=ROOT)
                cli.append(time.perf_counter() - start)
                assert out.returncode == 0, out.stderr
            t, b, c = statistics.median(times), statistics.median(sizes), statistics.median(cli)
            print(f"{label:12s} inspect_repo {t * 1000:6.0f} ms   transferred {b / 1000:6.1f} kB   "
                  f"`vllm-wizard inspect --json` {c * 1000:6.0f} ms   (median of {args.runs})")
            ok &= b < BYTES_TARGET and t < TIME_TARGET_S
        print(f"targets: < {BYTES_TARGET / 1e6:.0f} MB and < {TIME_TARGET_S:.0f} s per inspection: "
              f"{'met' if ok else 'MISSED'}")
    finally:
        proc.terminate()
        proc.wait()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
