"""A, N, G from the log lines, the per-setup store, and plans that pick the measurements up."""

import json

import pytest

from wizard.launch.calibration import (
    CalibrationKey,
    CalibrationRecord,
    CalibrationStore,
    calibrated_request,
    derive_overheads,
    key_for,
    parse_startup_log,
)
from wizard.planner.inputs import MeasuredOverheads

GIB = 1 << 30
LLAVA = ("Model loading took 14.0786 GiB and 10.2 seconds\nAvailable KV cache memory: 55.15 GiB\n"
         "Graph capturing finished in 5 secs, took 0.67 GiB\n"
         "Free memory on device (78.66/79.19 GiB) on startup. Desired GPU memory utilization is (0.9, 71.27 GiB). "
         "Actual usage is 14.08 GiB for weight, 1.97 GiB for peak activation, 0.07 GiB for non-torch memory, and "
         "0.67 GiB for CUDAGraph memory.")


def test_summary_terms_are_used_as_printed_before_graphs_were_deducted():
    d = derive_overheads(parse_startup_log(LLAVA), "0.10.2")
    assert d.measured.activation_bytes == round(1.97 * GIB) and d.measured.non_torch_bytes == round(0.07 * GIB)
    assert d.measured.cuda_graph_bytes == round(0.67 * GIB)  # informational: 0.10 captures graphs outside the budget
    assert d.requested_bytes == round(71.27 * GIB)


def test_graphs_deducted_from_0_20_are_what_remains_of_the_budget():
    d = derive_overheads(parse_startup_log(LLAVA), "0.24.0")
    total = round(71.27 * GIB) - round(14.0786 * GIB) - round(55.15 * GIB)
    m = d.measured
    assert m.activation_bytes + m.non_torch_bytes + m.cuda_graph_bytes == total


def test_without_a_summary_the_sum_is_exact_and_booked_as_activation():
    fig = parse_startup_log("Model loading took 14.99 GiB and 6 seconds\nAvailable KV cache memory: 54.43 GiB\n"
                            "Graph capturing finished in 5 secs, took 0.55 GiB")
    requested = int(71.27 * GIB)
    d = derive_overheads(fig, "0.28.0", requested_bytes=requested)
    m = d.measured
    assert m.cuda_graph_bytes == round(0.55 * GIB) and m.non_torch_bytes == 0
    assert m.activation_bytes + m.cuda_graph_bytes == requested - round(14.99 * GIB) - round(54.43 * GIB)
    old = derive_overheads(fig, "0.15.1", requested_bytes=requested)
    assert old.measured.activation_bytes == requested - round(14.99 * GIB) - round(54.43 * GIB)


def test_consumed_format_cpu_format_and_pinned_kv():
    consumed = parse_startup_log("Model loading took 0.93 GiB and 6 seconds\nAvailable KV cache memory: 20.52 GiB\n"
                                 "Desired GPU memory utilization is (0.92, 22.07 GiB). Actual usage is 1.23 GiB for "
                                 "consumed memory (weights + non-torch), 0.31 GiB for peak activation, and 0.0 GiB for "
                                 "CUDAGraph memory.")
    m = derive_overheads(consumed, "0.27.1").measured
    assert m.non_torch_bytes == round(1.23 * GIB) - round(0.93 * GIB) and m.activation_bytes == round(0.31 * GIB)
    cpu = derive_overheads(parse_startup_log(
        "Auto set (1.36/9.46) GiB for KV cache on node 0, with 1.89 GiB requested memory for the worker. 0.54 GiB "
        "memory was consumed by non-kv usages."), "0.32.0")
    assert cpu.measured.activation_bytes == round(0.54 * GIB) and cpu.measured.cuda_graph_bytes == 0
    pinned = parse_startup_log("Explicitly set (1.0/11.21) GiB for KV cache on node 0.\nModel loading took 0.5 GiB")
    assert derive_overheads(pinned, "0.32.0", requested_bytes=4 * GIB) is None
    assert derive_overheads(parse_startup_log("GPU KV cache size: 10 tokens"), "0.32.0") is None


def _record(key, activation=GIB):
    return CalibrationRecord(key=key, settings={}, measured=MeasuredOverheads(activation_bytes=activation,
                                                                           non_torch_bytes=0, cuda_graph_bytes=0),
                             figures={})


