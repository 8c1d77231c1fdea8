"""The JSON fake backend: every shipped fixture, every error fixture, per-field N/A, selection."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from wizard.errors import InputError
from wizard.hardware.catalog import lookup, match_catalog_for_detected
from wizard.hardware.errors import (
    FakeFixtureError,
    HardwareError,
    NoGpuError,
    NvmlDriverNotLoadedError,
    NvmlLibraryNotFoundError,
    NvmlNoPermissionError,
    NvmlVersionMismatchError,
)
from wizard.hardware.fake_backend import FakeBackend, fixture_names, load_fixture
from wizard.hardware.nvml_backend import NvmlBackend
from wizard.hardware.probe import default_backend, probe

GIB = 1 << 30
MIB = 1 << 20
NO_ENV: dict[str, str] = {}

EXPECTED_FIXTURES = {
    "no-gpu",
    "rtx4090-x1",
    "rtx3080-20gb-x2",
    "t4-x4",
    "h100-sxm-x8",
    "a100-80gb-busy",
    "nvml-library-missing",
    "nvml-driver-not-loaded",
    "nvml-version-mismatch",
    "nvml-no-permission",
}
ERROR_FIXTURES = {
    "nvml-library-missing": NvmlLibraryNotFoundError,
    "nvml-driver-not-loaded": NvmlDriverNotLoadedError,
    "nvml-version-mismatch": NvmlVersionMismatchError,
    "nvml-no-permission": NvmlNoPermissionError,
    "no-gpu": NoGpuError,
}
GPU_FIXTURES = sorted(EXPECTED_FIXTURES - set(ERROR_FIXTURES))


def probe_fixture(name: str, **env: str):
    return probe(FakeBackend.from_spec(name), env=env)


def test_every_required_fixture_ships():
    assert set(fixture_names()) >= EXPECTED_FIXTURES


@pytest.mark.parametrize("name", sorted(ERROR_FIXTURES))
def test_error_fixtures_raise_the_typed_error(name):
    backend = FakeBackend.from_spec(name)
    with pytest.raises(ERROR_FIXTURES[name]) as info:
        probe(backend, env=NO_ENV)
    assert isinstance(info.value, HardwareError) and info.value.exit_code == 2
    assert "\n" not in info.value.message
    assert "vllm-wizard plan MODEL --gpu H100 --gpu-count 2" in info.value.message
    # A failed start has nothing to shut down; a started backend is always shut down.
    assert backend.shutdown_calls == (1 if name == "no-gpu" else 0)


@pytest.mark.parametrize("name", GPU_FIXTURES)
def test_gpu_fixtures_are_realistic(name):
    facts = probe_fixture(name)
    assert facts.source == "fake" and facts.gpus
    assert re.fullmatch(r"5[78]0\.\d+\.\d+", facts.driver_version or "")
    assert re.fullmatch(r"1[23]\.\d", facts.cuda_driver_version or "")
    for gpu in facts.gpus:
        assert re.fullmatch(
            r"GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", gpu.uuid or ""
        )
        assert re.fullmatch(r"[0-9A-F]{8}:[0-9A-F]{2}:[0-9A-F]{2}\.\d", gpu.pci_bus_id or "")
        assert gpu.reserved_bytes is not None and 0 < gpu.reserved_bytes < GIB
        assert gpu.used_bytes is not None and gpu.free_bytes is not None
        assert gpu.used_bytes + gpu.free_bytes == gpu.total_bytes
        # The detected CUDA total agrees with the catalog's figure for the same GPU.
        entry = match_catalog_for_detected(gpu.name, gpu.total_bytes)
        assert entry is not None, gpu.name
        assert entry.compute_capability == gpu.compute_capability
        assert abs(entry.total_bytes - gpu.total_bytes) < 0.005 * entry.total_bytes  # type: ignore[operator]
    links = len(facts.gpus) * (len(facts.gpus) - 1) // 2
    assert len(facts.links) == links


def test_uuids_and_bus_ids_are_unique_across_fixtures():
    uuids = [g.uuid for name in GPU_FIXTURES for g in probe_fixture(name).gpus]
    assert len(uuids) == len(set(uuids))
    for name in GPU_FIXTURES:
        buses = [g.pci_bus_id for g in probe_fixture(name).gpus]
        assert len(buses) == len(set(buses))


def test_h100_sxm_x8():
    facts = probe_fixture("h100-sxm-x8")
    assert len(facts.gpus) == 8 and [g.index for g in facts.gpus] == list(range(8))
    assert {g.name for g in facts.gpus} == {"NVIDIA H100 80GB HBM3"}
    assert {g.total_bytes for g in facts.gpus} == {85031714816}
    assert {g.compute_capability for g in facts.gpus} == {"9.0"}
    assert {g.mig_mode for g in facts.gpus} == {False}
    assert (facts.driver_version, facts.cuda_driver_version) == ("570.133.20", "12.8")
    assert len(facts.links) == 28 and all(link.p2p and link.nvlink for link in facts.links)
    assert facts.all_pairs_p2p() is True
    assert facts.visible_devices is None


def test_rtx4090_x1_desktop():
    (gpu,) = probe_fixture("rtx4090-x1").gpus
    assert round(gpu.total_gib, 2) == 23.65  # type: ignore[arg-type]
    assert gpu.mig_mode is None  # NotSupported on GeForce: N/A, not False
    assert [(p.kind, p.name) for p in gpu.processes] == [
        ("graphics", "/usr/lib/xorg/Xorg"),
        ("graphics", "/usr/bin/gnome-shell"),
    ]


def test_rtx3080_20gb_x2_pcie_without_p2p():
    facts = probe_fixture("rtx3080-20gb-x2")
    assert len(facts.gpus) == 2
    assert facts.all_pairs_p2p() is False
    assert facts.link(0, 1).nvlink is False  # type: ignore[union-attr]
    assert all(g.processes == () for g in facts.gpus)  # process list unreadable in the container
    assert match_catalog_for_detected(facts.gpus[0].name, facts.gpus[0].total_bytes).key == "rtx-3080-20gb"  # type: ignore[union-attr]


def test_t4_x4_partial_p2p():
    facts = probe_fixture("t4-x4")
    assert len(facts.gpus) == 4
    assert facts.all_pairs_p2p() is False
    assert facts.all_pairs_p2p([0, 1]) is True and facts.all_pairs_p2p([2, 3]) is True
    assert facts.all_pairs_p2p([1, 2]) is False
    assert not lookup("t4").bf16 and facts.gpus[0].compute_capability == "7.5"


def test_gpu_already_holding_10_gib():
    (gpu,) = probe_fixture("a100-80gb-busy").gpus
    (proc,) = gpu.processes
    assert (proc.pid, proc.name, proc.kind, proc.used_bytes) == (48213, "python3", "compute", 10 * GIB)
    assert gpu.used_bytes is not None and gpu.used_bytes >= 10 * GIB
    assert gpu.free_bytes == gpu.total_bytes - gpu.used_bytes  # type: ignore[operator]


# -- per-field N/A through a hand-written fixture -------------------------------------------------


def base_device(**overrides):
    device = {
        "name": "NVIDIA L40S",
        "uuid": "GPU-11111111-2222-3333-4444-555555555555",
        "pci_bus_id": "00000000:01:00.0",
        "memory": {"total": 46068 * MIB, "reserved": 582 * MIB, "used": 0, "free": 45486 * MIB},
        "compute_capability": [8, 9],
        "mig_mode": False,
        "nvlinks_active": 0,
        "processes": [],
    }
    device.update(overrides)
    return device


def test_null_fields_are_na(write_fixture):
    path = write_fixture(
        {
            "devices": [
                base_device(
                    name=None,
                    uuid=None,
                    pci_bus_id=None,
                    memory=None,
                    compute_capability=None,
                    mig_mode=None,
                    nvlinks_active=4,
                ),
                base_device(nvlinks_active=None),
            ],
        }
    )
    facts = probe(FakeBackend.from_spec(str(path)), env=NO_ENV)
    gpu = facts.gpus[0]
    assert gpu.name == "Unknown NVIDIA GPU"
    assert (gpu.uuid, gpu.pci_bus_id, gpu.total_bytes, gpu.used_bytes, gpu.free_bytes) == (None,) * 5
    assert (gpu.compute_capability, gpu.mig_mode, gpu.cc_tuple) == (None, None, None)
    assert (facts.driver_version, facts.cuda_driver_version, facts.nvml_version) == (None, None, None)
    link = facts.link(0, 1)
    assert link is not None and link.p2p is None
    assert link.nvlink is None  # one GPU's link count is unknown, so NVLink cannot be ruled out
    assert facts.all_pairs_p2p() is None


def test_memory_v1_only_keeps_nvml_total(write_fixture):
    memory = {"total": 46068 * MIB, "used": 582 * MIB, "free": 45486 * MIB}
    path = write_fixture({"devices": [base_device(memory=memory)]})
    gpu = probe(FakeBackend.from_spec(str(path)), env=NO_ENV).gpus[0]
    assert (gpu.total_bytes, gpu.reserved_bytes) == (46068 * MIB, None)


def test_cuda_total_subtracts_reserved(write_fixture):
    path = write_fixture({"devices": [base_device()]})
    gpu = probe(FakeBackend.from_spec(str(path)), env=NO_ENV).gpus[0]
    assert round(gpu.total_gib, 2) == 44.42 and gpu.reserved_bytes == 582 * MIB  # type: ignore[arg-type]


# -- selection and fixture errors ---------------------------------------------------------------


def test_backend_selection_by_env(write_fixture):
    assert isinstance(default_backend({"VLLM_WIZARD_FAKE_GPUS": "t4-x4"}), FakeBackend)
    path = write_fixture({"devices": [base_device()]})
    assert isinstance(default_backend({"VLLM_WIZARD_FAKE_GPUS": str(path)}), FakeBackend)
    assert isinstance(default_backend({}), NvmlBackend)
    assert isinstance(default_backend({"VLLM_WIZARD_FAKE_GPUS": ""}), NvmlBackend)


def test_probe_reads_env_for_the_backend():
    facts = probe(env={"VLLM_WIZARD_FAKE_GPUS": "t4-x4", "CUDA_VISIBLE_DEVICES": "3"})
    assert facts.source == "fake" and [g.pci_bus_id for g in facts.gpus] == ["00000000:AF:00.0"]


def test_unknown_fixture_name_lists_the_fixtures():
    with pytest.raises(FakeFixtureError) as info:
        default_backend({"VLLM_WIZARD_FAKE_GPUS": "h100-x9"})
    assert isinstance(info.value, InputError)
    assert "h100-sxm-x8" in info.value.message and "\n" not in info.value.message


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "devices"),
        ('{"devices": [], "error": "gpu_on_fire"}', "unknown error"),
    ],
)
def test_malformed_fixture_files(tmp_path, content, needle):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(FakeFixtureError, match=needle):
        load_fixture(str(path))


def test_missing_fixture_path():
    with pytest.raises(FakeFixtureError, match="no such fixture file"):
        load_fixture("/nonexistent/gpus.json")


def test_wrong_field_type_names_the_fixture(write_fixture):
    path = write_fixture({"devices": [base_device(compute_capability="9.0")]})
    with pytest.raises(FakeFixtureError, match="compute_capability"):
        probe(FakeBackend.from_spec(str(path)), env=NO_ENV)


def test_fixture_files_are_valid_json_with_descriptions():
    folder = resources.files("wizard") / "data" / "fake_gpus"
    for name in fixture_names():
        data = json.loads((folder / f"{name}.json").read_text())
        assert isinstance(data.get("description"), str) and data["description"]
