"""Each advice rule fires when its numbers say so, names a vLLM setting, and waits to be sustained."""

from __future__ import annotations

from dataclasses import replace

import pytest

from wizard.monitor.advice import AdviceEngine
from wizard.monitor.snapshot import Percentiles, ServerFigures

CALM = ServerFigures(running=4, waiting=0, kv_usage_percent=40, preemptions_recent=0,
                     ttft=Percentiles(0.1, 0.3, 0.5, 100), itl=Percentiles(0.02, 0.03, 0.05, 1000))


def rules(figures: ServerFigures) -> dict[str, str]:
    return {a.rule: a.setting for a in AdviceEngine(sustain=1).evaluate(figures)}


def test_calm_server_gets_no_advice():
    assert rules(CALM) == {}


@pytest.mark.parametrize(("change", "rule", "setting"), [
    ({"kv_usage_percent": 93, "waiting": 4}, "kv-pressure", "--gpu-memory-utilization"),
    ({"preemptions_recent": 3}, "preemptions", "--max-num-seqs"),
    ({"waiting": 6, "kv_usage_percent": 20}, "batch-limit", "--max-num-seqs"),
    ({"ttft": Percentiles(1.5, 3.2, 6.0, 50)}, "slow-prefill", "--max-num-batched-tokens"),
    ({"itl": Percentiles(0.09, 0.16, 0.3, 900), "running": 64}, "slow-decode", "--max-num-seqs"),
])
def test_each_rule_names_the_setting(change, rule, setting):
    found = AdviceEngine(sustain=1).evaluate(replace(CALM, **change))
    assert [a.rule for a in found] == [rule]
    assert found[0].setting == setting and setting in found[0].message


def test_kv_full_without_a_queue_is_not_a_problem():
    assert rules(replace(CALM, kv_usage_percent=97, waiting=0)) == {}


def test_slow_ttft_with_a_queue_is_left_to_the_queue_rules():
    figures = replace(CALM, ttft=Percentiles(2, 5, 9, 10), waiting=5, kv_usage_percent=95)
    assert set(rules(figures)) == {"kv-pressure"}


def test_slow_decode_with_a_small_batch_is_not_blamed_on_the_batch():
    assert rules(replace(CALM, itl=Percentiles(0.2, 0.3, 0.4, 9), running=2)) == {}


def test_missing_figures_never_fire_rules():
    assert rules(ServerFigures()) == {}


def test_advice_waits_for_a_sustained_condition_and_resets():
    engine = AdviceEngine(sustain=3)
    pressure = replace(CALM, kv_usage_percent=95, waiting=2)
    assert engine.evaluate(pressure) == ()
    assert engine.evaluate(pressure) == ()
    assert [a.rule for a in engine.evaluate(pressure)] == ["kv-pressure"]
    assert engine.evaluate(CALM) == ()
    assert engine.evaluate(pressure) == ()  # the streak started again
