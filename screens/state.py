"""The wizard's state: one frozen object, replaced (never mutated) by folding intents into it.

Screens post intents; the app folds each into a new `WizardState` with `reduce` and re-derives the
plan from it (screens/derive.py). Nothing here imports Textual, so every transition is unit-tested
without a terminal. Nothing here plans either: the planner in wizard/ decides every setting.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from wizard.hardware.facts import HardwareFacts
from wizard.model.facts import ModelFacts
from wizard.planner.inputs import Goals

if TYPE_CHECKING:
    from pydantic import SecretStr

    from screens.services import CachedModel
    from wizard.check.paste import Paste
    from wizard.launch.prepare import Preparation
    from wizard.model.lora_adapter import LoraAdapter

STEPS = ("hardware", "model", "goals", "plan", "review")
DEFAULT_CATALOG_GPU = "h100-sxm"


@dataclass(frozen=True)
class HardwareState:
    probing: bool = True
    detected: HardwareFacts | None = None
    error_code: str | None = None  # HardwareError.code when detection failed
    error_message: str | None = None
    use_catalog: bool = False  # plan for catalog GPUs instead of the detected ones
    selected: tuple[int, ...] = ()  # detected GPU indices to use
    catalog_key: str = DEFAULT_CATALOG_GPU
    catalog_count: int = 1
    catalog_memory_gib: float | None = None  # per-GPU memory override for catalog GPUs (None: the catalog's)
    nodes: int = 1  # nodes with these same GPUs (multi-node: Ray / LWS)
    host_memory_gib: float | None = None  # host RAM typed by the user (None: the detected figure)
    host_memory_detected: int | None = None  # this machine's RAM in bytes (psutil, read in the probe worker)


@dataclass(frozen=True)
class DownloadState:
    done: int = 0
    total: int | None = None
    running: bool = False
    error: str | None = None
    finished: bool = False


@dataclass(frozen=True)
class ModelState:
    text: str = ""  # what the user typed or picked: a folder, org/name, hf:… or ms:…
    pending: str | None = None  # the text being inspected right now
    facts: ModelFacts | None = None
    ref: str | None = None  # what `vllm serve` is given
    error: str | None = None
    needs_download: bool = False  # inspected remotely; weights not on disk yet
    download: DownloadState = DownloadState()
    cached: tuple[CachedModel, ...] = ()  # complete models in the local hub caches, listed at start


@dataclass(frozen=True)
class Exposure:
    """Who may connect. The key is a SecretStr so it never shows in a repr, log or traceback."""

    all_interfaces: bool = False
    api_key: SecretStr | None = None
    port: int = 8000
    served_model_name: str | None = None  # --served-model-name: the name clients ask for


@dataclass(frozen=True)
class WizardState:
    step: int = 0
    vllm_version: str = ""  # the release planned for
    installed_version: str = ""  # the default: the installed vLLM's (or the newest known)
    hardware: HardwareState = HardwareState()
    model: ModelState = ModelState()
    goals: Goals = Goals()
    pins: tuple[tuple[str, Any], ...] = ()  # sorted (name, value): hashable and order-free
    exposure: Exposure = Exposure()
    demo: bool = False
    # The launcher's preparation of the command on the Review step (wizard/launch/prepare.py).
    prep: Preparation | None = None
    prep_pending: bool = False
    # A pasted `vllm serve` command or YAML (Model step / palette): its flags are the pins, and the
    # flags the planner does not model go into the final command (screens/derive.py).
    paste: Paste | None = None
    # LoRA adapters served beside the model (wizard.model.lora_adapter), in the order they were added.
    lora: tuple[LoraAdapter, ...] = ()

    @property
    def pinned(self) -> dict[str, Any]:
        return dict(self.pins)

    @property
    def step_name(self) -> str:
        return STEPS[self.step]


# --- intents: what a screen (or a worker) says happened ------------------------------------------


@dataclass(frozen=True)
class ProbeStarted:
    pass


@dataclass(frozen=True)
class ProbeFinished:
    facts: HardwareFacts | None = None
    error_code: str | None = None
    error_message: str | None = None


@dataclass(frozen=True)
class HostMemoryRead:
    """This machine's RAM, read off the event loop with the probe (None: it cannot be read)."""

    total_bytes: int | None


@dataclass(frozen=True)
class ChooseGpus:
    indices: tuple[int, ...]


@dataclass(frozen=True)
class UseCatalog:
    on: bool


@dataclass(frozen=True)
class ChooseCatalog:
    key: str | None = None
    count: int | None = None


@dataclass(frozen=True)
class CachedModelsFound:
    models: tuple[CachedModel, ...]


@dataclass(frozen=True)
class InspectStarted:
    text: str


@dataclass(frozen=True)
class InspectFinished:
    text: str
    facts: ModelFacts
    ref: str
    needs_download: bool = False


@dataclass(frozen=True)
class InspectFailed:
    text: str
    message: str


@dataclass(frozen=True)
class InspectCancelled:
    """The user stopped waiting (Esc): the worker's late answer is dropped as stale."""

    text: str


