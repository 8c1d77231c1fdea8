"""Benchmark: download throughput on loopback against a plain `curl` of the same files.

Target (issue #4): our download within 80% of curl's throughput, medians of --runs. The fake hub runs
in its own process and serves real bytes from disk with sendfile (sparse files would read as zeros
and flatter everyone); every client follows the same /resolve/ -> CDN redirect.

Measured, each on a fresh cache:
- curl: one process fetching the files one after the other;
- wizard: `download(plan)` from the worker's start to "done" (process spawn, transfer, sha256 of every
  weight file, moving into the cache), with 1 and 4 files at once, and with --no-verify;
- huggingface_hub's own snapshot_download (in its own process), for reference.

    python benchmarks/hub_download.py [--runs 5] [--mib 512]

Exits 1 when the target is missed.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET = 0.80
SHARDS = 4


def make_repo(folder: Path, total_mib: int) -> None:
    import json

    from wizard.model.synthetic import encode_header

    folder.mkdir(parents=True, exist_ok=True)
    per = total_mib * (1 << 20) // SHARDS
    rows = per // (4096 * 2)
    weight_map = {}
    for i in range(1, SHARDS + 1):
        name = f"model-{i:05d}-of-{SHARDS:05d}.safetensors"
        head, size = encode_header({f"model.layers.{i}.mlp.up_proj.weight": ("BF16", [rows, 4096])})
        with open(folder / name, "wb") as fh:
            fh.write(head)
            left = size
            while left:  # real bytes: incompressible, and no holes for the server to skip
                block = os.urandom(min(left, 16 << 20))
                fh.write(block)
                left -= len(block)
        weight_map[f"model.layers.{i}.mlp.up_proj.weight"] = name
    (folder / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    (folder / "config.json").write_text(json.dumps({
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 4,
        "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": rows, "vocab_size": 32000,
        "max_position_embeddings": 4096, "torch_dtype": "bfloat16"}))


def start_hub(folder: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "hub" / "fakehub.py"), f"org/bench={folder}"],
                            stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def curl_once(url: str, names: list[str], dest: Path) -> float:
    args = []
    for name in names:
        args += ["-o", str(dest / name), f"{url}/org/bench/resolve/main/{name}"]
    start = time.perf_counter()
    subprocess.run(["curl", "-sSfL", *args], check=True)
    return time.perf_counter() - start


def wizard_once(url: str, cache: Path, *, workers: int, verify: bool) -> float:
    from wizard.hub.download import download, plan_download
    from wizard.hub.settings import hf_settings

    plan = plan_download("org/bench", settings=hf_settings(url, env={"HF_HOME": str(cache)}))
    start = time.perf_counter()
    events = list(download(plan, workers=workers, verify=verify))
    assert events[-1].state == "done"
    return time.perf_counter() - start


def hf_once(url: str, cache: Path) -> float:
    code = ("import time, sys; from huggingface_hub import snapshot_download; t = time.perf_counter(); "
            f"snapshot_download('org/bench', cache_dir={str(cache)!r}, endpoint={url!r}, token=False); "
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         env={**os.environ, "HF_HUB_DISABLE_PROGRESS_BARS": "1", "HF_HUB_DISABLE_XET": "1"})
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mib", type=int, default=1024, help="total size of the repo's weights")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hub-download-"))
    make_repo(tmp / "repo", args.mib)
    names = sorted(p.name for p in (tmp / "repo").iterdir())
    total = sum((tmp / "repo" / n).stat().st_size for n in names)
    proc, url = start_hub(tmp / "repo")
    results: dict[str, list[float]] = {}
    runners = {
        "curl (sequential)": lambda d: curl_once(url, names, d),
        "wizard, 1 worker, sha256": lambda d: wizard_once(url, d, workers=1, verify=True),
        "wizard, 4 workers, sha256": lambda d: wizard_once(url, d, workers=4, verify=True),
        "wizard, 4 workers, sizes only": lambda d: wizard_once(url, d, workers=4, verify=False),
        "huggingface_hub snapshot_download": lambda d: hf_once(url, d),
    }
    try:
        for _ in range(args.runs):
            for label, fn in runners.items():  # interleaved, so a noisy moment hurts everyone alike
                dest = Path(tempfile.mkdtemp(dir=tmp))
                results.setdefault(label, []).append(fn(dest))
                shutil.rmtree(dest)
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    curl = total / statistics.median(results["curl (sequential)"])
    print(f"{total / (1 << 20):.0f} MiB in {len(names)} files, median of {args.runs} runs, {os.cpu_count()} CPUs")
    best = 0.0
    for label, times in results.items():
        rate = total / statistics.median(times)
        print(f"  {label:36s} {rate / 1e6:8.0f} MB/s  {100 * rate / curl:5.0f}% of curl")
        if label.startswith("wizard") and "sha256" in label:
            best = max(best, rate / curl)
    print(f"target: wizard (with sha256) >= {TARGET:.0%} of curl: {'met' if best >= TARGET else 'MISSED'} ({best:.0%})")
    return 0 if best >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
