"""The planner's exact mode (`make_plan(..., exact=True)`): pins as given, release defaults for the
rest, nothing chosen. A chooser's plan pinned in full is predicted identically; a command that
leaves settings out gets what the release itself would use, not what the chooser would pick."""

from __future__ import annotations

import pytest

from wizard.check import check_command
from wizard.hardware.catalog import catalog_hardware
from wizard.model.local import inspect_local
from wizard.planner.inputs import PlanRequest
from wizard.planner.plan import make_plan


@pytest.mark.parametrize(("gpu", "count", "version"), [
    ("H100", 1, "0.32.0"), ("L4", 1, "0.20.0"), ("T4", 2, "0.14.0"), ("A100-40GB", 1, "0.6.3"), ("L40S", 2, "0.10.1"),
])
def test_a_chosen_plan_pinned_in_full_is_predicted_the_same(llama_folder, gpu, count, version):
    model = inspect_local(llama_folder)
    request = PlanRequest(hardware=catalog_hardware(gpu, count=count), model=model, vllm_version=version)
    chosen = make_plan(request)
    pins = {k: v for k, v in chosen.settings.model_dump().items()}
    exact = make_plan(request.model_copy(update={"pinned": pins}), exact=True)
    assert exact.ranks == chosen.ranks and exact.kv_cache_tokens == chosen.kv_cache_tokens
    assert exact.failure_code == chosen.failure_code and exact.settings == chosen.settings


def test_left_out_settings_take_the_release_defaults_not_the_choosers(llama_folder):
    model = inspect_local(llama_folder)
    busy = catalog_hardware("L4", used_gib=3.0)
    request = PlanRequest(hardware=busy, model=model, vllm_version="0.20.0", pinned={"max_model_len": 8192})
    chosen, exact = make_plan(request), make_plan(request, exact=True)
    assert chosen.ok and chosen.settings.gpu_memory_utilization < 0.92  # the chooser fits the busy GPU
    assert exact.settings.gpu_memory_utilization == 0.92  # vLLM 0.20's default, as the command would run
    assert exact.failure_code == "free_memory_below_request"
    assert exact.settings.tool_call_parser is None and chosen.settings.tool_call_parser == "llama3_json"
    assert "max_model_len" in exact.pinned and "default" in exact.reasons["gpu_memory_utilization"]


def test_busy_gpu_command_gets_a_verified_lower_utilization(llama_folder):
    result = check_command(["vllm", "serve", str(llama_folder), "--max-model-len", "8192"],
                           catalog_hardware("L4", used_gib=3.0), vllm_version="0.20.0")
    assert not result.ok and result.plan.failure_code == "free_memory_below_request"
    lower = next(s for s in result.suggestions if s.code == "lower_gpu_memory_utilization")
    assert lower.predicted.ok and lower.set["gpu_memory_utilization"] < 0.92
    assert result.corrected_ok
    assert any(f.code == "free_memory_below_request" and f.flag == "--gpu-memory-utilization"
               for f in result.findings)


def test_the_release_defaults_reasons_are_catalog_sentences(llama_folder):
    """The Plan step of a pasted command shows why each left-out setting has its value: in the
    screen's language, like the chooser's own reasons."""
    from wizard.i18n import Message

    model = inspect_local(llama_folder)
    request = PlanRequest(hardware=catalog_hardware("L4"), model=model, vllm_version="0.20.0")
    reasons = make_plan(request, exact=True).reasons
    assert reasons["enforce_eager"] == "vLLM 0.20.0's default: CUDA graphs are captured."
    for name in ("enforce_eager", "max_model_len", "max_num_seqs", "gpu_memory_utilization"):
        reason = reasons[name]
        assert isinstance(reason, Message) and "默认值" in reason.render("zh_CN")
