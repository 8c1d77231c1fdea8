"""The re-plan offered for a failed start: the diagnosis's own change first, vLLM's own numbers taken
from its message, every re-plan checked by planning with it, nothing for a failure no setting fixes."""

from __future__ import annotations

from pathlib import Path

from dataclasses import dataclass

from wizard.launch.diagnosis import Replan, replan_for
from wizard.launch.watch import StartDiagnosis
from wizard.planner.plan import make_plan

KV_FAIL_LOG = Path(__file__).parents[1] / "verify" / "fixtures" / "startup-0.8.5-kv-fail.log"
# vLLM 0.8-0.11's message (vllm/v1/core/kv_cache_utils.py, check_enough_kv_cache_memory), one line.
TOO_LONG = ("ERROR [core.py:396] ValueError: To serve at least one request with the model's max seq len ({max_len}), "
            "(16.00 GiB KV cache is needed, which is larger than the available KV cache memory (4.50 GiB). Based on "
            "the available memory, the estimated maximum model length is {estimate}. Try increasing "
            "`gpu_memory_utilization` or decreasing `max_model_len` when initializing the engine.")
LOW_FREE = ("ERROR [worker.py:1] ValueError: Free memory on device (20.1/44.4 GiB) on startup is less than desired GPU "
            "memory utilization (0.9, 40.0 GiB). Decrease GPU memory utilization or reduce GPU memory used by other "
            "processes.")


def said(code: str) -> list[StartDiagnosis]:
    return [StartDiagnosis(code, "-", "-", "-")]


@dataclass(frozen=True)
class DoctorLike:
    """A diagnosis that carries its own change, as the doctor's do (`set`)."""

    code: str
    set: dict | None
    evidence: str = "-"
    cause: str = "-"
    fix: str = "-"


def test_a_context_too_long_for_the_kv_cache_is_capped_at_vllms_own_estimate(l40s_plan):
    max_len = l40s_plan.settings.max_model_len
    estimate = max_len // 3 + 123  # vLLM's figure is not round; the pin is, below it
    log = TOO_LONG.format(max_len=max_len, estimate=estimate)
    replan = replan_for(l40s_plan, said("max_model_len_exceeds_kv_cache"), log)
    assert replan == Replan("max_model_len_exceeds_kv_cache", (("max_model_len", estimate // 1024 * 1024),))
    assert replan.label == f"max-model-len={estimate // 1024 * 1024}"


def test_memory_taken_by_others_lowers_the_utilization_to_what_was_free(l40s_plan):
    replan = replan_for(l40s_plan, said("free_memory_below_request"), LOW_FREE)
    assert replan is not None and replan.pins == (("gpu_memory_utilization", 0.43),)  # 20.1/44.4 less 2 points


def test_every_offered_replan_is_predicted_to_start(l40s_plan):
    log = KV_FAIL_LOG.read_text(encoding="utf-8")
    replan = replan_for(l40s_plan, said("no_kv_cache_memory"), log)
    assert replan is not None and replan.code == "no_kv_cache_memory"
    pinned = {**l40s_plan.request.pinned, **dict(replan.pins)}
    trial = make_plan(l40s_plan.request.model_copy(update={"pinned": pinned}))
    assert trial.ok and all(getattr(trial.settings, k) == v for k, v in replan.pins)


def test_no_replan_for_a_failure_no_setting_fixes(l40s_plan):
    port_taken = "ERROR [api_server.py:1] OSError: [Errno 98] Address already in use"
    assert replan_for(l40s_plan, said("other"), port_taken) is None
    assert replan_for(l40s_plan, [], "") is None
    unknown = [StartDiagnosis("something_new", "?", "?", "?")]
    assert replan_for(l40s_plan, unknown, "") is None


def test_a_boolean_pin_reads_as_the_flag_value():
    assert Replan("weights_exceed_memory", (("enforce_eager", True),)).label == "enforce-eager=true"


def test_a_diagnosis_that_carries_its_change_is_planned_first(l40s_plan):
    change = {"max_model_len": 8192}
    replan = replan_for(l40s_plan, [DoctorLike("max_model_len_exceeds_kv_cache", change)], "")
    assert replan is not None and replan.pins == (("max_model_len", 8192),)
    # "drop this flag" or a setting the planner does not know is no pin: the usual candidates instead
    dropped = replan_for(l40s_plan, [DoctorLike("no_kv_cache_memory", {"quantization": None})], "")
    assert dropped is not None and "quantization" not in dict(dropped.pins)
    unknown = replan_for(l40s_plan, [DoctorLike("other", {"no_such_setting": 1})], "")
    assert unknown is None


def test_a_planner_that_cannot_form_a_figure_for_the_pins_is_not_offered_and_never_a_traceback(l40s_plan, monkeypatch):
    """`serve --detach` and the app ask for the re-plan after the verdict: a planner error on some
    pins (here a division by zero) means that re-plan is not offered, as the doctor treats it."""
    import wizard.doctor.replan as planning  # the re-plan calls make_plan from there

    def refuses(request, **_):
        raise ZeroDivisionError("a figure the planner cannot form")

    monkeypatch.setattr(planning, "make_plan", refuses)
    assert replan_for(l40s_plan, said("no_kv_cache_memory")) is None
