"""Shared fixtures for the hardware tests: a stand-in `pynvml` module and fixture-file writers."""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

MIB = 1 << 20
GIB = 1 << 30

ERROR_NAMES = (
    "NVMLError_LibraryNotFound",
    "NVMLError_DriverNotLoaded",
    "NVMLError_LibRmVersionMismatch",
    "NVMLError_NoPermission",
    "NVMLError_NotSupported",
    "NVMLError_InvalidArgument",
    "NVMLError_FunctionNotFound",
    "NVMLError_NotFound",
    "NVMLError_GpuIsLost",
    "NVMLError_Unknown",
)


def h100_device(i: int, **overrides: Any) -> dict[str, Any]:
    """One device of the stand-in module, shaped like an H100 SXM as NVML reports it."""
    device = {
        "name": b"NVIDIA H100 80GB HBM3",  # bytes, as older pynvml releases return
        "uuid": f"GPU-{i:08x}-aaaa-bbbb-cccc-{i:012x}",
        "bus": f"00000000:{0x18 + i:02X}:00.0".encode(),
        "total": 81559 * MIB,
        "reserved": 81559 * MIB - 85031714816,
        "used": 0,
        "cc": (9, 0),
        "mig": [0, 0],
        "compute": [],
        "graphics": [],
        "nvlinks": 18,
        "memory_v2": True,
    }
    device.update(overrides)
    return device


