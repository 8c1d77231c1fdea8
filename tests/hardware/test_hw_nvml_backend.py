"""The real NVML backend, run against a stand-in `pynvml` module (no GPU needed)."""

from __future__ import annotations

import sys

import pytest

from wizard.errors import WizardError
from wizard.hardware.errors import (
    HardwareError,
    NoGpuError,
    NvmlDriverNotLoadedError,
    NvmlError,
    NvmlLibraryNotFoundError,
    NvmlNoPermissionError,
    NvmlVersionMismatchError,
)
from wizard.hardware.nvml_backend import NvmlBackend
from wizard.hardware.probe import probe

GIB = 1 << 30
MIB = 1 << 20
NO_ENV: dict[str, str] = {}


@pytest.mark.parametrize(
    ("nvml_error", "expected"),
    [
        ("NVMLError_LibraryNotFound", NvmlLibraryNotFoundError),
        ("NVMLError_DriverNotLoaded", NvmlDriverNotLoadedError),
        ("NVMLError_LibRmVersionMismatch", NvmlVersionMismatchError),
        ("NVMLError_NoPermission", NvmlNoPermissionError),
        ("NVMLError_Unknown", NvmlError),
    ],
)
def test_init_errors_map_to_typed_errors(fake_pynvml, device, nvml_error, expected):
    mod = fake_pynvml([device(0)], fail={"nvmlInit": nvml_error})
    with pytest.raises(expected) as info:
        probe(NvmlBackend(mod), env=NO_ENV)
    err = info.value
    assert type(err) is expected and isinstance(err, WizardError) and err.exit_code == 2
    assert "\n" not in err.message
    assert "vllm-wizard plan MODEL --gpu H100 --gpu-count 2" in err.message
    # nvmlInit failed, so there is nothing to shut down.
    assert mod.calls == {"init": 0, "shutdown": 0}


@pytest.mark.parametrize(
    ("nvml_error", "expected"),
    [
        ("NVMLError_DriverNotLoaded", NvmlDriverNotLoadedError),
        ("NVMLError_NoPermission", NvmlNoPermissionError),
    ],
)
def test_count_errors_are_fatal_and_still_shut_down(fake_pynvml, device, nvml_error, expected):
    mod = fake_pynvml([device(0)], fail={"nvmlDeviceGetCount": nvml_error})
    with pytest.raises(expected):
        probe(NvmlBackend(mod), env=NO_ENV)
    assert mod.calls == {"init": 1, "shutdown": 1}


def test_zero_devices_is_a_typed_error_and_shuts_down(fake_pynvml):
    mod = fake_pynvml([])
    with pytest.raises(NoGpuError):
        probe(NvmlBackend(mod), env=NO_ENV)
    assert mod.calls["shutdown"] == 1


def test_missing_python_binding_is_library_not_found(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)  # makes `import pynvml` raise ImportError
    with pytest.raises(NvmlLibraryNotFoundError, match="nvidia-ml-py"):
        probe(NvmlBackend(), env=NO_ENV)


def test_lazy_import_uses_the_pynvml_module(monkeypatch, fake_pynvml, device):
    mod = fake_pynvml([device(0)])
    monkeypatch.setitem(sys.modules, "pynvml", mod)
    facts = probe(NvmlBackend(), env=NO_ENV)
    assert facts.source == "nvml" and len(facts.gpus) == 1
    assert mod.calls == {"init": 1, "shutdown": 1}


