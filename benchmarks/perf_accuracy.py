"""Score the performance model against public vLLM speed measurements.

    python benchmarks/perf_accuracy.py [RECORDS.jsonl] [--verbose]

For every record of shared/perf/vllm_perf_public.jsonl (or the file given) this rebuilds the
checkpoint from its public config (benchmarks/perf_models.py), plans the record's command with the
planner (its GPUs, release, TP/PP, quantization, KV dtype, offload and max-model-len pinned; every
other setting at that release's default), evaluates the performance model for the record's
workload, and prints predicted next to measured. The measured figure is never an input.

Workloads: batch-1 runs (Qwen's speed table) are timed as the record times them, prompt prefill
plus the generated tokens; client-capped runs and unbounded-rate ShareGPT runs go through the
batch model (wizard.perf.workload: KV capacity, max-num-seqs, queueing, fill and drain). Targets:
median error within 20 % for single-stream decode, within 30 % for concurrency runs.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from perf_models import write_record_model  # noqa: E402

from wizard.hardware.catalog import catalog_hardware  # noqa: E402
from wizard.model.local import inspect_local  # noqa: E402
from wizard.perf.inputs import build_inputs  # noqa: E402
from wizard.perf.step import pipeline_cycle, prefill_time  # noqa: E402
from wizard.perf.workload import Workload, serve  # noqa: E402
from wizard.planner.choose import select_gpus  # noqa: E402
from wizard.planner.inputs import PlanRequest  # noqa: E402
from wizard.planner.plan import make_plan  # noqa: E402
from wizard.planner.versions import NEWEST_KNOWN, VllmVersion  # noqa: E402

RECORDS = Path("/work/shared/perf/vllm_perf_public.jsonl")
GPUS = {
    "NVIDIA A100 80GB": "a100-80gb", "NVIDIA A100 (80GB inferred)": "a100-80gb", "NVIDIA A100 SXM 80GB": "a100-80gb",
    "NVIDIA H100 80GB": "h100-sxm", "NVIDIA H100": "h100-sxm", "NVIDIA H100 SXM 80GB": "h100-sxm",
    "NVIDIA GeForce RTX 4090 24GB": "rtx-4090", "NVIDIA H200 141GB": "h200",
    "NVIDIA GH200 (H100 96GB, NVLink-C2C to Grace CPU)": "gh200", "NVIDIA GB300": "gb300",
}
# `vllm bench serve` on ShareGPT_V3 (its default sample of 1000 conversations, seed 0): about 220 prompt
# and 200 generated tokens per request (the c=4 run's 22,061 generated tokens for 100 requests; every
# run's total/output token ratio is 2.05-2.11). Output lengths are taken as memoryless (cv = 1).
SHAREGPT_PROMPT, SHAREGPT_OUTPUT = 220.0, 200.0
# --quantization as the record forces it (None: the checkpoint's own method, auto-detected).
FORCED = {"awq": "awq", "gptq (exllamav2 kernel)": "gptq", "bitsandbytes": "bitsandbytes"}


@dataclass
class Row:
    id: str
    kind: str  # single | offload | concurrency
    metric: str
    measured: float
    predicted: float | None
    detail: str

    @property
    def error(self) -> float | None:
        return None if self.predicted is None else self.predicted / self.measured - 1


def _version(record: dict) -> str:
    """The release to plan for: a main-branch build as the newest known release; 0.5.x (older than
    the planner supports) as 0.6.0, whose V0 engine and copying CPU offload are the same."""
    text = record["vllm_version"]
    if not re.fullmatch(r"\d+\.\d+(\.\d+)?", text):
        return NEWEST_KNOWN
    return "0.6.0" if text.startswith("0.5.") else text


def _pins(record: dict) -> dict:
    pins: dict = {"tensor_parallel_size": record["tensor_parallel_size"] or 1,
                  "pipeline_parallel_size": record["pipeline_parallel_size"] or 1}
    if record.get("max_model_len"):
        pins["max_model_len"] = record["max_model_len"]
    if record.get("kv_cache_dtype") not in (None, "auto"):
        pins["kv_cache_dtype"] = record["kv_cache_dtype"]
    if record.get("cpu_offload_gb"):
        pins["cpu_offload_gb"] = float(record["cpu_offload_gb"])
    if record.get("enforce_eager") is not None:
        pins["enforce_eager"] = bool(record["enforce_eager"])
    forced = FORCED.get((record.get("quantization") or "").lower())
    if forced:
        pins["quantization"] = forced
    util = re.search(r"--gpu-memory-utilization[ =]([0-9.]+)", record["quote"])
    if util:
        pins["gpu_memory_utilization"] = float(util.group(1))
    return pins


def _plan(record: dict, folder: Path):
    gpu = record["gpu"]
    hardware = catalog_hardware(GPUS[gpu["name"]], count=gpu["count"])
    model = inspect_local(folder)
    request = PlanRequest(hardware=hardware, model=model, vllm_version=_version(record), pinned=_pins(record))
    return make_plan(request)


def evaluate(record: dict, plan) -> Row:
    s = plan.settings
    gpus = select_gpus(plan.request)[: s.tensor_parallel_size * s.pipeline_parallel_size]
    inp = build_inputs(plan.request.model, plan.request.hardware, gpus, s, VllmVersion.parse(plan.version),
                       async_scheduling="--async-scheduling" in record["quote"],
                       offload_experts_only="--cpu-offload-params" in record["quote"])
    work, obs = record["workload"], record["observed"]
    rid = record["id"]
    if "single_stream_decode_tokens_per_s" in obs:
        kind = "offload" if record.get("cpu_offload_gb") else "single"
        prompt = int(work.get("input_len") or 0)
        out = int(work.get("output_len") or 0)
        if out:  # timed as generated tokens / wall time: prompt prefill included
            ttft, _ = prefill_time(inp, max(1, prompt))
            cycle, st = pipeline_cycle(inp, 1, prompt + out / 2)
            predicted = out / (ttft + out * cycle)
        else:  # a server log's generation throughput: decode only
            cycle, st = pipeline_cycle(inp, 1, 512)
            predicted = 1 / cycle
        detail = (f"step {cycle * 1e3:.2f} ms (mem {st.memory * 1e3:.2f}, comp {st.compute * 1e3:.2f}, "
                  f"offload {st.offload * 1e3:.1f}, comm {st.comm * 1e3:.2f}, overhead {st.overhead * 1e3:.2f})")
        return Row(rid, kind, "decode tok/s", obs["single_stream_decode_tokens_per_s"], predicted, detail)
    clients = work.get("concurrency")
    cap = clients if isinstance(clients, int) else None
    est = serve(inp, Workload(work["num_prompts"], SHAREGPT_PROMPT, SHAREGPT_OUTPUT, concurrency=cap),
                kv_tokens=plan.kv_cache_tokens, block_size=s.block_size)
    detail = (f"batch {est.batch} ({est.limited_by}), step {est.step_ms:.1f} ms, run {est.duration_s:.1f} s, "
              f"TTFT {est.ttft_ms / 1e3:.1f} s; measured TPOT {obs.get('mean_tpot_ms', float('nan')):.1f} ms")
    if "total_tokens_per_s" in obs:
        return Row(rid, "concurrency", "total tok/s", obs["total_tokens_per_s"], est.total_tokens_per_s, detail)
    return Row(rid, "concurrency", "output tok/s", obs["output_tokens_per_s"], est.output_tokens_per_s, detail)


def run(path: Path, verbose: bool) -> list[Row]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        for record in records:
            folder = write_record_model(record, Path(tmp) / record["id"])
            plan = _plan(record, folder)
            row = evaluate(record, plan)
            if not plan.ok:
                row.detail += f"; plan: {plan.failure_code}"
            rows.append(row)
    width = max(len(r.id) for r in rows)
    print(f"{'record':<{width}}  {'metric':<12} {'measured':>10} {'predicted':>10} {'error':>7}")
    for r in rows:
        err = "n/a" if r.error is None else f"{r.error:+.0%}"
        pred = "n/a" if r.predicted is None else f"{r.predicted:,.1f}"
        print(f"{r.id:<{width}}  {r.metric:<12} {r.measured:>10,.1f} {pred:>10} {err:>7}")
        if verbose:
            print(f"{'':<{width}}    {r.detail}")
    print()
    for kind, target in (("single", 0.20), ("concurrency", 0.30), ("offload", None)):
        errors = [abs(r.error) for r in rows if r.kind == kind and r.error is not None]
        if errors:
            goal = f" (target {target:.0%})" if target else " (NVLink-C2C hosts, not PCIe)"
            print(f"median |error| {kind:<12} {statistics.median(errors):6.1%} over {len(errors)} records{goal}")
    return rows


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    path = Path(args[0]) if args else RECORDS
    if not path.is_file():
        print(f"no measurements at {path}: give the path of vllm_perf_public.jsonl", file=sys.stderr)
        return 2
    start = time.perf_counter()
    run(path, "--verbose" in argv)
    print(f"({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