@dataclass(frozen=True)
class DownloadProgress:
    done: int
    total: int | None = None


@dataclass(frozen=True)
class DownloadEnded:
    error: str | None = None  # None: finished; "" : cancelled; text: failed
    cancelled: bool = False
    folder: str | None = None  # downloaded into a chosen folder: the model is served from there


@dataclass(frozen=True)
class SetGoals:
    goals: Goals


@dataclass(frozen=True)
class SetExposure:
    all_interfaces: bool | None = None
    api_key: str | None = None  # "" clears it
    port: int | None = None


@dataclass(frozen=True)
class SetPlanInput:
    """A plan input that is not a vLLM setting: "vllm_version", "catalog_memory_gib", "nodes",
    "served_model_name", "host_memory_gib". None restores the default."""

    name: str
    value: Any = None


@dataclass(frozen=True)
class SetLoraAdapters:
    """The adapters to serve, as the LoRA panel leaves them (each already read and checked)."""

    adapters: tuple[LoraAdapter, ...]


@dataclass(frozen=True)
class SetPin:
    name: str
    value: Any


@dataclass(frozen=True)
class ClearPin:
    name: str


@dataclass(frozen=True)
class ApplyFix:
    pins: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class GoTo:
    step: int


@dataclass(frozen=True)
class PrepStarted:
    pass


@dataclass(frozen=True)
class PrepFinished:
    prepared: Preparation | None  # the app drops results for a command that has since changed


@dataclass(frozen=True)
class PasteRead:
    """A pasted command, read (wizard.check.paste): its pins, GPUs and exposure; its model is inspected next."""

    paste: Paste


StateIntent = (ProbeStarted | ProbeFinished | HostMemoryRead | CachedModelsFound | ChooseGpus | UseCatalog | ChooseCatalog
               | InspectStarted | InspectFinished | InspectFailed | InspectCancelled | DownloadProgress | DownloadEnded
               | SetGoals | SetExposure | SetPlanInput | SetLoraAdapters | SetPin | ClearPin | ApplyFix | GoTo | PrepStarted | PrepFinished
               | PasteRead)


def _pins(pins: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(pins.items()))


def _reduce_hardware(hw: HardwareState, intent: Any) -> HardwareState:
    if isinstance(intent, ProbeStarted):
        return replace(hw, probing=True, error_code=None, error_message=None)
    if isinstance(intent, ProbeFinished):
        if intent.facts is not None and intent.facts.gpus:
            return replace(hw, probing=False, detected=intent.facts, error_code=None, error_message=None,
                           selected=tuple(g.index for g in intent.facts.gpus), use_catalog=False)
        # No GPU or an NVML error: say so and plan for catalog GPUs instead.
        return replace(hw, probing=False, detected=None, error_code=intent.error_code or "no_gpu",
                       error_message=intent.error_message, use_catalog=True)
    if isinstance(intent, HostMemoryRead):
        return replace(hw, host_memory_detected=intent.total_bytes)
    if isinstance(intent, ChooseGpus):
        known = {g.index for g in hw.detected.gpus} if hw.detected else set()
        return replace(hw, selected=tuple(sorted(i for i in set(intent.indices) if i in known)))
    if isinstance(intent, UseCatalog):
        # Detected hardware cannot be chosen when there is none.
        return replace(hw, use_catalog=intent.on or hw.detected is None)
    if isinstance(intent, ChooseCatalog):
        return replace(hw, catalog_key=intent.key or hw.catalog_key,
                       catalog_count=max(1, intent.count) if intent.count is not None else hw.catalog_count)
    return hw


def _reduce_model(model: ModelState, intent: Any) -> ModelState:
    if isinstance(intent, CachedModelsFound):
        return replace(model, cached=intent.models)
    if isinstance(intent, InspectStarted):
        return replace(model, text=intent.text, pending=intent.text, error=None)
    if isinstance(intent, InspectFinished):
        if intent.text != model.pending:
            return model  # a stale answer for text the user has since replaced
        # A finished download stays on screen when the re-inspection confirms the weights are here.
        kept = model.download if model.download.finished and not intent.needs_download else DownloadState()
        return replace(model, pending=None, facts=intent.facts, ref=intent.ref, error=None,
                       needs_download=intent.needs_download, download=kept)
    if isinstance(intent, InspectFailed):
        if intent.text != model.pending:
            return model
        return replace(model, pending=None, facts=None, ref=None, error=intent.message, needs_download=False)
    if isinstance(intent, InspectCancelled):
        if intent.text != model.pending:
            return model
        return replace(model, pending=None, error=None)
    if isinstance(intent, DownloadProgress):
        return replace(model, download=replace(model.download, done=intent.done, total=intent.total,
                                               running=True, error=None, finished=False))
    if isinstance(intent, DownloadEnded):
        ok = intent.error is None and not intent.cancelled
        return replace(model, needs_download=model.needs_download and not ok,
                       download=replace(model.download, running=False, error=intent.error, finished=ok))
    return model


