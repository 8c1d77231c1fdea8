"""Planner accuracy against real vLLM start-up logs: both public sets in shared/calibration/
(vllm_logs_public.jsonl, 38 V1 records, and vllm_logs_public_more.jsonl, 13 V0 + 10 V1 records).

For every record: build a faithful model folder (config.json + sparse safetensors headers), inspect
it with the normal inspector, plan with the record's launch settings pinned, and compare the
planner's figures with what vLLM printed. Records the planner cannot model are listed with the
reason, never dropped silently. Figures are reported per engine era (the engine the record's log
shows) and overall, and the engine the oracle predicts is checked against the log's.

Leave-one-era-out (--transfer): the named empirical terms (CUDA context, communication buffers,
non-torch baseline) are fitted on the V1 records alone and scored on the V0 records, and the
reverse, so it shows whether they carry across eras rather than absorb one era's errors.

    python benchmarks/planner_accuracy.py [--jsonl PATH ...] [--json] [--transfer]

Exit status 0 when the issue's targets are met on the faithful folders: KV tokens median relative
error <= 2%, p90 <= 6%; weights median <= 1%; every start-up verdict right; no record refused.
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

from calibration_models import CALIBRATION_MODELS, RECORD_EXTRAS, build_model_folder  # noqa: E402

from wizard.errors import WizardError  # noqa: E402
from wizard.hardware.catalog import lookup  # noqa: E402
from wizard.hardware.facts import GpuFacts, HardwareFacts  # noqa: E402
from wizard.model.local import inspect_local  # noqa: E402
from wizard.planner import overheads as oh  # noqa: E402
from wizard.planner.inputs import PlanRequest  # noqa: E402
from wizard.planner.plan import Plan, make_plan  # noqa: E402
from wizard.planner.settings import Settings  # noqa: E402
from wizard.planner.versions import VllmVersion  # noqa: E402

GIB = 1 << 30
_SHARED = next((p / "shared" / "calibration" for p in (ROOT.parent, ROOT.parents[1]) if (p / "shared").is_dir()),
               ROOT.parent / "shared" / "calibration")
DEFAULT_JSONL = (_SHARED / "vllm_logs_public.jsonl", _SHARED / "vllm_logs_public_more.jsonl")
_FREE_LINE = re.compile(r"Free memory on device[^(]*\(([\d.]+)/([\d.]+) GiB\)")
_GPU_NAMES = (  # first match wins: longer names before the names they contain
    ("gh200", "GH200"), ("h200", "H200"), ("h100", "H100"), ("h20", "H20"), ("b200", "B200"),
    ("l40s", "L40S"), ("l4", "L4"), ("a100 40", "A100-40GB"), ("a100-sxm4-40gb", "A100-40GB"), ("a100", "A100-80GB"),
    ("rtx pro 6000", "RTX PRO 6000"), ("5090", "RTX 5090"), ("4090", "RTX 4090"), ("4080", "RTX 4080"),
    ("3090", "RTX 3090"), ("dgx spark", "GB10"), ("gb10", "GB10"), ("a100-sxm4-40gb", "A100-40GB"),
    ("a800", "A800"), ("tesla t4", "T4"), ("2080 ti", "RTX 2080 Ti"), ("4070", "RTX 4070 Ti"), ("3050", "RTX 3060"),
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
    era: str = "V1"  # the engine the record's log shows
    engine: str = ""  # the engine the oracle predicts


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


_SETTING_NAMES = set(Settings.__dataclass_fields__)


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
    if re.search(r"custom all-reduce (off|disabled)|no P2P", other):
        pins["disable_custom_all_reduce"] = True
    dtype = str(record.get("dtype") or "")
    if dtype.startswith(("float16", "bfloat16")):
        pins["dtype"] = dtype.split()[0]
    for name, value in RECORD_EXTRAS.get(record["id"], {}).get("pins", {}).items():
        if name in _SETTING_NAMES:  # LoRA / load-format pins need the planner's new inputs
            pins[name] = value
    dcp = re.search(r"decode-context-parallel-size (\d+)", other)
    if dcp:
        pins["decode_context_parallel_size"] = int(dcp.group(1))
    if record.get("block_size") and not (record.get("model_config") or {}).get("hybrid"):
        pins["block_size"] = int(record["block_size"])
    return pins


def rel(pred: float, obs: float) -> float:
    return abs(pred - obs) / abs(obs) if obs else 0.0


def offline(record: dict) -> bool:
    other = str(record.get("other_args") or "")
    return any(word in other for word in ("LLM()", "offline", "lm_eval", "bench ", "vllm.LLM", "offline LLM"))


_MODELS: dict[str, object] = {}


def evaluate(record: dict, workdir: Path) -> Outcome:
    rid = record["id"]
    spec = CALIBRATION_MODELS.get(rid)
    era = str(record.get("engine") or "V1")
    if spec is None:
        return Outcome(rid, False, "no model spec for this record", era=era)
    extras = RECORD_EXTRAS.get(rid, {})
    version_text = extras.get("version") or record_version(record)
    if not version_text:
        version_text = "0.24.0"
    version = VllmVersion.parse(version_text)
    model = _MODELS.get(rid)
    if model is None:
        folder = build_model_folder(rid, workdir / rid)
        try:
            model = _MODELS[rid] = inspect_local(folder)
        except WizardError as exc:
            return Outcome(rid, False, f"inspector refused the folder: {exc}", era=era)
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
    usage = extras.get("usage") or ("llm" if offline(record) else "serve")
    try:
        wanted = dict(vllm_env=extras.get("env", {}), usage=usage, flashinfer=bool(extras.get("flashinfer")))
        # Older planners (the "before" run on main) lack these inputs: pass what the planner knows.
        known = {k: v for k, v in wanted.items() if k in PlanRequest.__dataclass_fields__}
        plan = make_plan(PlanRequest(hardware=hw, model=model, vllm_version=version_text, pinned=pins, **known))
        plan = _with_nodes(plan, hw, model, version_text, pins, extras, usage)
    except WizardError as exc:
        return Outcome(rid, False, f"planner refused the record: {exc}", era=era)
    out = Outcome(rid, True, "" if spec.faithful else f"approximate model: {spec.reason}", faithful=spec.faithful,
                  era=era, engine=getattr(plan, "engine", VllmVersion.parse(version_text).engine))
    _compare(out, plan, record)
    if unknown_gpu:
        out.kv_gib = out.kv_tokens = out.concurrency = None
        out.verdict_ok = None
        out.reason = "GPU and its memory not recorded: only the weights are compared"
    elif extras.get("launch_unknown"):
        out.kv_gib = out.kv_tokens = out.concurrency = None
        out.reason = extras["launch_unknown"]
    return out


def _with_nodes(plan: Plan, hw, model, version_text, pins, extras, usage) -> Plan:
    """Ranks spread over several machines (one GPU per node in these records): the same settings,
    predicted with the communication buffers of a multi-node group."""
    nodes = int(extras.get("nodes") or 1)
    if nodes == 1 or not hasattr(VllmVersion, "with_startup"):
        return plan
    from dataclasses import replace

    from wizard.planner.predict import predict

    version = VllmVersion.parse(version_text).with_startup(env=extras.get("env"), nodes=nodes,
                                                           flashinfer=bool(extras.get("flashinfer")))
    pred = predict(model, list(hw.gpus), plan.settings, version)
    return replace(plan, ranks=pred.ranks, worst_rank=pred.ranks.index(pred.worst), kv_cache_tokens=pred.kv_tokens,
                   max_concurrency=pred.concurrency, failure_code=pred.failure.code if pred.failure else None)


def _compare(out: Outcome, plan: Plan, record: dict) -> None:
    obs = record["observed"]
    c = plan.contract()["memory"]
    if obs.get("model_loading_gib") is not None:
        out.weights = (c["weights_gib"], obs["model_loading_gib"])
    if (obs.get("available_kv_cache_gib") or 0) > 0:  # a negative budget is compared by its verdict only
        out.kv_gib = (c["kv_cache_gib"], obs["available_kv_cache_gib"])
    if (obs.get("kv_cache_tokens") or 0) > 0:
        out.kv_tokens = (c["kv_cache_tokens"], obs["kv_cache_tokens"])
    if obs.get("max_concurrency") is not None:
        out.concurrency = (c["max_concurrency"], obs["max_concurrency"])
    error = obs.get("error") or ""
    # A record that quotes an error and no KV token line did not start (a KV GiB figure may still be
    # printed with the failure, as in "... larger than the available KV cache memory (0.18 GiB)").
    failed_in_log = bool(error) and not (obs.get("kv_cache_tokens") or 0) > 0
    out.verdict_ok = plan.ok != failed_in_log
    out.verdict_note = f"planner {'starts' if plan.ok else 'fails: ' + str(plan.failure_code)}; log " + (
        "failed" if failed_in_log else "started")


def _stats(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return {"n": len(values), "median": statistics.median(values), "p90": p90, "max": ordered[-1]}


def kv_error(o: Outcome) -> float | None:
    """KV tokens where the log prints them, else the KV GiB (0.8.x V1 and some V0 logs print one only)."""
    pair = o.kv_tokens or o.kv_gib
    return rel(*pair) if pair and pair[1] > 0 else None


def summarize(outcomes: list[Outcome]) -> tuple[dict, bool]:
    modelled = [o for o in outcomes if o.modelled]

    def errors(attr: str) -> list[float]:
        return [rel(*getattr(o, attr)) for o in modelled if getattr(o, attr)]

    summary = {name: _stats(errors(name)) for name in ("weights", "kv_gib", "kv_tokens", "concurrency")}
    summary["kv"] = _stats([e for o in modelled if (e := kv_error(o)) is not None])
    verdicts = [o.verdict_ok for o in modelled if o.verdict_ok is not None]
    summary["verdict"] = {"n": len(verdicts), "right": sum(bool(v) for v in verdicts)}
    engines = [o for o in modelled if o.engine]
    summary["engine"] = {"n": len(engines), "right": sum(o.engine == o.era for o in engines)}
    summary["refused"] = {"n": sum(not o.modelled for o in outcomes),
                          "ids": [o.record_id for o in outcomes if not o.modelled]}
    ok = (
        summary["kv"].get("median", 1) <= 0.02 and summary["kv"].get("p90", 1) <= 0.06
        and summary["weights"].get("median", 1) <= 0.01
        and summary["verdict"]["right"] == summary["verdict"]["n"]
        and summary["refused"]["n"] == 0
    )
    return summary, ok


def _fmt(pair, digits=2) -> str:
    if not pair:
        return "-"
    pred, obs = pair
    return f"{pred:,.{digits}f}/{obs:,.{digits}f} ({rel(pred, obs) * 100:+.1f}%)".replace("+", "")


def load_records(paths) -> list[dict]:
    return [json.loads(line) for path in paths for line in Path(path).read_text().splitlines() if line.strip()]


def run(records: list[dict], workdir: Path) -> list[Outcome]:
    return [evaluate(r, workdir) for r in records]


# --- leave-one-era-out ------------------------------------------------------------------------------

_FIT_GRID = {
    "cuda_context": [x * GIB for x in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)],
    "non_torch_base": [x * (1 << 20) for x in (20, 50, 80, 120, 200)],
    "comm_p2p_base": [x * GIB for x in (0.25, 0.5, 0.75, 1.0, 1.25)],
    "comm_p2p_per_peer": [x * GIB for x in (0.05, 0.1, 0.18, 0.25, 0.35)],
    "comm_pcie_per_peer": [x * GIB for x in (0.0, 0.02, 0.04, 0.08, 0.15)],
    "comm_node_per_peer": [x * GIB for x in (0.15, 0.3, 0.45, 0.6, 0.9)],
}


def _score(records: list[dict], workdir: Path) -> float:
    """Median + p90 of the KV error: the objective the fit minimises (failures count as 100 %)."""
    errs = []
    for o in run(records, workdir):
        if o.modelled and o.faithful:
            e = kv_error(o)
            errs.append(1.0 if o.verdict_ok is False else e if e is not None else 0.0)
    st = _stats(errs)
    return st.get("median", 1) + st.get("p90", 1)


def fit_terms(records: list[dict], workdir: Path, rounds: int = 2) -> oh.EmpiricalTerms:
    """Coordinate descent over the named terms' plausible ranges."""
    from dataclasses import replace

    best = oh.TERMS
    best_score = _score(records, workdir)
    for _ in range(rounds):
        for name, grid in _FIT_GRID.items():
            for value in grid:
                trial = replace(best, **{name: int(value)})
                oh.TERMS = trial
                score = _score(records, workdir)
                if score < best_score - 1e-9:
                    best, best_score = trial, score
            oh.TERMS = best
    return best


