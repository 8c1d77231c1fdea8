"""The scripted fake backend: frames over time, lost GPUs, NVML errors, and plain fixtures unchanged."""

from __future__ import annotations

import pytest

from wizard.hardware.backend import Unavailable
from wizard.hardware.errors import FakeFixtureError, NvmlError
from wizard.hardware.fake_backend import FakeBackend, fixture_names, load_fixture
from wizard.hardware.probe import probe
from wizard.monitor.gpu_backend import SamplingBackend, sampling_backend
from wizard.monitor.scripted_backend import ScriptedBackend

MONITOR_FIXTURES = ["monitor-h100-x8", "monitor-rtx4090-x2-gpu-lost", "monitor-l4-nvml-errors"]


def device(**extra):
    return {"name": "NVIDIA L4", "memory": {"total": 100, "used": 10, "free": 90}, **extra}


def backend(frames, devices=None, loop=True):
    data = {"devices": devices or [device(temperature_c=40), device(temperature_c=41)],
            "script": {"loop": loop, "frames": frames}}
    b = ScriptedBackend(data)
    b.start()
    return b


def test_monitor_fixtures_ship_and_still_probe_as_plain_fixtures():
    assert set(MONITOR_FIXTURES) <= set(fixture_names())
    for name in MONITOR_FIXTURES:
        facts = probe(FakeBackend.from_spec(name), env={})
        assert facts.gpus and all(g.total_bytes for g in facts.gpus)


def test_backends_satisfy_the_sampling_protocol():
    from wizard.hardware.nvml_backend import NvmlBackend

    assert isinstance(FakeBackend({"devices": []}), SamplingBackend)
    assert isinstance(NvmlBackend(), SamplingBackend)
    assert isinstance(sampling_backend({"VLLM_WIZARD_FAKE_GPUS": "monitor-h100-x8"}), ScriptedBackend)


def test_plain_fixture_reads_static_live_fields_and_na():
    b = FakeBackend({"devices": [device(utilization={"gpu": 50, "memory": 20}, clocks_mhz={"sm": 1500},
                                        power_mw=70000, fan_percent=None)]})
    assert b.utilization_rates(0) == (50, 20)
    assert b.clock_mhz(0, "sm") == 1500
    assert b.power_usage_mw(0) == 70000
    for read in (lambda: b.fan_speed_percent(0), lambda: b.clock_mhz(0, "mem"), lambda: b.temperature_c(0)):
        with pytest.raises(Unavailable):
            read()


def test_wrong_types_name_the_fixture():
    b = FakeBackend({"devices": [device(temperature_c="hot")]}, label="mine")
    with pytest.raises(FakeFixtureError, match="mine.*temperature_c"):
        b.temperature_c(0)


def test_frames_are_cumulative_and_star_means_every_gpu():
    b = backend([{"devices": {"*": {"utilization": {"gpu": 10, "memory": 1}}}},
                 {"devices": {"1": {"utilization": {"gpu": 90}}}}])
    b.begin_sample()
    assert [b.utilization_rates(i) for i in (0, 1)] == [(10, 1), (10, 1)]
    b.begin_sample()
    assert [b.utilization_rates(i) for i in (0, 1)] == [(10, 1), (90, 1)]  # deep merge keeps "memory"
    assert b.temperature_c(0) == 40  # untouched fields come from the base fixture


def test_loop_restarts_from_the_base_and_hold_keeps_the_last_frame():
    looping = backend([{"devices": {"0": {"temperature_c": 70}}}, {"lost": [1]}])
    for _ in range(3):
        looping.begin_sample()
    assert looping.frame == 0 and looping.temperature_c(1) == 41  # lost was undone by the restart
    holding = backend([{"devices": {"0": {"temperature_c": 70}}}, {"lost": [1]}], loop=False)
    for _ in range(5):
        holding.begin_sample()
    assert holding.frame == 1 and holding.temperature_c(0) == 70
    with pytest.raises(Unavailable, match="GpuIsLost"):
        holding.temperature_c(1)


def test_lost_is_sticky_and_hits_every_field():
    b = backend([{"lost": [0]}, {"devices": {"1": {"temperature_c": 50}}}], loop=False)
    b.begin_sample()
    b.begin_sample()
    for read in (lambda: b.memory(0), lambda: b.name(0), lambda: b.processes(0)):
        with pytest.raises(Unavailable, match="NVMLError_GpuIsLost"):
            read()
    assert b.temperature_c(1) == 50


def test_nvml_error_fails_everything_for_one_frame():
    b = backend([{"nvml_error": "NVMLError_Unknown"}, {}], loop=False)
    b.begin_sample()
    with pytest.raises(NvmlError):
        b.device_count()
    with pytest.raises(Unavailable, match="NVMLError_Unknown"):
        b.temperature_c(0)
    b.begin_sample()
    assert b.device_count() == 2 and b.temperature_c(0) == 40


def test_field_errors_fail_one_field_for_one_frame():
    b = backend([{"field_errors": {"0": {"temperature_c": "NVMLError_Unknown"}}}, {}], loop=False)
    b.begin_sample()
    with pytest.raises(Unavailable, match="NVMLError_Unknown"):
        b.temperature_c(0)
    assert b.temperature_c(1) == 41
    b.begin_sample()
    assert b.temperature_c(0) == 40


def test_process_details_follow_the_frames():
    procs = [{"pid": 7, "used_bytes": 5, "cmdline": ["vllm", "serve", "m"], "user": "me"}]
    b = backend([{"devices": {"0": {"processes": []}}}], devices=[device(processes=procs)], loop=False)
    assert b.process_details(7)["user"] == "me"
    b.begin_sample()
    with pytest.raises(Unavailable):
        b.process_details(7)


def test_bad_scripts_are_fixture_errors():
    with pytest.raises(FakeFixtureError, match="frames"):
        ScriptedBackend({"devices": [], "script": {"frames": 3}})
    with pytest.raises(FakeFixtureError, match="object"):
        ScriptedBackend({"devices": [], "script": {"frames": [1]}})


def test_h100_fixture_plays_a_load_curve():
    label, data = load_fixture("monitor-h100-x8")
    b = ScriptedBackend(data, label)
    b.start()
    utils = []
    for _ in range(len(data["script"]["frames"])):
        b.begin_sample()
        utils.append(b.utilization_rates(0)[0])
    assert min(utils) < 10 and max(utils) > 90
