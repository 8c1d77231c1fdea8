"""The GPU catalog's datasheet figures: every entry has every field (or an explicit null), the
figures are the vendors', and detected GPUs get them by name with NVML's own PCIe link."""

from __future__ import annotations

import json
import types
from importlib import resources

import pytest

from wizard.hardware.catalog import catalog_entries, lookup
from wizard.hardware.fake_backend import FakeBackend
from wizard.hardware.nvml_backend import NvmlBackend
from wizard.hardware.probe import probe
from wizard.perf.gpu import gpu_rates

PERF_KEYS = {"memory_bandwidth_gbps", "dense_tflops", "pcie_gen", "pcie_lanes", "nvlink_gbps", "sxm", "host_link",
             "host_link_gbps", "source"}
TFLOPS_KEYS = {"fp32", "tf32", "fp16", "bf16", "fp8", "int8", "fp4"}


def raw_entries() -> list[dict]:
    text = (resources.files("wizard") / "data" / "gpu_catalog.json").read_text(encoding="utf-8")
    return json.loads(text)["gpus"]


@pytest.mark.parametrize("entry", raw_entries(), ids=lambda e: e["key"])
def test_every_entry_states_every_figure_or_an_explicit_null(entry):
    perf = entry["perf"]
    assert set(perf) == PERF_KEYS
    assert set(perf["dense_tflops"]) == TFLOPS_KEYS
    assert perf["source"].strip()
    bw = perf["memory_bandwidth_gbps"]
    assert bw is None or 100 <= bw <= 10000
    for dtype, value in perf["dense_tflops"].items():
        assert value is None or value > 0, dtype
    # a part without native FP8 / FP4 tensor cores has no such rate
    if not entry["fp8"]:
        assert perf["dense_tflops"]["fp8"] is None
    if not entry["fp4"]:
        assert perf["dense_tflops"]["fp4"] is None
    if not entry["bf16"]:
        assert perf["dense_tflops"]["bf16"] is None
    if perf["host_link"] == "pcie":
        assert perf["pcie_gen"] in (3, 4, 5, 6) and perf["pcie_lanes"] in (8, 16)
    if entry["interconnect"] in ("sxm", "nvlink"):
        assert perf["nvlink_gbps"], "an NVLinked part states its NVLink bandwidth"
    assert perf["sxm"] == (entry["interconnect"] == "sxm")


@pytest.mark.parametrize(("name", "bandwidth", "dtype", "tflops"), [
    ("H100 SXM", 3350, "bf16", 989.5), ("H100 SXM", 3350, "fp8", 1979.0), ("H100 PCIe", 2000, "bf16", 756.0),
    ("A100 80GB", 2039, "bf16", 312.0), ("A100 40GB", 1555, "int8", 624.0), ("T4", 320, "fp16", 65.0),
    ("RTX 4090", 1008, "fp8", 330.3), ("RTX 3090", 936, "fp16", 71.0), ("L40S", 864, "bf16", 362.0),
    ("H200", 4800, "bf16", 989.5), ("V100 32GB", 900, "fp16", 125.0), ("L4", 300, "fp8", 242.5),
    ("B200", 8000, "fp4", 9000.0),
])
def test_datasheet_spot_checks(name, bandwidth, dtype, tflops):
    perf = lookup(name).perf
    assert perf.memory_bandwidth_gbps == bandwidth
    assert perf.dense_tflops.get(dtype) == tflops


def test_links_and_host_links():
    assert lookup("H100 SXM").perf.nvlink_gbps == 900 and lookup("H100 SXM").perf.sxm
    assert lookup("RTX 4090").perf.nvlink_gbps is None and lookup("RTX 4090").perf.pcie_gen == 4
    assert lookup("T4").perf.pcie_gen == 3
    assert lookup("RTX 4060 Ti 16GB").perf.pcie_lanes == 8
    gh200 = lookup("GH200").perf
    assert gh200.host_link == "nvlink-c2c" and gh200.host_link_gbps == 900 and gh200.pcie_gen is None
    assert lookup("GB300").perf.host_link == "nvlink-c2c"


def test_unpublished_rates_are_null_not_guessed():
    a10g = lookup("A10G").perf
    assert a10g.memory_bandwidth_gbps == 600 and a10g.dense_tflops.bf16 is None
    assert lookup("DGX Spark").perf.dense_tflops.bf16 is None


def test_catalog_entries_validate_with_the_typed_perf_block():
    assert all(e.perf.source for e in catalog_entries())


def test_detected_gpu_gets_catalog_rates_by_name_and_nvml_pcie(monkeypatch):
    fixture = {"devices": [{"name": "NVIDIA GeForce RTX 4090", "memory": {"total": 25757220864, "used": 0,
                                                                          "free": 25757220864},
                            "compute_capability": [8, 9], "pcie": [3, 8]}]}
    facts = probe(FakeBackend(fixture), env={})
    gpu = facts.gpus[0]
    assert (gpu.pcie_gen, gpu.pcie_lanes) == (3, 8)
    rates = gpu_rates(gpu)
    assert rates.bandwidth == 1008e9
    assert rates.pcie_label == "PCIe Gen3 x8"  # NVML's link, not the card's Gen4 x16
    assert rates.pcie == pytest.approx(0.985e9 * 8)


def test_detected_gpu_without_pcie_report_uses_the_catalog_link():
    fixture = {"devices": [{"name": "NVIDIA GeForce RTX 4090", "memory": {"total": 25757220864, "used": 0,
                                                                          "free": 25757220864}}]}
    gpu = probe(FakeBackend(fixture), env={}).gpus[0]
    assert gpu.pcie_gen is None
    assert gpu_rates(gpu).pcie_label == "PCIe Gen4 x16"


def test_unknown_gpu_has_no_rates():
    fixture = {"devices": [{"name": "Mystery Accelerator 9000", "memory": {"total": 1 << 34, "used": 0,
                                                                           "free": 1 << 34}}]}
    gpu = probe(FakeBackend(fixture), env={}).gpus[0]
    rates = gpu_rates(gpu)
    assert rates.spec is None and rates.bandwidth is None


def test_shipped_fixture_reports_pcie():
    facts = probe(FakeBackend.from_spec("t4-x4"), env={})
    assert all((g.pcie_gen, g.pcie_lanes) == (3, 16) for g in facts.gpus)


def test_nvml_backend_reads_max_pcie_link_and_tolerates_old_bindings():
    class NVMLError(Exception):
        pass

    mod = types.SimpleNamespace(
        NVMLError=NVMLError,
        nvmlDeviceGetHandleByIndex=lambda i: ("h", i),
        nvmlDeviceGetMaxPcieLinkGeneration=lambda h: 5,
        nvmlDeviceGetMaxPcieLinkWidth=lambda h: 16,
    )
    assert NvmlBackend(mod).pcie_link(0) == (5, 16)  # type: ignore[arg-type]
    old = types.SimpleNamespace(NVMLError=NVMLError, nvmlDeviceGetHandleByIndex=lambda i: ("h", i))
    from wizard.hardware.backend import Unavailable

    with pytest.raises(Unavailable):
        NvmlBackend(old).pcie_link(0)  # type: ignore[arg-type]
