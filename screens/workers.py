"""The app's background work when it fails: one table from each worker group to the intent that ends
its pending state, the sentence the user reads, and whether Ctrl+T can try it again.

Workers (screens/app.py) run the blocking services in threads and report to the UI in one way only:
they post an `Intent` (their result, or progress). They do not catch failures: a worker that raises
ends in Worker.StateChanged(ERROR), and the app's single handler asks `failure()` here what that
means. So a probe that raises cannot leave the Hardware step on "probing", nor a full disk a
download on "running". Pure functions of the state and the error: unit-tested without a terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from screens.i18n import core, t
from screens.messages import Exported
from screens.state import (
    CachedModelsFound,
    DownloadEnded,
    InspectFailed,
    PrepFinished,
    ProbeFinished,
    WizardState,
)
from wizard.errors import WizardError
from wizard.hardware.errors import HardwareError
from wizard.hub.errors import UnreachableError

if TYPE_CHECKING:
    from wizard.launch.command import LaunchCommand

PROBE, INSPECT, DOWNLOAD, CACHED, PREPARE, EXPORT = "probe", "inspect", "download", "cached", "prepare", "export"
GROUPS = (PROBE, INSPECT, DOWNLOAD, CACHED, PREPARE, EXPORT)
RETRY_KEY = "ctrl+t"

Severity = Literal["information", "warning", "error"]


@dataclass(frozen=True)
class Failure:
    intent: object  # folded like any other intent: ends the pending state
    message: str  # one sentence for the user (empty: the screen already says it)
    severity: Severity = "error"
    retry: bool = True  # Ctrl+T runs the group again


@dataclass(frozen=True)
class Context:
    """What the app knew when the worker failed."""

    state: WizardState
    command: LaunchCommand | None  # the command on the Review step (prepare)
    name: str = ""  # the worker's name: the export kind
    cancelled: bool = False  # the user cancelled the download


def reason(error: BaseException) -> str:
    """The failure in one line: the wizard's own sentence, the OS's words, else the exception."""
    if isinstance(error, WizardError):
        return core(error.message)  # the core's sentence, in the screen's language
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    return f"{type(error).__name__}: {error}"


def _probe(error: BaseException, ctx: Context) -> Failure:
    if isinstance(error, HardwareError):  # no driver, no GPU: a finding, shown on the step
        return Failure(ProbeFinished(error_code=error.code, error_message=error.message), "", retry=False)
    code = "nvml_error" if isinstance(error, WizardError) else "probe_failed"
    return Failure(ProbeFinished(error_code=code, error_message=reason(error)),
                   t("worker.probe_failed", reason=reason(error)))


def _inspect(error: BaseException, ctx: Context) -> Failure:
    text = reason(error) if isinstance(error, WizardError) else t("model.unexpected", error=reason(error))
    if isinstance(error, UnreachableError):
        from screens.hub import hf_id  # noqa: PLC0415 - the hub helpers load only for an unreachable hub, not for the first frame

        repo = hf_id(ctx.state.model.pending or "")
        if repo is not None:  # Hugging Face is blocked or down: ModelScope hosts most open models
            text += "\n" + t("model.try_modelscope", ref=f"ms:{repo}")
    # The step shows the sentence; a toast only for a bug or the OS, which the user did not cause.
    return Failure(InspectFailed(ctx.state.model.pending or "", text), "" if isinstance(error, WizardError) else text)


def _download(error: BaseException, ctx: Context) -> Failure:
    if ctx.cancelled:  # a cancel surfaces as DownloadCancelledError: the user's choice, not a failure
        return Failure(DownloadEnded(cancelled=True), "", retry=False)
    text = reason(error) if isinstance(error, WizardError) else t("worker.download_failed", reason=reason(error))
    return Failure(DownloadEnded(error=text), text)


def _cached(error: BaseException, ctx: Context) -> Failure:
    return Failure(CachedModelsFound(()), t("worker.cached_failed", reason=reason(error)), "warning")


def _prepare(error: BaseException, ctx: Context) -> Failure:
    from wizard.launch.prepare import could_not_run  # noqa: PLC0415 - wizard.launch.prepare pulls pydantic: kept off start-up

    if ctx.command is None:
        return Failure(PrepFinished(None), "", retry=False)
    prepared = could_not_run(ctx.command, reason(error))
    return Failure(PrepFinished(prepared), t("worker.prepare_failed", reason=reason(error)))


def _export(error: BaseException, ctx: Context) -> Failure:
    from screens.exporting import ExportExists  # noqa: PLC0415 - screens.exporting pulls pydantic: kept off start-up

    if isinstance(error, ExportExists):  # asked once; the same export again replaces the file
        return Failure(Exported(ctx.name, "exists"), t("review.export_exists", path=str(error.path)), "warning",
                       retry=False)
    return Failure(Exported(ctx.name, "failed"), t("review.export_failed", reason=reason(error)))


FAILURES: dict[str, Callable[[BaseException, Context], Failure]] = {
    PROBE: _probe, INSPECT: _inspect, DOWNLOAD: _download, CACHED: _cached, PREPARE: _prepare, EXPORT: _export,
}


def failure(group: str, error: BaseException, ctx: Context) -> Failure:
    """What a failed worker of `group` means; a group missing from the table is a bug in the app."""
    return FAILURES[group](error, ctx)