def test_full_probe_of_two_gpus(fake_pynvml, device):
    devices = [
        device(0, mig=[1, 0], compute=[(4242, 10 * GIB)], graphics=[(4242, 10 * GIB), (99, None)]),
        device(1),
    ]
    mod = fake_pynvml(devices, process_names={4242: "python3"})
    facts = probe(NvmlBackend(mod), env=NO_ENV)
    assert mod.calls == {"init": 1, "shutdown": 1}
    assert (facts.source, facts.driver_version, facts.cuda_driver_version, facts.nvml_version) == (
        "nvml",
        "570.133.20",
        "12.8",
        "12.570.133.20",
    )
    g0, g1 = facts.gpus
    assert g0.name == "NVIDIA H100 80GB HBM3"  # decoded from bytes
    assert g0.pci_bus_id == "00000000:18:00.0"
    assert g0.uuid == "GPU-00000000-aaaa-bbbb-cccc-000000000000"
    # Memory v2: CUDA's total is the framebuffer minus the reserved part.
    assert g0.total_bytes == 85031714816 and round(g0.total_gib, 2) == 79.19
    assert g0.reserved_bytes == 81559 * MIB - 85031714816
    assert g0.compute_capability == "9.0"
    assert (g0.mig_mode, g1.mig_mode) == (True, False)
    # Compute and graphics lists merged by pid; unknown names and sizes stay None.
    procs = {p.pid: p for p in g0.processes}
    assert (
        procs[4242].kind == "compute" and procs[4242].name == "python3" and procs[4242].used_bytes == 10 * GIB
    )
    assert procs[99].kind == "graphics" and procs[99].name is None and procs[99].used_bytes is None
    link = facts.link(0, 1)
    assert link is not None and link.p2p is True and link.nvlink is True


def test_memory_v1_fallback_keeps_nvml_total(fake_pynvml, device):
    mod = fake_pynvml([device(0, memory_v2=False, used=GIB)])
    gpu = probe(NvmlBackend(mod), env=NO_ENV).gpus[0]
    assert gpu.reserved_bytes is None
    assert gpu.total_bytes == 81559 * MIB
    assert gpu.used_bytes == GIB + 81559 * MIB - 85031714816  # v1 "used" includes the reserved part


@pytest.mark.parametrize(
    ("failing", "field"),
    [
        ("nvmlDeviceGetName", "name"),
        ("nvmlDeviceGetUUID", "uuid"),
        ("nvmlDeviceGetPciInfo", "pci_bus_id"),
        ("nvmlDeviceGetCudaComputeCapability", "compute_capability"),
        ("nvmlDeviceGetMigMode", "mig_mode"),
    ],
)
@pytest.mark.parametrize(
    "nvml_error", ["NVMLError_NotSupported", "NVMLError_NoPermission", "NVMLError_GpuIsLost"]
)
def test_one_failing_field_is_na(fake_pynvml, device, failing, field, nvml_error):
    mod = fake_pynvml([device(0), device(1)], fail={(failing, 1): nvml_error})
    facts = probe(NvmlBackend(mod), env=NO_ENV)
    broken, fine = facts.gpus[1], facts.gpus[0]
    expected_na = "Unknown NVIDIA GPU" if field == "name" else None
    assert getattr(broken, field) == expected_na
    assert getattr(fine, field) not in (None, "Unknown NVIDIA GPU")
    assert broken.total_bytes == 85031714816  # the other fields of the same GPU still read


def test_memory_not_supported_at_all_is_na(fake_pynvml, device):
    fail = {
        ("nvmlDeviceGetMemoryInfo_v2", 0): "NVMLError_NotSupported",
        ("nvmlDeviceGetMemoryInfo", 0): "NVMLError_NotSupported",
    }
    gpu = probe(NvmlBackend(fake_pynvml([device(0)], fail=fail)), env=NO_ENV).gpus[0]
    assert (gpu.total_bytes, gpu.used_bytes, gpu.free_bytes, gpu.reserved_bytes) == (None, None, None, None)


def test_unreadable_process_list_is_empty(fake_pynvml, device):
    mod = fake_pynvml(
        [device(0, compute=[(1, GIB)])],
        fail={"nvmlDeviceGetComputeRunningProcesses": "NVMLError_NoPermission"},
    )
    assert probe(NvmlBackend(mod), env=NO_ENV).gpus[0].processes == ()


def test_graphics_list_failure_keeps_compute_list(fake_pynvml, device):
    mod = fake_pynvml(
        [device(0, compute=[(1, GIB)])],
        fail={"nvmlDeviceGetGraphicsRunningProcesses": "NVMLError_NotSupported"},
    )
    assert [p.pid for p in probe(NvmlBackend(mod), env=NO_ENV).gpus[0].processes] == [1]