def transfer(records: list[dict], workdir: Path) -> dict:
    default = oh.TERMS
    out = {}
    try:
        for train, test in (("V1", "V0"), ("V0", "V1")):
            fitted = fit_terms([r for r in records if (r.get("engine") or "V1") == train], workdir)
            oh.TERMS = fitted
            summary, _ = summarize([o for o in run([r for r in records if (r.get("engine") or "V1") == test], workdir)
                                    if o.faithful])
            out[f"fit_{train}_score_{test}"] = {"terms_gib": {k: round(v / GIB, 3) for k, v in fitted.__dict__.items()},
                                                "kv": summary["kv"], "verdict": summary["verdict"]}
            oh.TERMS = default
    finally:
        oh.TERMS = default
    return out


def _print_block(title: str, block: dict) -> None:
    print(f"\n{title}:")
    for name, st in block.items():
        if name in ("verdict", "engine"):
            print(f"  {name}: {st['right']}/{st['n']} right")
        elif name == "refused":
            print(f"  refused: {st['n']}" + (f" ({', '.join(st['ids'])})" if st["n"] else ""))
        elif st["n"]:
            print(f"  {name:12} n={st['n']:2}  median {st['median'] * 100:5.2f}%  p90 {st['p90'] * 100:5.2f}%  "
                  f"max {st['max'] * 100:6.2f}%")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jsonl", type=Path, nargs="*", default=list(DEFAULT_JSONL))
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--transfer", action="store_true", help="also run the leave-one-era-out fit")
    args = parser.parse_args(argv)
    records = load_records(args.jsonl)
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = run(records, Path(tmp))
        blocks = {}
        faithful = [o for o in outcomes if o.faithful]
        summary, ok = summarize(faithful)
        blocks["faithful model folders, all eras (the targets apply here)"] = summary
        for era in ("V0", "V1"):
            blocks[f"faithful, {era} engine records"] = summarize([o for o in faithful if o.era == era])[0]
        blocks["all records, approximate model folders included"] = summarize(outcomes)[0]
        moved = transfer(records, Path(tmp)) if args.transfer else None
    if args.json:
        print(json.dumps({"summary": blocks, "transfer": moved, "ok": ok}, indent=2))
        return 0 if ok else 1
    print(f"{'record':58} {'era':>3} {'weights GiB':>22} {'KV GiB':>22} {'KV tokens':>30} {'concurrency':>22}  verdict")
    for o in outcomes:
        if not o.modelled:
            print(f"{o.record_id:58} {o.era:>3} NOT MODELLED: {o.reason}")
            continue
        verdict = "-" if o.verdict_ok is None else "ok" if o.verdict_ok else "WRONG"
        engine = "" if o.engine == o.era else f" [engine predicted {o.engine}]"
        print(f"{o.record_id:58} {o.era:>3} {_fmt(o.weights):>22} {_fmt(o.kv_gib):>22} {_fmt(o.kv_tokens, 0):>30} "
              f"{_fmt(o.concurrency):>22}  {verdict} ({o.verdict_note}){engine}" + (f"  [{o.reason}]" if o.reason else ""))
    for title, block in blocks.items():
        _print_block(title, block)
    if moved:
        print("\nleave-one-era-out (named terms fitted on one era, scored on the other; faithful folders):")
        for name, res in moved.items():
            kv = res["kv"]
            print(f"  {name}: KV median {kv.get('median', 0) * 100:.2f}% p90 {kv.get('p90', 0) * 100:.2f}% "
                  f"(n={kv.get('n', 0)}), verdicts {res['verdict']['right']}/{res['verdict']['n']}; terms {res['terms_gib']}")
    print("\ntargets met" if ok else "\ntargets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
