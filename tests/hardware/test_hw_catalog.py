"""The GPU catalog: its data, loose name matching, and HardwareFacts for catalog GPUs."""

from __future__ import annotations

import math

import pytest

from wizard.errors import InputError
from wizard.hardware.catalog import (
    _compact,
    catalog_entries,
    catalog_hardware,
    lookup,
    match_catalog_for_detected,
)
from wizard.hardware.errors import AmbiguousGpuError, UnknownGpuError

GIB = 1 << 30
ENTRIES = catalog_entries()

ARCH_CC = {
    "volta": {"7.0"},
    "turing": {"7.5"},
    "ampere": {"8.0", "8.6", "8.7"},
    "ada": {"8.9"},
    "hopper": {"9.0"},
    "blackwell": {"10.0", "10.3", "12.0", "12.1"},
}

# Every GPU the catalog must cover, by a name a user would type.
REQUIRED = [
    "V100 16GB",
    "V100 32GB",
    "T4",
    "RTX 2080 Ti",
    "Quadro RTX 8000",
    "A100 40GB PCIe",
    "A100 40GB",
    "A100 80GB PCIe",
    "A100 80GB",
    "A10",
    "A10G",
    "A30",
    "A40",
    "A16",
    "A2",
    "RTX A4000",
    "RTX A5000",
    "RTX A6000",
    "RTX 3060",
    "RTX 3070",
    "RTX 3080",
    "RTX 3080 20GB",
    "RTX 3090",
    "RTX 3090 Ti",
    "L4",
    "L20",
    "L40",
    "L40S",
    "RTX 4060 Ti 16GB",
    "RTX 4070 Ti",
    "RTX 4080",
    "RTX 4090",
    "RTX 6000 Ada",
    "H20",
    "H100 PCIe",
    "H100 SXM",
    "H100 NVL",
    "H800",
    "H200",
    "GH200",
    "B200",
    "B300",
    "GB200",
    "RTX 5080",
    "RTX 5090",
    "RTX PRO 6000 Blackwell",
    "DGX Spark",
    "Jetson AGX Orin",
]


def test_at_least_40_entries_with_unique_keys():
    assert len(ENTRIES) >= 40
    keys = [e.key for e in ENTRIES]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("name", REQUIRED)
def test_required_gpus_are_in_the_catalog(name):
    lookup(name)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.key)
def test_entry_fields_are_consistent(entry):
    cc = entry.cc_tuple
    assert entry.compute_capability in ARCH_CC[entry.architecture]
    assert entry.bf16 == (cc >= (8, 0))
    assert entry.fp8 == (cc >= (8, 9))
    assert entry.fp4 == (cc >= (10, 0))
    assert 4 * GIB < entry.total_bytes < 300 * GIB
    assert entry.memory_note.strip()
    if entry.segment == "consumer":
        assert not entry.pcie_p2p, "GeForce cards do not do P2P over PCIe"
    if entry.interconnect == "unified":
        assert entry.unified_memory
    assert entry.unified_memory == (entry.key in {"gh200", "gh200-144gb", "gb200", "gb10", "jetson-agx-orin"})


def test_cuda_totals_match_the_calibration_logs():
    by_key = {e.key: e for e in ENTRIES}
    assert by_key["h100-sxm"].total_bytes == 85_031_714_816
    expected = {
        "h200": 139.81,
        "b200": 178.36,
        "l40s": 44.42,
        "a100-40gb": 39.49,
        "rtx-3090": 23.58,
        "h100-sxm": 79.19,
    }
    for key, gib in expected.items():
        assert round(by_key[key].total_gib, 2) == gib, key
    # CUDA totals sit below the marketing sizes (an "80 GB" H100 is not 80 GiB).
    assert by_key["h100-sxm"].total_gib < 80 and by_key["rtx-4090"].total_gib < 24


