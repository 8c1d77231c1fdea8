"""Planner accuracy against real vLLM start-up logs (shared/calibration/vllm_logs_public.jsonl).

For every record: build a faithful model folder (config.json + sparse safetensors headers), inspect
it with the normal inspector, plan with the record's launch settings pinned, and compare the
planner's figures with what vLLM printed. Records the planner cannot model are listed with the
reason, never dropped silently.

    python benchmarks/planner_accuracy.py [--jsonl PATH] [--verbose]

Exit status 0 when the issue's targets are met: KV tokens and KV GiB median relative error <= 3%,
p90 <= 10%; weights median <= 1.5%; start-up verdict right on every record.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from calibration_models import CALIBRATION_MODELS, build_model_folder  # noqa: E402

from wizard.errors import WizardError  # noqa: E402
from wizard.hardware.catalog import lookup  # noqa: E402
from wizard.hardware.facts import GpuFacts, HardwareFacts  # noqa: E402
from wizard.model.local import inspect_local  # noqa: E402
from wizard.planner.inputs import PlanRequest  # noqa: E402
from wizard.planner.plan import Plan, make_plan  # noqa: E402
from wizard.planner.versions import VllmVersion  # noqa: E402

GIB = 1 << 30
DEFAULT_JSONL = ROOT.parent / "shared" / "calibration" / "vllm_logs_public.jsonl"
_FREE_LINE = re.compile(r"Free memory on device[^(]*\(([\d.]+)/([\d.]+) GiB\)")
_GPU_NAMES = (  # first match wins: longer names before the names they contain
    ("gh200", "GH200"), ("h200", "H200"), ("h100", "H100"), ("h20", "H20"), ("b200", "B200"),
    ("l40s", "L40S"), ("l4", "L4"), ("a100 40", "A100-40GB"), ("a100", "A100-80GB"),
    ("rtx pro 6000", "RTX PRO 6000"), ("5090", "RTX 5090"), ("4090", "RTX 4090"), ("4080", "RTX 4080"),
    ("3090", "RTX 3090"), ("dgx spark", "GB10"), ("gb10", "GB10"),
)


@dataclass
class Outcome:
    record_id: str
    modelled: bool
    reason: str = ""
    weights: tuple[float, float] | None = None  # (predicted, observed) GiB
    kv_gib: tuple[float, float] | None = None
    kv_tokens: tuple[int, int] | None = None
    concurrency: tuple[float, float] | None = None
    verdict_ok: bool | None = None
    verdict_note: str = ""
    faithful: bool = True


def record_version(record: dict) -> str:
    text = str(record.get("vllm_version") or "")
    match = re.search(r"(\d+\.\d+(?:\.\d+)?)", text)
    return match.group(1) if match else ""


def record_total_gib(record: dict) -> float | None:
    match = _FREE_LINE.search(record.get("quote") or "")
    if match:
        return float(match.group(2))
    mem = str(record["gpu"].get("memory_per_gpu") or "")
    gib = re.match(r"\s*([\d.]+)\s*GiB", mem)
    if gib and "usable" not in mem:
        return float(gib.group(1))
    return None


def record_hardware(record: dict) -> HardwareFacts | None:
    """The record's GPUs, or None when neither the GPU nor its memory was recorded."""
    name = (record["gpu"].get("name") or "").lower()
    count = int(record["gpu"].get("gpu_count") or 1)
    key = next((k for probe, k in _GPU_NAMES if probe in name), None)
    total = record_total_gib(record)
    entry = lookup(key) if key else None
    if entry is None and total is None:
        return None
    total_bytes = int(total * GIB) if total is not None else entry.total_bytes
    cc = entry.compute_capability if entry else "9.0"
    gpu_name = entry.name if entry else "unnamed GPU"
    gpus = tuple(GpuFacts(index=i, name=gpu_name, total_bytes=total_bytes, used_bytes=0, free_bytes=total_bytes,
                          compute_capability=cc) for i in range(count))
    return HardwareFacts(source="catalog", gpus=gpus)


