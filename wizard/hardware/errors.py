"""Typed errors for "no GPU can be detected", one class per cause the user can fix.

Both backends (real NVML and the JSON fake) raise these, so the CLI, the screens and the demo mode
handle one set of errors. Every message is one plain sentence that names the cause and the way on,
which always includes planning for catalog GPUs instead.
"""

from __future__ import annotations

from collections.abc import Callable

from wizard.errors import InputError, WizardError

CATALOG_HINT = "plan for catalog GPUs instead: vllm-wizard plan MODEL --gpu H100 --gpu-count 2"


class HardwareError(WizardError):
    """GPU detection failed as a whole; `code` is a stable id for the UI and the fake fixtures."""

    code: str = "nvml_error"
    exit_code = 2


class NvmlLibraryNotFoundError(HardwareError):
    code = "library_not_found"

    def __init__(
        self, detail: str = "NVIDIA's management library (libnvidia-ml.so.1) is not installed"
    ) -> None:
        super().__init__(f"{detail}, so no GPU can be detected; install the NVIDIA driver, or {CATALOG_HINT}")


class NvmlDriverNotLoadedError(HardwareError):
    code = "driver_not_loaded"

    def __init__(self) -> None:
        super().__init__(
            "the NVIDIA driver is not loaded (no GPU, or its kernel module failed to load; "
            f"`nvidia-smi` shows why), so no GPU can be detected; load the driver, or {CATALOG_HINT}"
        )


class NvmlVersionMismatchError(HardwareError):
    code = "version_mismatch"

    def __init__(self) -> None:
        super().__init__(
            "the NVIDIA driver and its management library have different versions (usually a "
            "driver upgrade without a reboot); reboot or reload the nvidia kernel module, or "
            f"{CATALOG_HINT}"
        )


class NvmlNoPermissionError(HardwareError):
    code = "no_permission"

    def __init__(self) -> None:
        super().__init__(
            "no permission to query the NVIDIA GPUs (check access to /dev/nvidia*, or start the "
            f"container with `--gpus all`); fix the permissions, or {CATALOG_HINT}"
        )


class NoGpuError(HardwareError):
    code = "no_gpu"

    def __init__(self, visible_devices: str | None = None, detected: int = 0) -> None:
        if visible_devices is not None and detected > 0:
            reason = (
                f"CUDA_VISIBLE_DEVICES={visible_devices!r} hides all {detected} GPU(s) NVML sees; "
                "unset it or list GPU indices or GPU-<uuid> prefixes"
            )
        else:
            reason = "NVML found no NVIDIA GPU on this machine"
        super().__init__(f"{reason}; {CATALOG_HINT}")
        self.visible_devices = visible_devices
        self.detected = detected


class NvmlError(HardwareError):
    """Any other NVML failure while starting up; the NVML text is kept for bug reports."""

    code = "nvml_error"

    def __init__(self, detail: str) -> None:
        super().__init__(f"NVML failed ({detail}), so no GPU can be detected; {CATALOG_HINT}")
        self.detail = detail


class UnknownGpuError(InputError):
    """A GPU name the catalog does not know; `candidates` are catalog keys that look close."""

    def __init__(self, name: str, candidates: list[str]) -> None:
        hint = f"did you mean {', '.join(candidates)}? " if candidates else ""
        super().__init__(
            f"unknown GPU {name!r}; {hint}`vllm-wizard gpus --catalog` lists the known GPUs "
            "(for one not in the catalog give --gpu-memory and --compute-capability)"
        )
        self.name = name
        self.candidates = candidates


class AmbiguousGpuError(InputError):
    """A GPU name that fits several catalog entries equally well."""

    def __init__(self, name: str, candidates: list[str]) -> None:
        super().__init__(
            f"GPU name {name!r} fits several catalog GPUs: {', '.join(candidates)}; name one of them "
            "(`vllm-wizard gpus --catalog` lists the known GPUs)"
        )
        self.name = name
        self.candidates = candidates


class FakeFixtureError(InputError):
    """VLLM_WIZARD_FAKE_GPUS names no fixture, or the fixture file is malformed."""


# Fixture "error" values -> the error the fake backend raises at start-up.
ERRORS_BY_CODE: dict[str, Callable[[], HardwareError]] = {
    cls.code: cls
    for cls in (
        NvmlLibraryNotFoundError,
        NvmlDriverNotLoadedError,
        NvmlVersionMismatchError,
        NvmlNoPermissionError,
    )
}
