"""A failed start's diagnosis and the re-plan offered for it: vLLM's own numbers taken from its
message, every re-plan checked by planning with it, nothing offered for a failure no setting fixes."""

from __future__ import annotations

from pathlib import Path

from wizard.launch.diagnosis import Replan, StartDiagnosis, diagnose_start, replan_for
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


def test_the_default_diagnosis_reads_vllms_own_error_lines():
    found = diagnose_start(KV_FAIL_LOG.read_text(encoding="utf-8"))
    assert [d.code for d in found] == ["no_kv_cache_memory"]
    assert "gpu-memory-utilization" in found[0].fix and "No available memory" in found[0].evidence
    assert diagnose_start("INFO all fine\n") == []


def test_a_context_too_long_for_the_kv_cache_is_capped_at_vllms_own_estimate(l40s_plan):
    max_len = l40s_plan.settings.max_model_len
    estimate = max_len // 3 + 123  # vLLM's figure is not round; the pin is, below it
    log = TOO_LONG.format(max_len=max_len, estimate=estimate)
    replan = replan_for(l40s_plan, diagnose_start(log), log)
    assert replan == Replan("max_model_len_exceeds_kv_cache", (("max_model_len", estimate // 1024 * 1024),))
    assert replan.label == f"max-model-len={estimate // 1024 * 1024}"


def test_memory_taken_by_others_lowers_the_utilization_to_what_was_free(l40s_plan):
    replan = replan_for(l40s_plan, diagnose_start(LOW_FREE), LOW_FREE)
    assert replan is not None and replan.pins == (("gpu_memory_utilization", 0.43),)  # 20.1/44.4 less 2 points


def test_every_offered_replan_is_predicted_to_start(l40s_plan):
    log = KV_FAIL_LOG.read_text(encoding="utf-8")
    replan = replan_for(l40s_plan, diagnose_start(log), log)
    assert replan is not None and replan.code == "no_kv_cache_memory"
    pinned = {**l40s_plan.request.pinned, **dict(replan.pins)}
    trial = make_plan(l40s_plan.request.model_copy(update={"pinned": pinned}))
    assert trial.ok and all(getattr(trial.settings, k) == v for k, v in replan.pins)


def test_no_replan_for_a_failure_no_setting_fixes(l40s_plan):
    port_taken = "ERROR [api_server.py:1] OSError: [Errno 98] Address already in use"
    assert replan_for(l40s_plan, diagnose_start(port_taken), port_taken) is None
    assert replan_for(l40s_plan, [], "") is None
    unknown = [StartDiagnosis("something_new", "?", "?", "?")]
    assert replan_for(l40s_plan, unknown, "") is None


def test_a_boolean_pin_reads_as_the_flag_value():
    assert Replan("weights_exceed_memory", (("enforce_eager", True),)).label == "enforce-eager=true"