def make_fake_pynvml(
    devices: list[dict[str, Any]],
    fail: dict[Any, str] | None = None,
    p2p: Callable[[int, int], int] = lambda a, b: 0,
    nvlink_p2p: Callable[[int, int], int] = lambda a, b: 0,
    process_names: dict[int, str] | None = None,
) -> types.ModuleType:
    """A module object with pynvml's names, driven by `devices`.

    `fail` maps a function name, or (function name, device index), to the NVMLError subclass name
    that call raises. `p2p` / `nvlink_p2p` return an NVML_P2P_STATUS value for a pair.
    """
    fail = dict(fail or {})
    names = dict(process_names or {})
    mod = types.ModuleType("pynvml")
    mod.calls = {"init": 0, "shutdown": 0}  # type: ignore[attr-defined]

    class NVMLError(Exception):
        pass

    mod.NVMLError = NVMLError  # type: ignore[attr-defined]
    for name in ERROR_NAMES:
        setattr(mod, name, type(name, (NVMLError,), {}))
    # The real binding really defines this one as the tuple (0,).
    mod.NVML_P2P_CAPS_INDEX_READ = (0,)  # type: ignore[attr-defined]
    mod.NVML_P2P_CAPS_INDEX_NVLINK = 2  # type: ignore[attr-defined]
    mod.NVML_P2P_STATUS_OK = 0  # type: ignore[attr-defined]
    mod.NVML_P2P_STATUS_UNKNOWN = 6  # type: ignore[attr-defined]
    mod.NVML_DEVICE_MIG_ENABLE = 1  # type: ignore[attr-defined]
    mod.NVML_FEATURE_ENABLED = 1  # type: ignore[attr-defined]
    mod.NVML_NVLINK_MAX_LINKS = 18  # type: ignore[attr-defined]
    mod.nvmlMemory_v2 = 0x2000028  # type: ignore[attr-defined]

    def check(fn: str, index: int | None = None) -> None:
        error = fail.get((fn, index)) or fail.get(fn)
        if error:
            raise getattr(mod, error)()

    def dev(handle: tuple[str, int]) -> tuple[int, dict[str, Any]]:
        assert isinstance(handle, tuple) and handle[0] == "handle", handle
        return handle[1], devices[handle[1]]

    def api(fn: Callable[..., Any]) -> Callable[..., Any]:
        setattr(mod, fn.__name__, fn)
        return fn

    @api
    def nvmlInit() -> None:
        check("nvmlInit")
        mod.calls["init"] += 1  # type: ignore[attr-defined]

    @api
    def nvmlShutdown() -> None:
        mod.calls["shutdown"] += 1  # type: ignore[attr-defined]
        check("nvmlShutdown")

    @api
    def nvmlDeviceGetCount() -> int:
        check("nvmlDeviceGetCount")
        return len(devices)

    @api
    def nvmlSystemGetDriverVersion() -> str:
        check("nvmlSystemGetDriverVersion")
        return "570.133.20"

    @api
    def nvmlSystemGetCudaDriverVersion() -> int:
        check("nvmlSystemGetCudaDriverVersion")
        return 12080

    @api
    def nvmlSystemGetNVMLVersion() -> str:
        check("nvmlSystemGetNVMLVersion")
        return "12.570.133.20"

    @api
    def nvmlDeviceGetHandleByIndex(index: int) -> tuple[str, int]:
        check("nvmlDeviceGetHandleByIndex", index)
        if not 0 <= index < len(devices):
            raise mod.NVMLError_InvalidArgument()  # type: ignore[attr-defined]
        return ("handle", index)

    def simple(fn_name: str, key: str) -> None:
        def fn(handle: tuple[str, int]) -> Any:
            index, device = dev(handle)
            check(fn_name, index)
            return device[key]

        fn.__name__ = fn_name
        api(fn)

    simple("nvmlDeviceGetName", "name")
    simple("nvmlDeviceGetUUID", "uuid")
    simple("nvmlDeviceGetCudaComputeCapability", "cc")
    simple("nvmlDeviceGetMigMode", "mig")

    @api
    def nvmlDeviceGetPciInfo(handle: tuple[str, int]) -> Any:
        index, device = dev(handle)
        check("nvmlDeviceGetPciInfo", index)
        return types.SimpleNamespace(busId=device["bus"])

    @api
    def nvmlDeviceGetMemoryInfo(handle: tuple[str, int], version: int | None = None) -> Any:
        index, device = dev(handle)
        total, reserved, used = device["total"], device["reserved"], device["used"]
        if version:
            check("nvmlDeviceGetMemoryInfo_v2", index)
            if not device["memory_v2"]:
                raise mod.NVMLError_FunctionNotFound()  # type: ignore[attr-defined]
            return types.SimpleNamespace(
                total=total, reserved=reserved, used=used, free=total - reserved - used
            )
        check("nvmlDeviceGetMemoryInfo", index)
        return types.SimpleNamespace(total=total, used=used + reserved, free=total - reserved - used)

    def procs(fn_name: str, key: str) -> None:
        def fn(handle: tuple[str, int]) -> list[Any]:
            index, device = dev(handle)
            check(fn_name, index)
            return [types.SimpleNamespace(pid=pid, usedGpuMemory=used) for pid, used in device[key]]

        fn.__name__ = fn_name
        api(fn)

    procs("nvmlDeviceGetComputeRunningProcesses", "compute")
    procs("nvmlDeviceGetGraphicsRunningProcesses", "graphics")

    @api
    def nvmlSystemGetProcessName(pid: int) -> bytes:
        check("nvmlSystemGetProcessName")
        if pid not in names:
            raise mod.NVMLError_NotFound()  # type: ignore[attr-defined]
        return names[pid].encode()

    @api
    def nvmlDeviceGetP2PStatus(h1: tuple[str, int], h2: tuple[str, int], caps: int) -> int:
        # ctypes would reject anything but an int here (the tuple constant included).
        if not isinstance(caps, int):
            raise TypeError(f"caps index must be an int, got {caps!r}")
        a, _ = dev(h1)
        b, _ = dev(h2)
        check("nvmlDeviceGetP2PStatus", caps)
        return nvlink_p2p(a, b) if caps == 2 else p2p(a, b)

    @api
    def nvmlDeviceGetNvLinkState(handle: tuple[str, int], link: int) -> int:
        index, device = dev(handle)
        check("nvmlDeviceGetNvLinkState", index)
        if device["nvlinks"] == 0:
            raise mod.NVMLError_NotSupported()  # type: ignore[attr-defined]
        if link >= device["nvlinks"]:
            raise mod.NVMLError_InvalidArgument()  # type: ignore[attr-defined]
        return 1

    return mod


@pytest.fixture
def fake_pynvml() -> Callable[..., types.ModuleType]:
    return make_fake_pynvml


@pytest.fixture
def device() -> Callable[..., dict[str, Any]]:
    return h100_device


@pytest.fixture
def write_fixture(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Write a fake-GPU fixture to a temporary .json file and return its path."""

    def write(data: dict[str, Any]) -> Path:
        path = tmp_path / f"fixture-{len(list(tmp_path.iterdir()))}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    return write
