"""Each preflight check: what it finds, the message, and the fix."""

import socket

import pytest

from wizard.launch.introspect import Introspection
from wizard.launch.options import LaunchOptions
from wizard.launch.preflight import (
    Consent,
    check_compiler,
    check_cuda,
    check_disk,
    check_exposure,
    check_port,
    check_python_headers,
    check_remote_code,
    check_shm,
    check_token,
    check_vllm,
    run_preflight,
)
from wizard.vllm_env import VllmInstall


def _with(plan, **request_updates):
    return plan.__class__(**{**plan.__dict__, "request": plan.request.model_copy(update=request_updates)})


def test_vllm_missing_or_another_release(l40s_plan, tmp_path):
    assert check_vllm(None, l40s_plan).status == "fail"
    assert check_vllm(VllmInstall(tmp_path / "python", "0.32.0+cpu"), l40s_plan).status == "ok"
    other = check_vllm(VllmInstall(tmp_path / "python", "0.30.1"), l40s_plan)
    assert other.status == "warn" and "--vllm-version 0.30.1" in other.fix


def test_compiler(tmp_path):
    assert check_compiler({"PATH": str(tmp_path)}).status == "fail"
    gcc = tmp_path / "gcc"
    gcc.write_text("#!/bin/sh\n")
    gcc.chmod(0o755)
    assert check_compiler({"PATH": str(tmp_path)}).status == "ok"
    assert check_compiler({"PATH": str(tmp_path), "CC": "nonexistent-cc"}).status == "fail"


def test_python_headers(tmp_path):
    assert check_python_headers(Introspection({"python_include": str(tmp_path)})).status == "fail"
    (tmp_path / "Python.h").write_text("")
    assert check_python_headers(Introspection({"python_include": str(tmp_path)})).status == "ok"
    assert check_python_headers(None).status == "skip"


@pytest.mark.parametrize("driver, torch_cuda, status", [("12.4", "12.8", "warn"), ("12.8", "13.0", "fail"),
                                                         ("13.0", "12.9", "ok"), ("12.8", None, "skip")])
def test_driver_against_the_cuda_vllm_was_built_for(l40s_plan, driver, torch_cuda, status):
    hw = l40s_plan.request.hardware.model_copy(update={"source": "nvml", "cuda_driver_version": driver})
    plan = _with(l40s_plan, hardware=hw)
    assert check_cuda(plan, Introspection({"torch_cuda": torch_cuda, "torch_version": "2.9"})).status == status


def test_port_in_use_suggests_a_free_one(port):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        result = check_port(LaunchOptions(port=port))
    assert result.status == "fail" and result.fix.startswith("Use --port ")
    assert check_port(LaunchOptions(port=port)).status == "ok"


def test_disk_and_shm(l40s_plan, monkeypatch, tmp_path):
    import shutil
    from collections import namedtuple

    assert check_disk(l40s_plan, {"VLLM_CACHE_ROOT": str(tmp_path / "cache")}).status == "ok"
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(64 << 20, 0, 64 << 20))
    assert check_disk(l40s_plan, {"VLLM_CACHE_ROOT": str(tmp_path)}).status == "fail"
    assert check_shm(l40s_plan).status == "skip"  # one GPU
    tp2 = _with(l40s_plan)
    object.__setattr__(tp2, "settings", l40s_plan.settings.model_copy(update={"tensor_parallel_size": 2}))
    small = check_shm(tp2, container=True)
    assert small.status == "fail" and "--ipc=host" in small.fix and "64 MiB" in small.message


def test_token_for_downloads(l40s_plan, tmp_path):
    assert check_token(l40s_plan, {}, gated=None).status == "skip"  # local folder
    model = l40s_plan.request.model.model_copy(update={"source": "hf", "id": "meta-llama/Llama-3.1-8B-Instruct",
                                                       "weights": l40s_plan.request.model.weights.model_copy(
                                                           update={"source": "architecture"})})
    hub = _with(l40s_plan, model=model)
    home = {"HOME": str(tmp_path)}
    assert check_token(hub, home, gated=True).status == "fail"
    assert check_token(hub, home, gated=None).status == "warn"
    assert check_token(hub, {**home, "HF_TOKEN": "hf_x"}, gated=True).status == "ok"


def test_open_server_needs_a_key_or_consent():
    assert check_exposure(LaunchOptions(), Consent()).status == "ok"
    assert check_exposure(LaunchOptions(host="0.0.0.0"), Consent()).status == "fail"
    assert check_exposure(LaunchOptions(host="0.0.0.0"), Consent(open_without_api_key=True)).status == "warn"
    assert check_exposure(LaunchOptions(host="0.0.0.0", api_key="k"), Consent()).status == "ok"


def test_remote_code_needs_consent(l40s_plan):
    trusting = _with(l40s_plan)
    object.__setattr__(trusting, "settings", l40s_plan.settings.model_copy(update={"trust_remote_code": True}))
    assert check_remote_code(trusting, Consent()).status == "fail"
    assert check_remote_code(trusting, Consent(trust_remote_code=True)).status == "warn"
    assert check_remote_code(l40s_plan, Consent()).status == "ok"


def test_report_blocks_on_any_failure(l40s_plan, port):
    report = run_preflight(l40s_plan, LaunchOptions(host="0.0.0.0", port=port), install=None, env={"PATH": ""})
    names = {c.name for c in report.blocking}
    assert {"vLLM", "C compiler", "API key"} <= names and not report.ok
    assert "fix:" in report.render()