def test_store_replaces_the_same_setup_and_survives_bad_entries(tmp_path):
    store = CalibrationStore(tmp_path / "cal.json")
    k1 = CalibrationKey(gpu_name="NVIDIA L40S", vllm_version="0.32.0", model_id="m", fingerprint="a")
    k2 = k1.model_copy(update={"fingerprint": "b"})
    store.save(_record(k1, GIB))
    store.save(_record(k2))
    store.save(_record(k1, 2 * GIB))
    assert len(store.records()) == 2 and store.find(k1).measured.activation_bytes == 2 * GIB
    assert store.find(k1).recorded_at
    raw = json.loads(store.path.read_text())
    raw["records"].append({"key": "broken"})
    store.path.write_text(json.dumps(raw))
    assert len(store.records()) == 2
    store.path.write_text("{not json")
    assert store.records() == []
    assert store.candidates("NVIDIA L40S", "0.32.0+cpu", "m") == []


def test_a_plan_of_the_same_setup_uses_the_measurement(l40s_plan, tmp_path):
    from wizard.planner.plan import make_plan

    store = CalibrationStore(tmp_path / "cal.json")
    request = l40s_plan.request
    assert calibrated_request(request, store) is request  # nothing stored: unchanged, no extra planning
    store.save(_record(key_for(request, l40s_plan.settings), 3 * GIB))
    calibrated = calibrated_request(request, store)
    assert calibrated.measured.activation_bytes == 3 * GIB
    plan = make_plan(calibrated)
    assert plan.contract()["memory"]["activation_gib"] == pytest.approx(3.0)
    assert plan.worst.kv_cache < l40s_plan.worst.kv_cache  # a bigger measured overhead leaves less KV
    other = request.model_copy(update={"vllm_version": "0.28.0"})
    assert calibrated_request(other, store).measured is None


def test_plan_cli_picks_up_the_store(llama_folder, cli_env, tmp_path):
    from support import run_cli

    args = ["plan", str(llama_folder), "--gpu", "L40S", "--vllm-version", "0.32.0", "--json"]
    env = {**cli_env, "VLLM_WIZARD_DATA_DIR": str(tmp_path)}
    before = json.loads(run_cli(*args, env=env).stdout)
    from wizard.hardware.catalog import catalog_hardware
    from wizard.model.local import inspect_local
    from wizard.planner.inputs import PlanRequest
    from wizard.planner.settings import Settings

    request = PlanRequest(hardware=catalog_hardware("L40S"), model=inspect_local(llama_folder), vllm_version="0.32.0")
    CalibrationStore(tmp_path / "calibration.json").save(_record(key_for(request, Settings(**before["settings"])), 2 * GIB))
    after = json.loads(run_cli(*args, env=env).stdout)
    assert after["memory"]["activation_gib"] == pytest.approx(2.0)
    assert after["memory"]["kv_cache_gib"] < before["memory"]["kv_cache_gib"]


def test_what_the_gpu_held_before_the_snapshot_is_measured_from_the_summary():
    d = derive_overheads(parse_startup_log(LLAVA), "0.10.2")
    assert d.measured.context_bytes == round((79.19 - 78.66) * GIB)
    no_summary = parse_startup_log("Model loading took 14.99 GiB and 6 seconds\nAvailable KV cache memory: 54.43 GiB")
    assert derive_overheads(no_summary, "0.28.0", requested_bytes=int(71.27 * GIB)).measured.context_bytes is None
    # A free figure above the total is not a measurement (a garbled log), not a negative context.
    garbled = parse_startup_log(LLAVA.replace("78.66/79.19", "80.66/79.19"))
    assert derive_overheads(garbled, "0.10.2").measured.context_bytes is None


def test_a_measured_context_replaces_the_named_term_and_moves_the_startup_check(l40s_plan):
    from wizard.planner.plan import make_plan

    request = l40s_plan.request
    estimate = {t.name: t for t in l40s_plan.empirical_terms}["cuda_context"]
    assert not estimate.measured
    measured = make_plan(request.model_copy(update={"measured": MeasuredOverheads(context_bytes=GIB)}))
    term = {t.name: t for t in measured.empirical_terms}["cuda_context"]
    assert term.measured and term.bytes == GIB
    # Everything the GPU held before the snapshot is now so large that the requested share no longer
    # fits in what is free at start: the plan says so instead of starting.
    total = l40s_plan.worst.total
    crowded = make_plan(request.model_copy(update={"measured": MeasuredOverheads(context_bytes=int(total * 0.2))}))
    assert l40s_plan.ok and crowded.failure_code == "free_memory_below_request"
