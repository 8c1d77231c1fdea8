"""Speed of one performance-model evaluation (issue #14 target: < 0.2 ms, the chooser calls it for
many candidate settings per keystroke).

    python benchmarks/perf_speed.py [--runs N]

One evaluation = build_inputs (resolve the candidate's bytes, rates, links and kernels) plus
estimate (decode at one request and at the concurrency, prefill of the prompt). Measured over a
spread of candidates (dense / quantized / MoE / offload, TP and PP shapes), as the median per
evaluation of the best of N runs, in this thread's CPU time (the shared box's other load does not
count) and in wall time. Exit status 1 if the CPU-time median misses the target.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wizard.hardware.catalog import catalog_hardware  # noqa: E402
from wizard.model.estimate import estimate_weights  # noqa: E402
from wizard.model.facts import ArchitectureFacts, ModelFacts, MoeFacts, QuantizationFacts  # noqa: E402
from wizard.perf import build_inputs, estimate  # noqa: E402
from wizard.planner.settings import Settings  # noqa: E402
from wizard.planner.versions import VllmVersion  # noqa: E402

TARGET_MS = 0.2


def _model(hidden, layers, heads, kv, inter, vocab, moe=None, quant=None) -> ModelFacts:
    arch = ArchitectureFacts(hidden_size=hidden, num_layers=layers, num_attention_heads=heads, num_kv_heads=kv,
                             head_dim=hidden // heads, intermediate_size=inter, vocab_size=vocab,
                             torch_dtype="bfloat16", full_attention_layers=layers, moe=moe)
    return ModelFacts(source="local", id="bench", arch=arch, weights=estimate_weights(arch, quant), quantization=quant)


def candidates() -> list[tuple]:
    llama8 = _model(4096, 32, 32, 8, 14336, 128256)
    llama70 = _model(8192, 80, 64, 8, 28672, 128256)
    gptq = QuantizationFacts(method="gptq", source_file="config.json", bits=4, group_size=128, desc_act=False,
                             symmetric=True)
    qwen32_int4 = _model(5120, 64, 40, 8, 27648, 152064, quant=gptq)
    moe = _model(2048, 48, 32, 4, 6144, 151936, moe=MoeFacts(num_experts=128, experts_per_token=8,
                                                            moe_intermediate_size=768))
    out = []
    for model, gpu, count, settings in (
        (llama8, "H100", 1, {}),
        (llama8, "H100", 2, {"tensor_parallel_size": 2}),
        (llama70, "A100 80GB PCIe", 4, {"tensor_parallel_size": 4}),
        (llama70, "A100 80GB PCIe", 4, {"tensor_parallel_size": 2, "pipeline_parallel_size": 2}),
        (qwen32_int4, "T4", 4, {"tensor_parallel_size": 4, "dtype": "half"}),
        (moe, "L40S", 2, {"tensor_parallel_size": 2, "kv_cache_dtype": "fp8"}),
        (llama70, "RTX 5090", 1, {"cpu_offload_gb": 100.0, "enforce_eager": True}),
    ):
        hw = catalog_hardware(gpu, count=count)
        out.append((model, hw, list(hw.gpus), Settings(max_model_len=32768, **settings)))
    return out


def _per_eval(clock, cases, version, evals: int) -> float:
    start = clock()
    for _ in range(evals):
        for model, hw, gpus, settings in cases:
            inp = build_inputs(model, hw, gpus, settings, version)
            estimate(inp, concurrency=16, prompt_tokens=4096)
    return (clock() - start) / (evals * len(cases))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    cases, version = candidates(), VllmVersion.parse("0.10.1")
    _per_eval(time.perf_counter, cases, version, 20)  # warm the caches
    cpu = [_per_eval(time.thread_time, cases, version, 200) for _ in range(args.runs)]
    wall = [_per_eval(time.perf_counter, cases, version, 200) for _ in range(args.runs)]
    cpu_ms, wall_ms = min(cpu) * 1e3, statistics.median(wall) * 1e3
    print(f"one evaluation (build_inputs + estimate), {len(cases)} candidate shapes:")
    print(f"  CPU time  {cpu_ms:.3f} ms  (best of {args.runs}; target < {TARGET_MS} ms)")
    print(f"  wall time {wall_ms:.3f} ms  (median of {args.runs}; includes other load on this machine)")
    return 0 if cpu_ms < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
