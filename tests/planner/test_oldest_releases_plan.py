"""Planning for vLLM 0.4.0-0.8.x where those releases refuse what later ones accept: quantization
methods a release does not register yet, and bfloat16 below compute capability 8.0 before 0.9.0."""

from __future__ import annotations

from factories import GIB, gpu, hardware, llama31_8b, with_quant

from wizard.planner.inputs import PlanRequest
from wizard.planner.plan import make_plan
from wizard.planner.predict import predict
from wizard.planner.settings import Settings
from wizard.planner.versions import VllmVersion

T4 = gpu(name="Tesla T4", total=int(14.56 * GIB), cc="7.5")
A100 = gpu(name="NVIDIA A100-SXM4-80GB", total=int(79.25 * GIB), cc="8.0")


def test_a_method_the_release_lacks_is_refused_naming_the_release_that_adds_it():
    pred = predict(llama31_8b(), [A100], Settings(max_model_len=4096, quantization="fp8"), VllmVersion.parse("0.4.0"))
    assert pred.failure is not None and pred.failure.code == "unsupported_quantization"
    assert "0.4.1" in str(pred.failure.message)
    assert predict(llama31_8b(), [A100], Settings(max_model_len=4096, quantization="fp8"),
                   VllmVersion.parse("0.4.1")).failure is None


def test_a_checkpoint_format_from_a_later_release_is_refused():
    model = with_quant(llama31_8b(), method="compressed-tensors", bits=4)
    pred = predict(model, [A100], Settings(max_model_len=4096), VllmVersion.parse("0.4.3"))
    assert pred.failure is not None and "0.5.0" in str(pred.failure.message)


def test_dtype_auto_on_bf16_below_cc8_fails_before_0_9_and_falls_back_from_it():
    settings = Settings(max_model_len=4096, dtype="auto")
    old = predict(llama31_8b(), [T4], settings, VllmVersion.parse("0.5.1"))
    assert old.failure is not None and old.failure.code == "unsupported_dtype"
    assert predict(llama31_8b(), [T4], settings, VllmVersion.parse("0.8.5")).failure.code == "unsupported_dtype"
    new = predict(llama31_8b(), [T4], settings, VllmVersion.parse("0.9.0"))
    assert new.failure is None or new.failure.code != "unsupported_dtype"


def test_the_chooser_picks_float16_on_a_t4_so_old_releases_plan_a_start():
    plan = make_plan(PlanRequest(hardware=hardware(T4), model=llama31_8b(), vllm_version="0.5.1",
                                 pinned={"max_model_len": 4096}))
    assert plan.settings.dtype == "float16" and plan.failure_code is None


def test_an_old_release_plans_with_v0_and_the_delta_budget():
    plan = make_plan(PlanRequest(hardware=hardware(A100), model=llama31_8b(), vllm_version="0.5.1",
                                 pinned={"max_model_len": 8192}))
    assert plan.failure_code is None and plan.engine == "V0"
    assert plan.settings.max_num_batched_tokens == 8192 and plan.settings.max_num_seqs == 256
    codes = {w.code for w in plan.warnings}
    assert "no_serve_command" in codes and "v0_engine_estimate" in codes