def record_pins(record: dict, version: VllmVersion, hw: HardwareFacts) -> dict:
    pins: dict = {
        "tensor_parallel_size": record.get("tensor_parallel_size") or 1,
        "pipeline_parallel_size": record.get("pipeline_parallel_size") or 1,
        "gpu_memory_utilization": record.get("gpu_memory_utilization") or version.default_gpu_memory_utilization,
        "enforce_eager": bool(record.get("enforce_eager")),
        "quantization": None,
        "kv_cache_dtype": "fp8" if str(record.get("kv_cache_dtype") or "").startswith("fp8") else "auto",
        "cpu_offload_gb": float(record.get("cpu_offload_gb") or 0),
    }
    quant = str(record.get("quantization") or "")
    if "online" in quant and quant.startswith("fp8"):
        pins["quantization"] = "fp8"
    for name in ("max_model_len", "max_num_seqs", "max_num_batched_tokens"):
        if record.get(name):
            pins[name] = int(record[name])
    other = str(record.get("other_args") or "")
    offline = any(word in other for word in ("LLM()", "offline", "lm_eval", "bench "))
    if offline and "max_num_batched_tokens" not in pins:
        # The LLM class profiles a bigger batch than `vllm serve` (memory model §8: serve vs LLM-class).
        gpu = hw.gpus[0]
        serve_tokens, _ = version.batch_defaults((gpu.total_bytes or 0) / GIB, gpu.name)
        pins["max_num_batched_tokens"] = 16384 if serve_tokens >= 8192 else 8192
    dcp = re.search(r"decode-context-parallel-size (\d+)", other)
    if dcp:
        pins["decode_context_parallel_size"] = int(dcp.group(1))
    if record.get("block_size") and not (record.get("model_config") or {}).get("hybrid"):
        pins["block_size"] = int(record["block_size"])
    return pins


def rel(pred: float, obs: float) -> float:
    return abs(pred - obs) / abs(obs) if obs else 0.0


def evaluate(record: dict, workdir: Path) -> Outcome:
    rid = record["id"]
    spec = CALIBRATION_MODELS.get(rid)
    if spec is None:
        return Outcome(rid, False, "no model spec for this record")
    version_text = record_version(record)
    if not version_text:
        version_text = "0.24.0"
    version = VllmVersion.parse(version_text)
    folder = build_model_folder(rid, workdir / rid)
    try:
        model = inspect_local(folder)
    except WizardError as exc:
        return Outcome(rid, False, f"inspector refused the folder: {exc}")
    hw = record_hardware(record)
    unknown_gpu = hw is None
    if unknown_gpu:
        # Weights do not depend on the GPU; the KV budget does, and guessing the GPU's memory from
        # the very figure under test would prove nothing.
        hw = HardwareFacts(source="catalog", gpus=(GpuFacts(index=0, name="unnamed GPU", total_bytes=80 * GIB,
                                                            used_bytes=0, compute_capability="8.0"),))
    pins = record_pins(record, version, hw)
    if "max_model_len" not in pins:
        pins["max_model_len"] = record["observed"].get("max_concurrency_request_len") or 0
        if not pins["max_model_len"]:
            pins.pop("max_model_len")
    plan = make_plan(PlanRequest(hardware=hw, model=model, vllm_version=version_text, pinned=pins))
    out = Outcome(rid, True, "" if spec.faithful else f"approximate model: {spec.reason}", faithful=spec.faithful)
    _compare(out, plan, record)
    if unknown_gpu:
        out.kv_gib = out.kv_tokens = out.concurrency = None
        out.verdict_ok = None
        out.reason = "GPU and its memory not recorded: only the weights are compared"
    return out