def test_handle_refused_makes_every_field_na(fake_pynvml, device):
    mod = fake_pynvml(
        [device(0), device(1)], fail={("nvmlDeviceGetHandleByIndex", 1): "NVMLError_NoPermission"}
    )
    facts = probe(NvmlBackend(mod), env=NO_ENV)
    gpu = facts.gpus[1]
    assert gpu.name == "Unknown NVIDIA GPU"
    assert (gpu.uuid, gpu.total_bytes, gpu.compute_capability, gpu.mig_mode) == (None, None, None, None)
    link = facts.link(0, 1)
    assert link is not None and (link.p2p, link.nvlink) == (None, None)


def test_system_fields_na(fake_pynvml, device):
    fail = {
        "nvmlSystemGetDriverVersion": "NVMLError_Unknown",
        "nvmlSystemGetCudaDriverVersion": "NVMLError_FunctionNotFound",
        "nvmlSystemGetNVMLVersion": "NVMLError_NotSupported",
    }
    facts = probe(NvmlBackend(fake_pynvml([device(0)], fail=fail)), env=NO_ENV)
    assert (facts.driver_version, facts.cuda_driver_version, facts.nvml_version) == (None, None, None)


def test_pcie_cards_without_p2p(fake_pynvml, device):
    devices = [device(i, nvlinks=0) for i in range(2)]
    mod = fake_pynvml(
        devices, p2p=lambda a, b: 2, nvlink_p2p=lambda a, b: 5
    )  # GPU_NOT_SUPPORTED / NOT_SUPPORTED
    facts = probe(NvmlBackend(mod), env=NO_ENV)
    link = facts.link(0, 1)
    assert link is not None and (link.p2p, link.nvlink) == (False, False)
    assert facts.all_pairs_p2p() is False


def test_p2p_status_unknown_is_na(fake_pynvml, device):
    mod = fake_pynvml([device(0), device(1)], p2p=lambda a, b: 6)
    facts = probe(NvmlBackend(mod), env=NO_ENV)
    assert facts.link(0, 1).p2p is None  # type: ignore[union-attr]
    assert facts.all_pairs_p2p() is None


@pytest.mark.parametrize(("links", "expected"), [((0, 18), False), ((18, 18), None), ((0, 0), False)])
def test_nvlink_falls_back_to_link_state(fake_pynvml, device, links, expected):
    devices = [device(0, nvlinks=links[0]), device(1, nvlinks=links[1])]
    mod = fake_pynvml(devices, fail={("nvmlDeviceGetP2PStatus", 2): "NVMLError_NotSupported"})
    assert probe(NvmlBackend(mod), env=NO_ENV).link(0, 1).nvlink is expected  # type: ignore[union-attr]


def test_link_state_error_means_unknown(fake_pynvml, device):
    fail = {
        ("nvmlDeviceGetP2PStatus", 2): "NVMLError_NotSupported",
        "nvmlDeviceGetNvLinkState": "NVMLError_Unknown",
    }
    mod = fake_pynvml([device(0), device(1)], fail=fail)
    assert probe(NvmlBackend(mod), env=NO_ENV).link(0, 1).nvlink is None  # type: ignore[union-attr]


def test_shutdown_error_is_swallowed(fake_pynvml, device):
    mod = fake_pynvml([device(0)], fail={"nvmlShutdown": "NVMLError_Unknown"})
    assert len(probe(NvmlBackend(mod), env=NO_ENV).gpus) == 1
    assert mod.calls["shutdown"] == 1


def test_visible_devices_apply_to_the_real_backend(fake_pynvml, device):
    mod = fake_pynvml([device(i) for i in range(4)])
    facts = probe(NvmlBackend(mod), env={"CUDA_VISIBLE_DEVICES": "2,GPU-00000000"})
    assert [g.pci_bus_id for g in facts.gpus] == ["00000000:1A:00.0", "00000000:18:00.0"]


def test_real_library_on_this_machine_gives_typed_error_or_gpus():
    # On a machine without an NVIDIA driver this exercises the true pynvml error path.
    try:
        facts = probe(NvmlBackend(), env=NO_ENV)
    except HardwareError as exc:
        assert "\n" not in exc.message and "--gpu H100" in exc.message
    else:
        assert facts.source == "nvml" and facts.gpus