def _reduce_exposure(exp: Exposure, intent: SetExposure) -> Exposure:
    # Imported when a key is first set: the app's first frame does not wait for pydantic.
    from pydantic import SecretStr  # noqa: PLC0415 - pydantic: loaded only when used, not at start-up

    key = exp.api_key
    if intent.api_key is not None:
        key = SecretStr(intent.api_key) if intent.api_key else None
    return replace(
        exp,
        all_interfaces=exp.all_interfaces if intent.all_interfaces is None else intent.all_interfaces,
        api_key=key,
        port=exp.port if intent.port is None else intent.port,
    )


def _reduce_paste(state: WizardState, intent: PasteRead) -> WizardState:
    paste, hw = intent.paste, state.hardware
    if paste.gpu_indices:
        if hw.detected is not None and not hw.use_catalog:
            chosen = _reduce_hardware(hw, ChooseGpus(paste.gpu_indices))
            hw = chosen if chosen.selected else hw  # none of them here: the GPUs chosen before stay
        else:
            hw = replace(hw, catalog_count=len(paste.gpu_indices))
    exposure = replace(state.exposure,
                       all_interfaces=state.exposure.all_interfaces if paste.all_interfaces is None else paste.all_interfaces,
                       port=paste.port or state.exposure.port)
    # The command's pins replace the earlier ones; while `paste` is set the plan is exact (nothing
    # chosen: unset flags at the release's defaults), so what is predicted is exactly that command.
    return replace(state, paste=paste, pins=paste.pins, hardware=hw, exposure=exposure)


def _reduce_plan_input(state: WizardState, intent: SetPlanInput, default_version: str) -> WizardState:
    if intent.name == "vllm_version":
        return replace(state, vllm_version=intent.value or default_version)
    if intent.name == "served_model_name":
        return replace(state, exposure=replace(state.exposure, served_model_name=intent.value or None))
    if intent.name == "catalog_memory_gib":
        return replace(state, hardware=replace(state.hardware, catalog_memory_gib=intent.value))
    if intent.name == "nodes":
        return replace(state, hardware=replace(state.hardware, nodes=max(1, intent.value or 1)))
    if intent.name == "host_memory_gib":
        return replace(state, hardware=replace(state.hardware, host_memory_gib=intent.value))
    return state


def reduce(state: WizardState, intent: Any) -> WizardState:
    """The state after `intent`; unknown intents leave it unchanged."""
    if isinstance(intent, PasteRead):
        return _reduce_paste(state, intent)
    if isinstance(intent, InspectStarted) and state.paste is not None and intent.text != state.paste.model:
        state = replace(state, paste=None)  # another model typed by hand: no longer that command
    if isinstance(intent, ProbeStarted | ProbeFinished | HostMemoryRead | ChooseGpus | UseCatalog | ChooseCatalog):
        return replace(state, hardware=_reduce_hardware(state.hardware, intent))
    if isinstance(intent, CachedModelsFound | InspectStarted | InspectFinished | InspectFailed | InspectCancelled
                  | DownloadProgress | DownloadEnded):
        return replace(state, model=_reduce_model(state.model, intent))
    if isinstance(intent, SetGoals):
        return replace(state, goals=intent.goals)
    if isinstance(intent, SetExposure):
        return replace(state, exposure=_reduce_exposure(state.exposure, intent))
    if isinstance(intent, SetPlanInput):
        return _reduce_plan_input(state, intent, state.installed_version or state.vllm_version)
    if isinstance(intent, SetLoraAdapters):
        return replace(state, lora=intent.adapters)
    if isinstance(intent, SetPin):
        return replace(state, pins=_pins({**state.pinned, intent.name: intent.value}))
    if isinstance(intent, ClearPin):
        return replace(state, pins=_pins({k: v for k, v in state.pins if k != intent.name}))
    if isinstance(intent, ApplyFix):
        return replace(state, pins=_pins({**state.pinned, **dict(intent.pins)}))
    if isinstance(intent, GoTo):
        return replace(state, step=min(max(intent.step, 0), len(STEPS) - 1))
    if isinstance(intent, PrepStarted):
        return replace(state, prep=None, prep_pending=True)
    if isinstance(intent, PrepFinished):
        return replace(state, prep=intent.prepared, prep_pending=False)
    return state


def blocked_reason(state: WizardState) -> str | None:
    """The catalog key saying why Next cannot leave the current step, or None when it can."""
    hw, model = state.hardware, state.model
    if state.step_name == "hardware":
        if hw.probing:
            return "nav.blocked.probing"
        if not hw.use_catalog and not hw.selected:
            return "nav.blocked.no_gpu_selected"
    elif state.step_name == "model":
        if model.pending is not None:
            return "nav.blocked.inspecting"
        if model.facts is None:
            return "nav.blocked.no_model"
    elif state.step_name == "goals":
        if state.exposure.all_interfaces and state.exposure.api_key is None:
            return "nav.blocked.api_key"
    elif state.step_name == "review":
        return "nav.blocked.last_step"
    return None


def plan_inputs(state: WizardState) -> tuple:
    """Everything the plan depends on: the app re-plans only when this changes."""
    return (state.hardware, state.model.facts, state.model.ref, state.goals, state.pins, state.vllm_version,
            state.exposure, state.paste, state.lora)