def _compare(out: Outcome, plan: Plan, record: dict) -> None:
    obs = record["observed"]
    c = plan.contract()["memory"]
    if obs.get("model_loading_gib") is not None:
        out.weights = (c["weights_gib"], obs["model_loading_gib"])
    if obs.get("available_kv_cache_gib") is not None:
        out.kv_gib = (c["kv_cache_gib"], obs["available_kv_cache_gib"])
    if obs.get("kv_cache_tokens") is not None:
        out.kv_tokens = (c["kv_cache_tokens"], obs["kv_cache_tokens"])
    if obs.get("max_concurrency") is not None:
        out.concurrency = (c["max_concurrency"], obs["max_concurrency"])
    error = obs.get("error") or ""
    started = obs.get("kv_cache_tokens") is not None or obs.get("available_kv_cache_gib") is not None
    failed_in_log = bool(error) and not started
    out.verdict_ok = plan.ok != failed_in_log
    out.verdict_note = f"planner {'starts' if plan.ok else 'fails: ' + str(plan.failure_code)}; log " + (
        "failed" if failed_in_log else "started")


def summarize(outcomes: list[Outcome]) -> tuple[dict, bool]:
    def errors(attr: str) -> list[float]:
        return [rel(*getattr(o, attr)) for o in outcomes if o.modelled and getattr(o, attr)]


    def stats(values: list[float]) -> dict:
        if not values:
            return {"n": 0}
        ordered = sorted(values)
        p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
        return {"n": len(values), "median": statistics.median(values), "p90": p90, "max": ordered[-1]}

    summary = {name: stats(errors(name)) for name in ("weights", "kv_gib", "kv_tokens", "concurrency")}
    verdicts = [o.verdict_ok for o in outcomes if o.modelled and o.verdict_ok is not None]
    summary["verdict"] = {"n": len(verdicts), "right": sum(bool(v) for v in verdicts)}
    ok = (
        summary["kv_tokens"].get("median", 1) <= 0.03 and summary["kv_tokens"].get("p90", 1) <= 0.10
        and summary["kv_gib"].get("median", 1) <= 0.03 and summary["kv_gib"].get("p90", 1) <= 0.10
        and summary["weights"].get("median", 1) <= 0.015
        and summary["verdict"]["right"] == summary["verdict"]["n"]
    )
    return summary, ok


def _fmt(pair, digits=2) -> str:
    if not pair:
        return "-"
    pred, obs = pair
    return f"{pred:,.{digits}f}/{obs:,.{digits}f} ({rel(pred, obs) * 100:+.1f}%)".replace("+", "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jsonl", type=Path, default=DEFAULT_JSONL)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    records = [json.loads(line) for line in args.jsonl.read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = [evaluate(r, Path(tmp)) for r in records]
    summary, ok = summarize([o for o in outcomes if o.faithful])
    everything, _ = summarize(outcomes)
    if args.json:
        print(json.dumps({"summary": summary, "summary_all_records": everything, "ok": ok}, indent=2))
        return 0 if ok else 1
    print(f"{'record':58} {'weights GiB':>22} {'KV GiB':>22} {'KV tokens':>30} {'concurrency':>22}  verdict")
    for o in outcomes:
        if not o.modelled:
            print(f"{o.record_id:58} NOT MODELLED: {o.reason}")
            continue
        verdict = "-" if o.verdict_ok is None else "ok" if o.verdict_ok else "WRONG"
        print(f"{o.record_id:58} {_fmt(o.weights):>22} {_fmt(o.kv_gib):>22} {_fmt(o.kv_tokens, 0):>30} "
              f"{_fmt(o.concurrency):>22}  {verdict} ({o.verdict_note})" + (f"  [{o.reason}]" if o.reason else ""))
    for title, block in (("faithful model folders (the targets apply here)", summary),
                         ("all records, approximate model folders included", everything)):
        print(f"\n{title}:")
        for name, s in block.items():
            if name == "verdict":
                print(f"  verdict: {s['right']}/{s['n']} right")
            elif s["n"]:
                print(f"  {name:12} n={s['n']:2}  median {s['median'] * 100:5.2f}%  p90 {s['p90'] * 100:5.2f}%  "
                      f"max {s['max'] * 100:6.2f}%")
    print("\ntargets met" if ok else "\ntargets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
