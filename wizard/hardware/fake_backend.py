"""A GPU backend fed by a JSON fixture: tests, demo mode, and machines without GPUs.

Selected by VLLM_WIZARD_FAKE_GPUS (a fixture name shipped in wizard/data/fake_gpus, or a path to a
JSON file). A fixture mimics what NVML would answer, raw: memory figures before the probe derives
the CUDA-visible total, NVML indices in PCI order. A field that is null or absent reads as
`Unavailable` (N/A), and `"error": "<code>"` makes `start` raise the same typed error the real
backend raises, so every failure path can be demonstrated without a driver.

Fixture shape (every key optional except "devices"):
    {"description": str, "error": null | "library_not_found" | "driver_not_loaded" |
     "version_mismatch" | "no_permission", "driver_version": str, "cuda_driver_version": int,
     "nvml_version": str,
     "devices": [{"name", "uuid", "pci_bus_id", "memory": {"total", "used", "free", "reserved"},
                  "compute_capability": [major, minor], "mig_mode": bool, "nvlinks_active": int,
                  "pcie": [max generation, max lanes],
                  "processes": [{"pid", "used_bytes", "name", "kind"}]}],
     "p2p": "all" | "none" | [[a, b], ...], "nvlink": same as "p2p"}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from wizard import envvars as ev
from wizard.hardware.backend import MemoryInfo, ProcessInfo, Unavailable
from wizard.hardware.errors import ERRORS_BY_CODE, FakeFixtureError
from wizard.i18n import msg


def _fixture_dir() -> Any:
    return resources.files("wizard") / "data" / "fake_gpus"


def fixture_names() -> list[str]:
    """The fixtures shipped with the package, by name (file name without .json)."""
    return sorted(
        entry.name[: -len(".json")] for entry in _fixture_dir().iterdir() if entry.name.endswith(".json")
    )


def load_fixture(spec: str) -> tuple[str, dict[str, Any]]:
    """Resolve a fixture name or path to (label, parsed JSON); FakeFixtureError if neither works."""
    looks_like_path = spec.endswith(".json") or "/" in spec or "\\" in spec
    if looks_like_path:
        path = Path(spec).expanduser()
        if not path.is_file():
            raise FakeFixtureError(msg("hardware.error.fixture_missing", var=ev.FAKE_GPUS, spec=spec))
        label, text = str(path), path.read_text(encoding="utf-8")
    else:
        resource = _fixture_dir() / f"{spec}.json"
        if not resource.is_file():
            raise FakeFixtureError(msg("hardware.error.fixture_unknown", var=ev.FAKE_GPUS, spec=spec,
                                       names=", ".join(fixture_names())))
        label, text = spec, resource.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FakeFixtureError(msg("hardware.error.fixture_json", label=label, why=exc.msg, line=exc.lineno)) from None
    if not isinstance(data, dict) or not isinstance(data.get("devices"), list):
        raise FakeFixtureError(msg("hardware.error.fixture_shape", label=label))
    error = data.get("error")
    if error is not None and error not in ERRORS_BY_CODE:
        raise FakeFixtureError(msg("hardware.error.fixture_error", label=label, error=error,
                                   names=", ".join(sorted(ERRORS_BY_CODE))))
    return label, data


class FakeBackend:
    source: Literal["nvml", "fake"] = "fake"

    def __init__(self, fixture: Mapping[str, Any], label: str = "fixture") -> None:
        self._fixture = fixture
        self.label = label
        self.started = False
        self.shutdown_calls = 0

    @classmethod
    def from_spec(cls, spec: str) -> FakeBackend:
        label, data = load_fixture(spec)
        return cls(data, label)

    def _bad(self, what: str) -> FakeFixtureError:
        return FakeFixtureError(msg("hardware.error.fixture_bad", label=self.label, what=what))

    def _get(self, mapping: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
        value = mapping.get(key)
        if value is None:
            raise Unavailable(key)
        # bool is an int subclass: refuse it where a number is expected.
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
            raise self._bad(f"{key!r} has the wrong type ({type(value).__name__})")
        return value

    def _device(self, index: int) -> Mapping[str, Any]:
        devices = self._fixture["devices"]
        if not 0 <= index < len(devices) or not isinstance(devices[index], dict):
            raise self._bad(f"device {index} is missing or not an object")
        return devices[index]

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        error = self._fixture.get("error")
        if error is not None:
            raise ERRORS_BY_CODE[error]()
        self.started = True

    def shutdown(self) -> None:
        self.shutdown_calls += 1
        self.started = False

    # -- system ----------------------------------------------------------------------------------

    def device_count(self) -> int:
        return len(self._fixture["devices"])

    def driver_version(self) -> str:
        return self._get(self._fixture, "driver_version", str)

    def cuda_driver_version(self) -> int:
        return self._get(self._fixture, "cuda_driver_version", int)

    def nvml_version(self) -> str:
        return self._get(self._fixture, "nvml_version", str)

    # -- per device ------------------------------------------------------------------------------

    def name(self, index: int) -> str:
        return self._get(self._device(index), "name", str)

    def uuid(self, index: int) -> str:
        return self._get(self._device(index), "uuid", str)

    def pci_bus_id(self, index: int) -> str:
        return self._get(self._device(index), "pci_bus_id", str)

    def memory(self, index: int) -> MemoryInfo:
        mem = self._get(self._device(index), "memory", dict)
        total, used, free = (self._get(mem, key, int) for key in ("total", "used", "free"))
        reserved = mem.get("reserved")
        if reserved is not None and (not isinstance(reserved, int) or isinstance(reserved, bool)):
            raise self._bad("'reserved' has the wrong type")
        return MemoryInfo(total, used, free, reserved)

    def compute_capability(self, index: int) -> tuple[int, int]:
        cc = self._get(self._device(index), "compute_capability", list)
        if len(cc) != 2 or not all(isinstance(part, int) for part in cc):
            raise self._bad("'compute_capability' must be [major, minor]")
        return cc[0], cc[1]

    def mig_mode(self, index: int) -> bool:
        return self._get(self._device(index), "mig_mode", bool)

    def processes(self, index: int) -> list[ProcessInfo]:
        found = []
        for proc in self._get(self._device(index), "processes", list):
            if not isinstance(proc, dict) or not isinstance(proc.get("pid"), int):
                raise self._bad(f"device {index}: every process needs an integer 'pid'")
            kind = proc.get("kind", "compute")
            if kind not in ("compute", "graphics", "unknown"):
                raise self._bad(f"device {index}: process kind {kind!r}")
            found.append(ProcessInfo(proc["pid"], proc.get("used_bytes"), kind))
        return found

    def process_name(self, pid: int) -> str:
        for device in self._fixture["devices"]:
            for proc in device.get("processes") or ():
                if proc.get("pid") == pid and isinstance(proc.get("name"), str):
                    return proc["name"]
        raise Unavailable(f"no name for pid {pid}")

    def active_nvlinks(self, index: int) -> int:
        return self._get(self._device(index), "nvlinks_active", int)

    def pcie_link(self, index: int) -> tuple[int, int]:
        link = self._get(self._device(index), "pcie", list)
        if len(link) != 2 or not all(isinstance(part, int) and not isinstance(part, bool) for part in link):
            raise self._bad("'pcie' must be [generation, lanes]")
        return link[0], link[1]

    # -- pairs -----------------------------------------------------------------------------------

    def _pair(self, key: str, a: int, b: int) -> bool:
        value = self._fixture.get(key)
        if value is None:
            raise Unavailable(key)
        if value == "all":
            return a != b
        if value == "none":
            return False
        if isinstance(value, list):
            return any(isinstance(p, list) and sorted(p) == sorted((a, b)) for p in value)
        raise self._bad(f'{key!r} must be "all", "none" or a list of [a, b] pairs')

    def p2p_read(self, a: int, b: int) -> bool:
        return self._pair("p2p", a, b)

    def nvlink_p2p(self, a: int, b: int) -> bool:
        return self._pair("nvlink", a, b)


    # -- live samples (the monitor; see wizard/monitor/gpu_backend.py) -----------------------------
    # Optional per-device keys, each absent or null = N/A: "utilization": {"gpu", "memory"} (%),
    # "temperature_c", "power_mw", "power_limit_mw", "fan_percent", "clocks_mhz": {"sm", "mem"},
    # "pcie_kib_s": {"tx", "rx"}, "pstate"; per process "user", "cmdline", "cpu_percent",
    # "mem_percent", "elapsed_s" (what psutil would say). wizard/monitor/scripted_backend.py plays
    # sequences of these over time.

    def begin_sample(self) -> None:
        """A static fixture answers the same every round."""

    def _number(self, mapping: Mapping[str, Any], key: str) -> float:
        return self._get(mapping, key, (int, float))

    def utilization_rates(self, index: int) -> tuple[int, int]:
        rates = self._get(self._device(index), "utilization", dict)
        return int(self._number(rates, "gpu")), int(self._number(rates, "memory"))

    def temperature_c(self, index: int) -> int:
        return int(self._number(self._device(index), "temperature_c"))

    def power_usage_mw(self, index: int) -> int:
        return int(self._number(self._device(index), "power_mw"))

    def power_limit_mw(self, index: int) -> int:
        return int(self._number(self._device(index), "power_limit_mw"))

    def fan_speed_percent(self, index: int) -> int:
        return int(self._number(self._device(index), "fan_percent"))

    def clock_mhz(self, index: int, domain: Literal["sm", "mem"]) -> int:
        return int(self._number(self._get(self._device(index), "clocks_mhz", dict), domain))

    def pcie_throughput_kib_s(self, index: int, direction: Literal["tx", "rx"]) -> int:
        return int(self._number(self._get(self._device(index), "pcie_kib_s", dict), direction))

    def performance_state(self, index: int) -> int:
        return int(self._number(self._device(index), "pstate"))

    def process_details(self, pid: int) -> Mapping[str, Any]:
        """The fixture's host-side view of a process (user, cmdline...); Unavailable if it has none,
        which the monitor reports like a process in another container."""
        for index in range(self.device_count()):
            for proc in self._device(index).get("processes") or ():
                if isinstance(proc, dict) and proc.get("pid") == pid and "cmdline" in proc:
                    return proc
        raise Unavailable(f"no host details for pid {pid}")


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)
