"""The contracts the project promises live in the repository (docs/contracts/) with machine-checkable
JSON Schemas, and what `plan --json` prints keeps its contract: plans that start, plans that fail,
multi-node plans, plans for detected GPUs. The schemas are shown to reject what breaks the contract."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from contract_schemas import CONTRACTS, assert_valid, errors, names, schema, validator
from jsonschema import Draft202012Validator

from wizard.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_the_promised_contracts_are_in_the_repository_and_the_readme_points_there():
    for doc in ("plan-cli.md", "check-doctor-verify.md"):
        assert (CONTRACTS / doc).is_file()
    assert names() == ["check", "doctor", "performance", "plan", "verify"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/contracts/plan-cli.md" in readme and "shared/contracts" not in readme


@pytest.mark.parametrize("name", ["check", "doctor", "performance", "plan", "verify"])
def test_each_schema_is_a_valid_draft_2020_12_schema(name):
    Draft202012Validator.check_schema(schema(name))
    validator(name).is_valid({})  # every $ref resolves (a dangling one raises here)


def plan_json(capsys, *argv: str) -> tuple[int, dict]:
    rc = main(["plan", *argv, "--json"])
    return rc, json.loads(capsys.readouterr().out)


PLANS = {
    "starts on one H100": (["--gpu", "H100"], 0),
    "pinned settings on two L40S": (["--gpu", "L40S", "--gpu-count", "2", "--set", "tensor-parallel-size=2",
                                     "--set", "kv-cache-dtype=fp8", "--set", "max-model-len=32768"], 0),
    "weights do not fit a T4": (["--gpu", "T4", "--set", "cpu-offload-gb=0", "--set", "max-model-len=131072",
                                 "--set", "gpu-memory-utilization=0.5"], 3),
    "tensor parallel size does not divide the heads": (["--gpu", "H100", "--gpu-count", "4", "--set",
                                                        "tensor-parallel-size=3"], 3),
    "longer than the model": (["--gpu", "L4", "--set", "max-model-len=900000"], 3),
    "two nodes of eight H100": (["--gpu", "H100", "--gpu-count", "8", "--nodes", "2", "--rdma", "yes"], 0),
    "an old release": (["--gpu", "A100-40GB", "--vllm-version", "0.6.3"], 0),
}


@pytest.mark.parametrize("case", list(PLANS))
def test_plan_json_keeps_the_contract(case, llama_folder, capsys, monkeypatch):
    monkeypatch.delenv("VLLM_WIZARD_VLLM_PYTHON", raising=False)
    argv, expected_rc = PLANS[case]
    rc, data = plan_json(capsys, str(llama_folder), *argv)
    assert rc == expected_rc
    assert_valid("plan", data)
    assert data["startup"]["ok"] is (rc == 0)
    assert ("multinode" in data) is ("--nodes" in argv)


def test_plan_json_for_detected_gpus_keeps_the_contract(llama_folder, capsys, monkeypatch):
    monkeypatch.setenv("VLLM_WIZARD_FAKE_GPUS", "rtx3080-20gb-x2")
    rc, data = plan_json(capsys, str(llama_folder))
    assert rc in (0, 3) and len(data["gpus"]) >= 1
    assert_valid("plan", data)


@pytest.fixture(scope="module")
def good_plan(llama_folder) -> dict:
    from wizard.hardware.catalog import catalog_hardware
    from wizard.model.local import inspect_local
    from wizard.planner.inputs import PlanRequest
    from wizard.planner.plan import make_plan

    plan = make_plan(PlanRequest(hardware=catalog_hardware("H100"), model=inspect_local(llama_folder),
                                 vllm_version="0.32.0"))
    return json.loads(json.dumps(plan.contract()))


def broken(plan: dict, change) -> dict:
    copied = copy.deepcopy(plan)
    change(copied)
    return copied


@pytest.mark.parametrize(("what", "change"), [
    ("a renamed key", lambda p: p.update(schema_version=1, vllm=p.pop("vllm_version"))),
    ("an unknown top-level key", lambda p: p.update(extra=1)),
    ("a secret's value in env", lambda p: p["command"]["env"].update(VLLM_API_KEY="sk-live-123")),
    ("ok with a failure", lambda p: p["startup"].update(failure={"code": "other", "message": "x"})),
    ("a failure code outside the list", lambda p: p["startup"].update(
        ok=False, failure={"code": "out_of_memory", "message": "x"})),
    ("a memory figure dropped", lambda p: p["memory"].pop("kv_cache_tokens")),
    ("a setting with dashes", lambda p: p["settings"].update({"max-model-len": 1})),
    ("an argv that is not vllm serve", lambda p: p["command"].update(argv=["python", "-m", "vllm"])),
    ("schema_version 2", lambda p: p.update(schema_version=2)),
])
def test_the_plan_schema_rejects_a_broken_contract(good_plan, what, change):
    assert_valid("plan", good_plan)
    assert errors("plan", broken(good_plan, change)), what


PERFORMANCE = {
    "decode_tokens_per_s_single": 41.0,
    "decode_tokens_per_s_at_concurrency": {"concurrency": 8, "per_request": 35.2, "aggregate": 281.6},
    "prefill_tokens_per_s": 9500.0,
    "ttft_ms": {"prompt_tokens": 2048, "ms": 215.0},
    "bound": "memory_bandwidth",
    "assumptions": ["Weights are read once per decode step from HBM at 80% of its peak bandwidth."],
}


def test_the_performance_object_as_the_contract_shows_it(good_plan):
    assert_valid("performance", PERFORMANCE)
    assert_valid("plan", {**good_plan, "performance": PERFORMANCE})
    unknown_gpu = {**PERFORMANCE, "decode_tokens_per_s_single": None, "prefill_tokens_per_s": None, "bound": None}
    assert_valid("performance", unknown_gpu)  # null where a figure is unknown, never a made-up number
    assert errors("performance", {**PERFORMANCE, "bound": "vibes"})
    assert errors("plan", {**good_plan, "performance": {**PERFORMANCE, "tokens": 1}})


def test_check_is_the_plan_plus_findings_and_verified_suggestions(good_plan):
    findings = [{"code": "missing_reasoning_parser", "severity": "error", "message": "Qwen3 thinks; vLLM will "
                 "put the thinking inside the answer.", "flag": "--reasoning-parser"},
                {"code": "api_key_in_command", "severity": "warning", "message": "The API key is in argv."}]
    suggestions = [{"code": "lower_gpu_memory_utilization", "message": "Lower the utilization to what is free.",
                    "set": {"gpu_memory_utilization": 0.88}, "unset": [],
                    "predicted": {"ok": True, "kv_cache_tokens": 392000, "max_concurrency": 5.99}}]
    data = {**good_plan, "findings": findings, "suggestions": suggestions}
    assert_valid("check", data)
    failing = {**data, "startup": {"ok": False, "failure": {"code": "unknown_argument",
                                                            "message": "unrecognized arguments: --foo"}}}
    assert_valid("check", failing)
    assert errors("check", good_plan)  # findings and suggestions are required
    assert errors("check", {**data, "findings": [{**findings[0], "severity": "fatal"}]})
    assert errors("check", {**data, "suggestions": [{**suggestions[0], "predicted": {"kv_cache_tokens": 1}}]})
    assert errors("check", {**data, "surprise": True})
    assert errors("plan", data)  # and the plan contract itself does not grow them


def test_doctor_json():
    diagnosis = {"code": "max_model_len_exceeds_kv_cache", "evidence": "ValueError: To serve at least one request "
                 "with the model's max seq len (131072), (16.0 GiB KV cache is needed, ...",
                 "cause": "The KV cache holds fewer tokens than one request of max-model-len.",
                 "fix": "vllm serve ... --max-model-len 32768", "set": {"max_model_len": 32768}}
    failed = {"diagnoses": [diagnosis], "startup": {"ok": False, "failure": {"code": "max_model_len_exceeds_kv_cache",
                                                                            "message": "..."}}, "figures": None}
    assert_valid("doctor", failed)
    healthy = {"diagnoses": [], "startup": {"ok": True}, "figures": {"weights_gib": 14.99, "kv_cache_tokens": 445920}}
    assert_valid("doctor", healthy)
    assert errors("doctor", {**failed, "diagnoses": [{**diagnosis, "code": "Max Model Len"}]})
    assert errors("doctor", {"diagnoses": [], "startup": {"ok": True}})  # figures is always there


def test_verify_json():
    checks = [{"code": "reachable", "ok": True, "evidence": "GET /v1/models answered 200 in 12 ms", "fix": None},
              {"code": "degenerate_output", "ok": False, "evidence": "reply: '!!!!!!!!'",
               "fix": "Serve in bfloat16 (--dtype bfloat16) on a GPU that has it, or use float32."}]
    data = {"checks": checks, "speed": {"ttft_ms": 180.0, "decode_tokens_per_s": 39.5,
                                        "predicted_decode_tokens_per_s": 41.0}}
    assert_valid("verify", data)
    assert_valid("verify", {"checks": checks[:1], "speed": None})
    assert errors("verify", {**data, "checks": [{**checks[1], "fix": None}]})  # a failing check names its fix
    assert errors("verify", {**data, "speed": {"ttft_ms": 1}})
