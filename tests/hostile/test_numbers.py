"""Every number at the boundary: finite, in a physical range (wizard/bounds.py), one line, exit 2."""

from __future__ import annotations

import pytest
from hostile_support import one_line

NINES = "9" * 400


@pytest.mark.parametrize(("args", "needles"), [
    (["--gpu", "H100", "--nodes", "65"], ["--nodes 65", "at most 64"]),
    (["--gpu", "H100", "--gpu-count", "100000"], ["--gpu-count 100000", "at most 64", "--nodes"]),
    (["--gpu", "H100", "--gpu-count", "0"], ["--gpu-count 0", "at least 1"]),
    (["--gpu", "H100", "--set", "cpu-offload-gb=nan"], ["cpu-offload-gb=nan", "finite"]),
    (["--gpu", "H100", "--set", "cpu-offload-gb=inf"], ["cpu-offload-gb=inf", "finite"]),
    (["--gpu", "H100", "--set", "cpu-offload-gb=1e999"], ["cpu-offload-gb=1e999", "finite"]),
    (["--gpu", "H100", "--set", f"max-model-len={NINES}"], ["max-model-len=999", "414 characters", "32768"]),
    (["--gpu", "H100", "--set", f"kv-cache-memory-bytes={NINES}"], ["kv-cache-memory-bytes=999", "20G"]),
    (["--gpu", "H100", "--set", "max-model-len=2000000000"], ["max-model-len=2000000000", "at most"]),
    (["--gpu", "H100", "--set", "tensor-parallel-size=100000"], ["tensor-parallel-size=100000", "at most 4,096"]),
    (["--gpu", "H100", "--set", "max-num-seqs=-5"], ["max-num-seqs=-5", "at least 1"]),
    (["--gpu", "H100", "--gpu-memory", "inf"], ["--gpu-memory inf", "finite"]),
    (["--gpu", "H100", "--gpu-memory", "nan"], ["--gpu-memory nan", "finite"]),
    (["--gpu", "H100", "--gpu-memory", "5000"], ["--gpu-memory 5000", "1 TiB"]),
    (["--gpu", "H100", "--gpu-used", "nan"], ["--gpu-used nan", "finite"]),
    (["--gpu-memory", "80", "--compute-capability", "4" * 4400], ["--compute-capability 444", "4400 characters", "8.9"]),
    (["--gpu", "H100", "--compute-capability", "9.0.1"], ["--compute-capability 9.0.1", "X.Y"]),
    (["--gpu", "H100", "--context", NINES], ["--context 999", "token count"]),
    (["--gpu", "H100", "--concurrency", "2000000"], ["--concurrency 2000000", "at most 1,048,576"]),
])
def test_plan_numbers_exit_2_with_one_line(cli, llama_folder, args, needles):
    code, out, err = cli("plan", str(llama_folder), *args)
    assert code == 2 and out == ""
    line = one_line(err)
    for needle in needles:
        assert needle in line, line


@pytest.mark.parametrize("flag", ["--gpu-used", "--gpu-memory"])
def test_nan_overrides_of_detected_gpus(cli, llama_folder, monkeypatch, flag):
    monkeypatch.setenv("VLLM_WIZARD_FAKE_GPUS", "rtx4090-x1")
    code, _, err = cli("plan", str(llama_folder), flag, "nan")
    assert code == 2 and f"{flag} nan" in one_line(err)


def test_largest_allowed_cluster_still_plans(cli, llama_folder):
    code, out, _ = cli("plan", str(llama_folder), "--gpu", "H100", "--gpu-count", "64", "--nodes", "64", "--json")
    assert code in (0, 3) and out.startswith("{")


@pytest.mark.parametrize(("args", "needle"), [
    (["--history", "inf"], "--history inf"),
    (["--history", "1e9"], "--history 1e9"),
    (["--interval", "nan"], "--interval nan"),
    (["--timeout", "-1"], "--timeout -1"),
])
def test_monitor_numbers(cli, monkeypatch, args, needle):
    monkeypatch.setenv("VLLM_WIZARD_FAKE_GPUS", "rtx4090-x1")
    code, _, err = cli("monitor", "--once", "--no-server", *args)
    assert code == 2 and needle in one_line(err)


def test_port_and_workers_bounded(cli, llama_folder):
    code, _, err = cli("export", str(llama_folder), "--gpu", "H100", "--port", "70000")
    assert code == 2 and "--port 70000" in one_line(err)
    code, _, err = cli("download", "org/name", "--workers", "100000")
    assert code == 2 and "--workers 100000" in one_line(err)


def test_zh_catalog_renders_every_bounds_message():
    from wizard import bounds
    from wizard.i18n import catalog

    en, zh = catalog("en"), catalog("zh_CN")
    keys = [k for k in en if k.startswith("bounds.")]
    assert keys and all(k in zh for k in keys)
    with pytest.raises(bounds.OutOfBounds) as info:
        bounds.parse_int("65", bounds.NODES)
    assert "64" in info.value.reason.render("zh_CN") and "节点" in info.value.reason.render("zh_CN")


def test_gpu_links_are_found_by_pair_either_way():
    # The 64-GPU plan the fuzzer found taking 8 s looked every pair up by scanning all links.
    from wizard.hardware.facts import GpuLink, HardwareFacts

    links = (GpuLink(a=0, b=1, p2p=True), GpuLink(a=1, b=0, p2p=False), GpuLink(a=2, b=1, p2p=None))
    hw = HardwareFacts(source="fake", links=links)
    assert hw.link(1, 0) is links[0] and hw.link(0, 1) is links[0]  # the first listed wins, as before
    assert hw.link(1, 2) is links[2] and hw.link(0, 2) is None
    assert hw.all_pairs_p2p([0, 1]) is True and hw.all_pairs_p2p([0, 2]) is None


def test_a_full_node_of_catalog_gpus_with_odd_pins_plans(cli, llama_folder):
    code, out, err = cli("plan", str(llama_folder), "--gpu", "h100", "--gpu-count", "64", "--compute-capability",
                         "8.9", "--set", "quantization=1", "--set", "kv-cache-dtype=1k", "--json")
    assert code in (0, 3) and out.startswith("{") and "Traceback" not in err
