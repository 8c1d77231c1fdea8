"""CUDA_VISIBLE_DEVICES as CUDA reads it: indices, GPU-<uuid> prefixes, stop at the first bad entry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wizard.hardware.errors import NoGpuError
from wizard.hardware.fake_backend import FakeBackend
from wizard.hardware.probe import probe, visible_indices

UUIDS = [
    "GPU-0a1b2c3d-0000-1111-2222-333333333333",
    "GPU-0a1bffff-0000-1111-2222-444444444444",
    "GPU-99aa0000-0000-1111-2222-555555555555",
    None,  # a GPU whose UUID NVML would not give
]


def uuid_of(index: int) -> str | None:
    return UUIDS[index]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, [0, 1, 2, 3]),
        ("", []),
        ("-1", []),
        ("1,0", [1, 0]),
        ("3,1", [3, 1]),
        (" 2 , 0 ", [2, 0]),
        ("0,4,1", [0]),  # out of range stops the list
        ("0,-1,1", [0]),
        ("1,1,2", [1]),  # a repeated device stops the list
        ("0,abc,1", [0]),
        ("GPU-99aa", [2]),
        ("gpu-99AA0000", [2]),
        ("2,GPU-0a1b2", [2, 0]),
        ("GPU-0a1b", []),  # ambiguous prefix
        ("GPU-dead", []),  # no such GPU
        ("GPU-", []),
        ("1,GPU-99aa,0", [1, 2, 0]),
        ("MIG-0a1b2c3d-0000-1111-2222-333333333333", []),
        ("0,", [0]),
    ],
)
def test_visible_indices(value, expected):
    assert visible_indices(value, 4, uuid_of) == expected


@given(st.lists(st.integers(min_value=-2, max_value=6), max_size=8))
def test_visible_indices_is_the_valid_prefix(entries):
    result = visible_indices(",".join(map(str, entries)), 4, uuid_of)
    # CUDA's rule: take entries while they are valid, new and in range; stop at the first that is not.
    expected: list[int] = []
    for entry in entries:
        if not 0 <= entry < 4 or entry in expected:
            break
        expected.append(entry)
    assert result == expected


def probe_h100(visible: str):
    return probe(FakeBackend.from_spec("h100-sxm-x8"), env={"CUDA_VISIBLE_DEVICES": visible})


def test_reordered_subset_keeps_cuda_order():
    all_gpus = probe(FakeBackend.from_spec("h100-sxm-x8"), env={}).gpus
    facts = probe_h100("6,2")
    assert [g.index for g in facts.gpus] == [0, 1]
    assert [g.uuid for g in facts.gpus] == [all_gpus[6].uuid, all_gpus[2].uuid]
    assert facts.visible_devices == "6,2"
    assert [(link.a, link.b) for link in facts.links] == [(0, 1)]


def test_uuid_prefix_selects_that_gpu():
    target = probe(FakeBackend.from_spec("h100-sxm-x8"), env={}).gpus[5]
    assert target.uuid is not None
    facts = probe_h100(target.uuid[:12])
    assert [g.pci_bus_id for g in facts.gpus] == [target.pci_bus_id]


@pytest.mark.parametrize("visible", ["", "-1", "8", "GPU-ffffffff"])
def test_nothing_visible_is_a_typed_error(visible):
    backend = FakeBackend.from_spec("h100-sxm-x8")
    with pytest.raises(NoGpuError) as info:
        probe(backend, env={"CUDA_VISIBLE_DEVICES": visible})
    assert "CUDA_VISIBLE_DEVICES" in info.value.message and "8" in info.value.message
    assert backend.shutdown_calls == 1
