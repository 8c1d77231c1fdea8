"""When the log shows the command and the model and GPUs are known, the fix is verified by the
planner predicting exactly that command with the fix applied (nothing re-chosen); where the log's
figures give no setting, the planner finds the smallest change that starts."""

from __future__ import annotations

import json

import pytest

from wizard.cli import main
from wizard.commands.plan import build_request
from wizard.doctor.diagnose import diagnose_text
from wizard.doctor.replan import pins_of, replan_report
from wizard.planner.plan import make_plan

V1_KV = ("(EngineCore_DP0 pid=99) ERROR 08-20 12:00:52 [core.py:700] ValueError: To serve at least one request with the "
         "models's max seq len (131072), (16.00 GiB KV cache is needed, which is larger than the available KV cache "
         "memory (4.63 GiB). Based on the available memory, the estimated maximum model length is 37920. Try "
         "increasing `gpu_memory_utilization` or decreasing `max_model_len` when initializing the engine.")
NO_KV = ("ERROR 08-20 12:00:52 [core.py:700] ValueError: No available memory for the cache blocks. Try increasing "
         "`gpu_memory_utilization` when initializing the engine.")


def args_line(folder, **settings) -> str:
    body = ", ".join(f"'{k}': {v!r}" for k, v in {"model": str(folder), **settings}.items())
    return f"(APIServer pid=7) INFO 08-20 12:00:01 [utils.py:326] non-default args: {{{body}}}"


@pytest.fixture(autouse=True)
def _env(monkeypatch, tmp_path):
    monkeypatch.setenv("VLLM_WIZARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("VLLM_WIZARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_the_fitting_length_is_verified_by_the_planner(llama_folder, tmp_path, capsys):
    log = tmp_path / "server.log"
    log.write_text("\n".join([
        "(APIServer pid=7) INFO 08-20 12:00:01 [api_server.py:1805] vLLM API server version 0.10.1.1",
        args_line(llama_folder, max_model_len=131072), V1_KV]) + "\n", encoding="utf-8")
    assert main(["doctor", str(log), "--gpu", "L4", "--json"]) == 3
    diagnosis = json.loads(capsys.readouterr().out)["diagnoses"][0]
    assert diagnosis["set"] == {"max_model_len": 37920}
    assert main(["doctor", str(log), "--gpu", "L4"]) == 3
    out = capsys.readouterr().out
    assert f"vllm serve {llama_folder} --max-model-len 37920" in out
    assert "re-planned with the log's settings: starts, KV cache" in out


def test_without_the_model_here_the_setting_is_given_unverified(tmp_path, capsys):
    log = tmp_path / "server.log"
    log.write_text("\n".join([args_line("/nowhere/Llama-3.1-8B-Instruct", max_model_len=131072), V1_KV]) + "\n",
                   encoding="utf-8")
    assert main(["doctor", str(log), "--gpu", "L4"]) == 3
    out = capsys.readouterr().out
    assert "--max-model-len 37920" in out and "re-planned" not in out


def _request_for(folder, gpu: str, version: str):
    import argparse

    ns = argparse.Namespace(model=str(folder), gpu=gpu, gpu_count=None, gpus=None, gpu_memory=None, gpu_used=None,
                            compute_capability=None, vllm_version=version, pins=[], nodes=1, rdma=None, context=None,
                            concurrency=None, priority="balanced")
    base = build_request(ns)
    return lambda pins: base.model_copy(update={"pinned": pins, "measured": None})


def test_no_kv_cache_memory_gets_the_smallest_utilization_that_starts(llama_folder):
    request_for = _request_for(llama_folder, "L4", "0.10.1")
    report = diagnose_text([args_line(llama_folder, gpu_memory_utilization=0.5, max_model_len=8192), NO_KV])
    fixed = replan_report(report, request_for).diagnoses[0]
    assert fixed.code == "no_kv_cache_memory" and fixed.verified
    u = fixed.set["gpu_memory_utilization"]
    pins = pins_of(report.command, "0.10.1")
    assert make_plan(request_for({**pins, "gpu_memory_utilization": u})).ok
    assert not make_plan(request_for({**pins, "gpu_memory_utilization": round(u - 0.01, 2)})).ok


def test_the_log_s_command_is_predicted_as_is(llama_folder):
    """Settings the log leaves out take vLLM's defaults, not the chooser's preferences."""
    report = diagnose_text([args_line(llama_folder, max_model_len=65536)])
    pins = pins_of(report.command, "0.10.1")
    assert pins["max_model_len"] == 65536 and pins["kv_cache_dtype"] == "auto"
    assert pins["gpu_memory_utilization"] == 0.9 and pins["enforce_eager"] is False
    plan = make_plan(_request_for(llama_folder, "L4", "0.10.1")(pins))
    assert plan.settings.kv_cache_dtype == "auto" and plan.settings.max_model_len == 65536


def test_a_detached_launch_is_re_planned_on_the_gpus_its_record_names(llama_folder, capsys, monkeypatch):
    """No hardware option and no NVML here: the launch record's GPU stands in."""
    from wizard.launch.records import LaunchRecord, PlanSummary, new_run_dir, write_record

    from wizard.hardware.facts import HardwareFacts

    monkeypatch.setattr("wizard.hardware.probe.probe", lambda *a, **k: HardwareFacts(source="nvml", gpus=()))
    run = new_run_dir(8000)
    log = run / "server.log"
    log.write_text("\n".join([
        "(APIServer pid=7) INFO 08-20 12:00:01 [api_server.py:1805] vLLM API server version 0.10.1.1",
        args_line(llama_folder, max_model_len=131072), V1_KV]) + "\n", encoding="utf-8")
    write_record(LaunchRecord(
        run_id=run.name, url="http://127.0.0.1:8000", host="127.0.0.1", port=8000, pid=1, log_path=str(log),
        pid_path=str(run / "server.pid"), run_dir=str(run), started_at="2025-01-01T00:00:00Z",
        argv=["vllm", "serve", str(llama_folder)], env={}, predicted=PlanSummary(
            vllm_version="0.10.1", model_id="meta-llama/Llama-3.1-8B-Instruct", model_ref=str(llama_folder),
            gpu_name="L4", gpu_count=1, settings={"max_model_len": 131072, "gpu_memory_utilization": 0.9})))
    assert main(["doctor"]) == 3
    out = capsys.readouterr().out
    assert "--max-model-len 37920" in out and "re-planned with the log's settings" in out


def test_a_wrong_hardware_option_is_exit_2_naming_it(tmp_path, capsys):
    log = tmp_path / "server.log"
    log.write_text(V1_KV + "\n", encoding="utf-8")
    assert main(["doctor", str(log), "--gpu", "NoSuchGPU-9000"]) == 2
    assert "NoSuchGPU-9000" in capsys.readouterr().err
    assert main(["doctor", str(log), "--vllm-version", "banana"]) == 2