def test_every_name_of_an_entry_finds_that_entry():
    first_owner: dict[str, str] = {}
    for entry in ENTRIES:
        for name in (entry.key, entry.name, *entry.aliases):
            first_owner.setdefault(_compact(name), entry.key)
    for entry in ENTRIES:
        for name in (entry.key, *entry.aliases):
            assert lookup(name).key == entry.key, name
        # Display names may be shared (NVML calls a 20 GB RTX 3080 an RTX 3080): first entry wins.
        assert lookup(entry.name).key == first_owner[_compact(entry.name)]


def test_aliases_belong_to_one_entry_only():
    owners: dict[str, set[str]] = {}
    for entry in ENTRIES:
        for name in (entry.key, *entry.aliases):
            owners.setdefault(_compact(name), set()).add(entry.key)
    assert {n: k for n, k in owners.items() if len(k) > 1} == {}


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("h100", "h100-sxm"),
        ("H100", "h100-sxm"),
        ("NVIDIA H100 80GB HBM3", "h100-sxm"),
        ("h100-80gb", "h100-sxm"),
        ("H100 PCIe", "h100-pcie"),
        ("RTX 3090", "rtx-3090"),
        ("rtx3090", "rtx-3090"),
        ("NVIDIA GeForce RTX 3090", "rtx-3090"),
        ("geforce rtx 3090 ti", "rtx-3090-ti"),
        ("A100-40GB", "a100-40gb"),
        ("a100 40g", "a100-40gb"),
        ("A100_80G", "a100-80gb"),
        ("T4", "t4"),
        ("Tesla T4", "t4"),
        ("L4", "l4"),
        ("L40S", "l40s"),
        ("l40", "l40"),
        ("V100-32GB", "v100-32gb"),
        ("rtx 3080 20gb", "rtx-3080-20gb"),
        ("4060 ti", "rtx-4060-ti-16gb"),  # token match: one entry has both words
        ("pro 6000 blackwell", "rtx-pro-6000"),
        ("Jetson AGX Orin", "jetson-agx-orin"),
        ("dgx-spark", "gb10"),
    ],
)
def test_loose_matching(query, key):
    assert lookup(query).key == key


@pytest.mark.parametrize(
    ("query", "includes"),
    [("a100", {"a100-40gb", "a100-80gb"}), ("rtx 6000", {"rtx-6000-ada", "rtx-pro-6000"})],
)
def test_ambiguous_names_list_candidates(query, includes):
    with pytest.raises(AmbiguousGpuError) as info:
        lookup(query)
    err = info.value
    assert isinstance(err, InputError) and err.exit_code == 2
    assert includes <= set(err.candidates)
    assert all(key in err.message for key in includes) and "\n" not in err.message


def test_unknown_name_suggests_close_ones():
    with pytest.raises(UnknownGpuError) as info:
        lookup("RTX 9090")
    err = info.value
    assert isinstance(err, InputError)
    assert "did you mean" in err.message and "rtx-4090" in err.candidates
    assert "`vllm-wizard gpus --catalog`" in err.message


@pytest.mark.parametrize("query", ["MI300X", "", "   ", "quantum gpu"])
def test_unknown_name_without_suggestions(query):
    with pytest.raises(UnknownGpuError) as info:
        lookup(query)
    assert "vllm-wizard gpus --catalog" in info.value.message


def test_match_detected_names():
    assert match_catalog_for_detected("NVIDIA H100 80GB HBM3").key == "h100-sxm"  # type: ignore[union-attr]
    assert match_catalog_for_detected("Tesla T4").fp8 is False  # type: ignore[union-attr]
    assert match_catalog_for_detected("NVIDIA GeForce RTX 3080").key == "rtx-3080"  # type: ignore[union-attr]
    rtx3080_20 = match_catalog_for_detected("NVIDIA GeForce RTX 3080", total_bytes=20 * GIB)
    assert rtx3080_20 is not None and rtx3080_20.key == "rtx-3080-20gb"
    assert match_catalog_for_detected("NVIDIA Mystery Accelerator 9000") is None
    assert match_catalog_for_detected("NVIDIA A100") is None  # ambiguous: no guess


# -- catalog_hardware ---------------------------------------------------------------------------


