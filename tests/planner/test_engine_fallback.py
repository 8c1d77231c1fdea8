"""The planner plans the engine vLLM really starts: 0.8-0.10 fall back to V0 on pre-Ampere GPUs
(and for other setups, see tests/releases/test_engine.py), and the V0 defaults then apply."""

from __future__ import annotations

from factories import GIB, gpu, hardware, llama31_8b

from wizard.planner.inputs import PlanRequest
from wizard.planner.plan import make_plan
from wizard.planner.predict import predict
from wizard.planner.settings import Settings
from wizard.planner.versions import VllmVersion

T4_TOTAL = int(14.56 * GIB)


def _plan(version: str, *, cc: str, total: int = T4_TOTAL, name: str = "Tesla T4", env=None, **pins):
    req = PlanRequest(hardware=hardware(gpu(name=name, total=total, cc=cc)), model=llama31_8b(),
                      vllm_version=version, pinned={"max_model_len": 4096, "quantization": None, **pins},
                      vllm_env=env or {})
    return make_plan(req)


def test_prediction_reports_the_engine_and_its_rule():
    model = llama31_8b()
    t4 = [gpu(name="Tesla T4", total=T4_TOTAL, cc="7.5")]
    pred = predict(model, t4, Settings(max_model_len=4096), VllmVersion.parse("0.9.2"))
    assert pred.engine.engine == "V0" and pred.engine.code == "compute_capability"
    assert pred.version.engine == "V0" and VllmVersion.parse("0.9.2").engine == "V1"
    pred = predict(model, t4, Settings(max_model_len=4096), VllmVersion.parse("0.10.2"))
    assert pred.engine.engine == "V1"


def test_a_v0_fallback_gets_the_v0_scheduler_defaults():
    plan = _plan("0.9.2", cc="8.0", total=80 * GIB, name="NVIDIA A100-SXM4-80GB")
    assert plan.settings.max_num_seqs == 256 and plan.settings.enable_chunked_prefill is True
    plan = _plan("0.9.2", cc="8.0", total=80 * GIB, name="NVIDIA A100-SXM4-80GB", env={"VLLM_USE_V1": "0"})
    assert plan.settings.enable_chunked_prefill is False
    assert plan.settings.max_num_batched_tokens >= 4096  # V0 without chunked prefill: max(len, 2048)


def test_the_plan_shows_the_engine_and_the_empirical_terms():
    from wizard.planner.report import render_plan

    plan = _plan("0.9.2", cc="7.5")
    text = render_plan(plan)
    assert plan.engine == "V0" and "Engine: V0." in text and "compute capability 8.0" in text
    assert [t.name for t in plan.empirical_terms] == ["cuda_context"] and "CUDA context" in text
    assert "calibrate" in text  # an estimate, replaced by a measured value when one exists


def test_speculative_settings_reach_the_oracle_in_either_spelling():
    from types import SimpleNamespace

    from wizard.planner.versions import speculative_method

    assert speculative_method(SimpleNamespace(speculative_config='{"method": "eagle", "model": "x"}')) == "eagle"
    assert speculative_method(SimpleNamespace(speculative_config='{"model": "[ngram]"}')) == "ngram"
    assert speculative_method(SimpleNamespace(speculative_model="meta-llama/Llama-3.2-1B")) == "draft_model"
    assert speculative_method(SimpleNamespace(speculative_config=None, speculative_model=None)) is None
    assert speculative_method(Settings()) is None
