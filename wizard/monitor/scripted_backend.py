"""A fake GPU backend that plays a scripted sequence: values changing, a GPU falling off the bus,
an NVML error mid-run. It is FakeBackend (same fixture file, same N/A rules) plus a "script":

    "script": {"loop": true, "frames": [
        {"devices": {"*": {"utilization": {"gpu": 40}}, "1": {"temperature_c": 71}}},
        {"lost": [1]},                                   # GPU 1 is lost from here on
        {"nvml_error": "NVMLError_Unknown"},             # every NVML call fails in this frame
        {"field_errors": {"0": {"power_mw": "NVMLError_Unknown"}}}   # one field fails once
    ]}

Frames are cumulative: each frame deep-merges its "devices" overrides ("*" = every GPU) onto the
state the previous frame left, so a script lists only what changes. "lost" is sticky (a GPU that
fell off the bus stays lost until the loop restarts); "nvml_error" and "field_errors" last one
frame. `begin_sample()` (once per sampling round) moves to the next frame; the first round sees
frame 0. With "loop": false the last frame holds.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from wizard.hardware.backend import Unavailable
from wizard.hardware.errors import NvmlError
from wizard.hardware.fake_backend import FakeBackend


class _Fail:
    """Stands in for a field value whose read must fail with `code` in this frame."""

    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        self.code = code


def _merge(into: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


class ScriptedBackend(FakeBackend):
    def __init__(self, fixture: Mapping[str, Any], label: str = "fixture") -> None:
        super().__init__(fixture, label)
        script = fixture.get("script") or {}
        if not isinstance(script, Mapping) or not isinstance(script.get("frames", []), list):
            raise self._bad('"script" must be an object with a "frames" list')
        self._frames: list[Mapping[str, Any]] = list(script.get("frames", []))
        if not all(isinstance(f, Mapping) for f in self._frames):
            raise self._bad("every script frame must be an object")
        self._loop = bool(script.get("loop", True))
        self.frame = -1  # -1: the plain fixture, before the first sampling round
        self._reset()

    def _reset(self) -> None:
        self._devices: list[dict[str, Any]] = copy.deepcopy(list(self._fixture["devices"]))
        self._lost: set[int] = set()
        self._nvml_error: str | None = None
        self._field_errors: dict[int, dict[str, str]] = {}

    @property
    def scripted(self) -> bool:
        return bool(self._frames)

    def begin_sample(self) -> None:
        if not self._frames:
            return
        nxt = self.frame + 1
        if nxt >= len(self._frames):
            if not self._loop:
                # Holding the last frame: its one-frame failures are over.
                self._nvml_error, self._field_errors = None, {}
                return
            self._reset()
            nxt = 0
        self.frame = nxt
        self._apply(self._frames[nxt])

    def _apply(self, frame: Mapping[str, Any]) -> None:
        for key, overrides in (frame.get("devices") or {}).items():
            targets = range(len(self._devices)) if key == "*" else [int(key)]
            for index in targets:
                _merge(self._devices[index], overrides)
        self._lost |= {int(i) for i in frame.get("lost") or ()}
        self._nvml_error = frame.get("nvml_error")
        self._field_errors = {int(k): dict(v) for k, v in (frame.get("field_errors") or {}).items()}

    # -- FakeBackend hooks -------------------------------------------------------------------------

    def device_count(self) -> int:
        if self._nvml_error:
            raise NvmlError(self._nvml_error)
        return len(self._devices)

    def _device(self, index: int) -> Mapping[str, Any]:
        if self._nvml_error:
            raise Unavailable(self._nvml_error)
        if index in self._lost:
            raise Unavailable("NVMLError_GpuIsLost")
        if not 0 <= index < len(self._devices):
            raise self._bad(f"device {index} is missing or not an object")
        device = self._devices[index]
        failing = self._field_errors.get(index)
        if not failing:
            return device
        return {**device, **{key: _Fail(code) for key, code in failing.items()}}

    def _get(self, mapping: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
        value = mapping.get(key)
        if isinstance(value, _Fail):
            raise Unavailable(value.code)
        return super()._get(mapping, key, kind)

    def _find_process(self, pid: int, has: str) -> dict:
        """The scripted process entry for `pid` that carries `has`, on any reachable GPU."""
        for index in range(len(self._devices)):
            try:
                procs = self._device(index).get("processes") or ()
            except Unavailable:
                continue
            for proc in procs:
                if isinstance(proc, dict) and proc.get("pid") == pid and has in proc:
                    return proc
        raise Unavailable(f"no {has} for pid {pid}")

    def process_name(self, pid: int) -> str:
        name = self._find_process(pid, "name")["name"]
        if not isinstance(name, str):
            raise Unavailable(f"no name for pid {pid}")
        return name

    def process_details(self, pid: int) -> Mapping[str, Any]:
        return self._find_process(pid, "cmdline")