def test_catalog_hardware_h100_pair():
    facts = catalog_hardware("H100", count=2)
    assert facts.source == "catalog" and len(facts.gpus) == 2
    for i, gpu in enumerate(facts.gpus):
        assert (gpu.index, gpu.name, gpu.catalog_key) == (i, "NVIDIA H100 80GB HBM3", "h100-sxm")
        assert (gpu.total_bytes, gpu.used_bytes, gpu.free_bytes) == (85031714816, 0, 85031714816)
        assert gpu.compute_capability == "9.0"
    assert facts.link(0, 1).nvlink is True and facts.all_pairs_p2p() is True  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "p2p", "nvlink"), [("RTX 4090", False, False), ("L40S", True, False), ("B200", True, True)]
)
def test_catalog_links_follow_the_interconnect(name, p2p, nvlink):
    facts = catalog_hardware(name, count=4)
    assert len(facts.links) == 6
    assert {link.p2p for link in facts.links} == {p2p}
    assert {link.nvlink for link in facts.links} == {nvlink}


def test_nvlink_bridges_join_pairs():
    facts = catalog_hardware("H100 NVL", count=4)
    assert facts.link(0, 1).nvlink and facts.link(2, 3).nvlink  # type: ignore[union-attr]
    assert facts.link(1, 2).nvlink is False and facts.link(1, 2).p2p is True  # type: ignore[union-attr]


def test_unified_memory_boxes_do_not_peer():
    facts = catalog_hardware("DGX Spark", count=2)
    assert facts.all_pairs_p2p() is False


def test_overrides():
    facts = catalog_hardware("RTX 3090", count=1, memory_gib=23.7, used_gib=1.5, compute_capability="8.6")
    gpu = facts.gpus[0]
    assert gpu.total_bytes == round(23.7 * GIB) and gpu.used_bytes == round(1.5 * GIB)
    assert gpu.free_bytes == gpu.total_bytes - gpu.used_bytes  # type: ignore[operator]
    assert catalog_hardware("T4", compute_capability="8.0").gpus[0].compute_capability == "8.0"


def test_unknown_name_with_memory_and_cc_is_a_generic_gpu():
    facts = catalog_hardware("MI-Fake 9000", count=2, memory_gib=48, compute_capability="8.9")
    gpu = facts.gpus[0]
    assert (gpu.name, gpu.catalog_key, gpu.total_bytes, gpu.compute_capability) == (
        "MI-Fake 9000",
        None,
        48 * GIB,
        "8.9",
    )
    assert facts.link(0, 1).p2p is None and facts.all_pairs_p2p() is None  # type: ignore[union-attr]


def test_no_name_with_memory_and_cc():
    gpu = catalog_hardware(None, memory_gib=16, compute_capability="7.5").gpus[0]
    assert gpu.name.startswith("Generic GPU") and gpu.catalog_key is None


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"name": "MI-Fake 9000"}, UnknownGpuError),
        ({"name": "MI-Fake 9000", "memory_gib": 48}, UnknownGpuError),
        ({"name": "a100", "memory_gib": 48, "compute_capability": "8.0"}, AmbiguousGpuError),
        ({"name": None}, InputError),
        ({"name": None, "memory_gib": 16}, InputError),
        ({"name": "T4", "count": 0}, InputError),
        ({"name": "T4", "memory_gib": 0}, InputError),
        ({"name": "T4", "memory_gib": -1}, InputError),
        ({"name": "T4", "memory_gib": math.nan}, InputError),
        ({"name": "T4", "used_gib": 15}, InputError),
        ({"name": "T4", "used_gib": -1}, InputError),
        ({"name": "T4", "compute_capability": "9"}, InputError),
        ({"name": "T4", "compute_capability": "sm_90"}, InputError),
    ],
)
def test_bad_catalog_requests_are_input_errors(kwargs, error):
    with pytest.raises(error) as info:
        catalog_hardware(**kwargs)
    assert isinstance(info.value, InputError) and "\n" not in info.value.message
