"""Typed errors for "no GPU can be detected", one class per cause the user can fix.

Both backends (real NVML and the JSON fake) raise these, so the CLI, the screens and the demo mode
handle one set of errors. Every message is one plain sentence that names the cause and the way on,
which always includes planning for catalog GPUs instead.
"""

from __future__ import annotations

from collections.abc import Callable

from wizard.errors import InputError, WizardError
from wizard.i18n import msg

CATALOG_HINT = msg("hardware.hint.catalog")


class HardwareError(WizardError):
    """GPU detection failed as a whole; `code` is a stable id for the UI and the fake fixtures."""

    code: str = "nvml_error"
    exit_code = 2


class NvmlLibraryNotFoundError(HardwareError):
    code = "library_not_found"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(msg("hardware.error.no_library", detail=detail or msg("hardware.error.library_missing"),
                             hint=CATALOG_HINT))


class NvmlDriverNotLoadedError(HardwareError):
    code = "driver_not_loaded"

    def __init__(self) -> None:
        super().__init__(msg("hardware.error.driver_not_loaded", hint=CATALOG_HINT))


class NvmlVersionMismatchError(HardwareError):
    code = "version_mismatch"

    def __init__(self) -> None:
        super().__init__(msg("hardware.error.version_mismatch", hint=CATALOG_HINT))


class NvmlNoPermissionError(HardwareError):
    code = "no_permission"

    def __init__(self) -> None:
        super().__init__(msg("hardware.error.no_permission", hint=CATALOG_HINT))


class NoGpuError(HardwareError):
    code = "no_gpu"

    def __init__(self, visible_devices: str | None = None, detected: int = 0) -> None:
        if visible_devices is not None and detected > 0:
            reason = msg("hardware.error.hidden_by_visible_devices", value=visible_devices, detected=detected)
        else:
            reason = msg("hardware.error.no_gpu")
        super().__init__(msg("hardware.error.with_hint", reason=reason, hint=CATALOG_HINT))
        self.visible_devices = visible_devices
        self.detected = detected


class NvmlError(HardwareError):
    """Any other NVML failure while starting up; the NVML text is kept for bug reports."""

    code = "nvml_error"

    def __init__(self, detail: str) -> None:
        super().__init__(msg("hardware.error.nvml_failed", detail=detail, hint=CATALOG_HINT))
        self.detail = detail


class UnknownGpuError(InputError):
    """A GPU name the catalog does not know; `candidates` are catalog keys that look close."""

    def __init__(self, name: str, candidates: list[str]) -> None:
        hint = msg("hardware.error.did_you_mean", names=", ".join(candidates)) if candidates else ""
        super().__init__(msg("hardware.error.unknown_gpu", name=name, hint=hint))
        self.name = name
        self.candidates = candidates


class AmbiguousGpuError(InputError):
    """A GPU name that fits several catalog entries equally well."""

    def __init__(self, name: str, candidates: list[str]) -> None:
        super().__init__(msg("hardware.error.ambiguous_gpu", name=name, names=", ".join(candidates)))
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
