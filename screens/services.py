"""The blocking work the app delegates to thread workers: GPU probe, model inspection, the models
already on disk, downloads and the launch preparation. Each is a function from wizard/, gathered in
one `Services` object so tests and the demo swap them without monkeypatching Textual.

A service raises on failure (a WizardError with the user's sentence, or anything else for a bug or
an OS error); the app's one worker-failure handler turns that into the intent that ends the wait.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.hardware.host import host_memory_bytes
from wizard.hardware.probe import probe

if TYPE_CHECKING:
    from pathlib import Path

    from wizard.hardware.facts import HardwareFacts
    from wizard.launch.command import LaunchCommand
    from wizard.launch.options import LaunchOptions
    from wizard.launch.preflight import Consent
    from wizard.launch.prepare import Preparation
    from wizard.launch.records import LaunchRecord
    from wizard.model.facts import ModelFacts
    from wizard.planner.plan import Plan

    PrepareFn = Callable[[Plan, LaunchCommand, LaunchOptions, Consent], Preparation]
    StartFn = Callable[[Plan, LaunchCommand, LaunchOptions, Path | None], LaunchRecord]

ProgressFn = Callable[[int, int | None], None]


@dataclass(frozen=True)
class Inspection:
    facts: ModelFacts
    ref: str  # what `vllm serve` is given
    needs_download: bool = False  # described from the hub; the weights are not on disk yet


@dataclass(frozen=True)
class CachedModel:
    ref: str  # text the model step inspects when this entry is picked
    label: str  # shown in the list: id, revision, size, completeness


def read_host_memory() -> int | None:
    return host_memory_bytes()


@dataclass(frozen=True)
class Services:
    probe: Callable[[], HardwareFacts]  # raises wizard.hardware.errors.HardwareError
    inspect: Callable[[str], Inspection]  # raises wizard.errors.WizardError
    cached_models: Callable[[], list[CachedModel]]
    # (ref, progress(done, total), cancel event) -> None; raises WizardError. None: not offered (demo).
    download: Callable[[str, ProgressFn, threading.Event], None] | None = None
    # The launcher's preparation before Launch. None: launch without it (the demo prints, never execs).
    prepare: PrepareFn | None = None
    # Start vLLM detached (the Launch step). None: no background launch (the demo runs no vLLM).
    launch: StartFn | None = None
    # This machine's RAM in bytes (None: unknown), the default for the Host RAM plan input.
    host_memory: Callable[[], int | None] = read_host_memory


def probe_hardware() -> HardwareFacts:
    return probe()


def inspect_model(text: str) -> Inspection:
    """A folder or a complete cached copy offline; otherwise the hub's metadata (no weights)."""
    from wizard.hub.resolve import load_model_facts  # noqa: PLC0415 - wizard.hub.resolve loads in the inspect worker, not for the first frame

    facts, ref = load_model_facts(text)
    # Facts read from disk carry the folder; facts described from the hub have none yet.
    return Inspection(facts, ref, needs_download=facts.source != "local" and facts.path is None)


def list_cached_models() -> list[CachedModel]:
    from wizard.hub.cache import cached_models  # noqa: PLC0415 - the hub cache loads in the worker that lists cached models, off the UI thread

    return [CachedModel(ref=m.ref, label=m.label) for m in cached_models()]


def download_model(ref: str, progress: ProgressFn, cancel: threading.Event, local_dir: str | None = None) -> None:
    """The hub's cancellable download, reported as (bytes done, bytes total); into `local_dir` when
    given (a folder vLLM is then given), else into the hub's own cache."""
    from wizard.hub.download import download  # noqa: PLC0415 - wizard.hub.download loads when a download starts, not for the first frame

    for event in download(ref, cancel=cancel, local_dir=local_dir):
        progress(event.done_bytes, event.total_bytes or None)


def prepare_launch(plan: Plan, command: LaunchCommand, options: LaunchOptions, consent: Consent) -> Preparation:
    """`vllm-wizard serve`'s own preparation (wizard/launch/prepare.py), nothing added."""
    from wizard.launch.prepare import prepare_launch as prepare  # noqa: PLC0415 - wizard.launch.prepare pulls pydantic: kept off start-up

    return prepare(plan, command, options, consent=consent)


def start_detached(plan: Plan, command: LaunchCommand, options: LaunchOptions, vllm_exe: Path | None) -> LaunchRecord:
    """`vllm-wizard serve --detach`'s own start (wizard/launch/detach.py), nothing added."""
    from wizard.launch.detach import start_detached as start  # noqa: PLC0415 - wizard.launch.detach pulls psutil and pydantic: kept off start-up

    return start(command, plan, options, vllm_exe=vllm_exe)


def default_services() -> Services:
    return Services(probe=probe_hardware, inspect=inspect_model, cached_models=list_cached_models,
                    download=download_model, prepare=prepare_launch, launch=start_detached)
