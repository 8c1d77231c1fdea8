"""Step 1: the detected GPUs (memory used/total, compute capability, processes holding memory) and
which to use; or, with no GPU, an NVML error or by choice, catalog GPUs to plan for."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Checkbox, Input, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from screens.derive import Derived
from screens.i18n import core, t
from screens.state import ChooseCatalog, ChooseGpus, SetPlanInput, UseCatalog, WizardState
from screens.steps.base import StepScreen
from screens.widgets.toggles import StateCheckbox, StateSelectionList
from wizard.errors import InputError
from wizard.hardware.catalog import catalog_entries
from wizard.hardware.facts import GpuFacts, HardwareFacts
from wizard.planner.inputs import MAX_NODES
from wizard.hardware.host import parse_host_memory_gib
from wizard.i18n import msg

GIB = 1 << 30
COUNTS = (1, 2, 3, 4, 6, 8, 16)


def _gib(value: int | None) -> str:
    return t("common.na") if value is None else f"{value / GIB:.2f}"


def gpu_line(gpu: GpuFacts) -> str:
    return t("hardware.gpu_line", index=gpu.index, name=gpu.name, used=_gib(gpu.used_bytes),
             total=_gib(gpu.total_bytes), cc=gpu.compute_capability or t("common.na"))


def process_lines(hw: HardwareFacts) -> list[str]:
    lines = []
    for gpu in hw.gpus:
        for proc in gpu.processes:
            lines.append(t("hardware.process_line", index=gpu.index, pid=proc.pid,
                           name=proc.name or t("common.na"), used=_gib(proc.used_bytes)))
    return lines


class HardwareStep(StepScreen):
    STEP = 0
    BINDINGS = [Binding("c", "toggle_catalog", "key.catalog")]

    def __init__(self) -> None:
        super().__init__()
        self._invalid: set[str] = set()
        self._reasons: dict[str, str] = {}  # field -> the core's sentence for its bad input

    def compose_body(self) -> ComposeResult:
        yield Static(t("step.hardware.title"), classes="title")
        yield Static("", id="hw-status")
        yield StateSelectionList(id="gpu-list")
        yield Static("", id="gpu-processes")
        yield StateCheckbox(t("hardware.use_catalog"), id="use-catalog", compact=True)
        hw = self.wizard.state.hardware
        with Horizontal(id="catalog-row"):
            # Labels start with the catalog key so typing "h100" or "rtx-4090" in the open list finds it.
            options = [(f"{e.key} · {e.name} · {e.total_gib:.1f} GiB", e.key) for e in catalog_entries()]
            yield Select(options, id="catalog-gpu", allow_blank=False, compact=True, value=hw.catalog_key)
            yield Select([(t("hardware.count", count=n), n) for n in COUNTS], id="catalog-count",
                         allow_blank=False, compact=True,
                         value=hw.catalog_count if hw.catalog_count in COUNTS else COUNTS[0])
        with Horizontal(id="memory-row", classes="field"):
            yield Static(t("hardware.memory"), classes="label")
            yield Input("" if hw.catalog_memory_gib is None else f"{hw.catalog_memory_gib:g}", id="catalog-memory",
                        compact=True, placeholder=t("hardware.memory_hint"))
        with Horizontal(id="nodes-row", classes="field"):
            yield Static(t("hardware.nodes"), classes="label")
            yield Input(str(hw.nodes), id="nodes", compact=True, type="integer")
        with Horizontal(id="host-memory-row", classes="field"):
            yield Static(core(msg("appctl.hardware.host_memory")), classes="label")
            yield Input("" if hw.host_memory_gib is None else f"{hw.host_memory_gib:g}", id="host-memory",
                        compact=True, placeholder=self._host_hint(self.wizard.state))
        yield Static("", id="hw-input-error", classes="error")
        yield Static("", id="hw-summary")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#gpu-list").focus()

    def show(self, state: WizardState, derived: Derived) -> None:
        hw = state.hardware
        if hw.probing:
            self.set_text("#hw-status", t("hardware.probing"))
        elif hw.detected is None:
            self.set_text("#hw-status", t("hardware.failed", message=core(hw.error_message) or t("hardware.no_gpu")))
        else:
            d = hw.detected
            self.set_text("#hw-status", t("hardware.detected", count=len(d.gpus), driver=d.driver_version or
                                          t("common.na"), cuda=d.cuda_driver_version or t("common.na")))
        self.query_one("#hw-status").set_class(not hw.probing and hw.detected is None, "error")
        self._show_gpus(hw.detected, hw.selected)
        catalog = hw.use_catalog or hw.detected is None
        box = self.query_one("#use-catalog", Checkbox)
        box.display = hw.detected is not None
        if box.value != hw.use_catalog:
            box.value = hw.use_catalog
        gpu_list = self.query_one("#gpu-list")
        gpu_list.disabled = catalog
        if not catalog and not self._shown.get("list_focused"):
            # Disabled while probing, the list lost the focus on_mount gave it: give it once it is usable.
            self._shown["list_focused"] = True
            gpu_list.focus()
        row = self.query_one("#catalog-row")
        row.display = catalog and not hw.probing
        self.query_one("#memory-row").display = catalog and not hw.probing
        gpu_select, count_select = self.query_one("#catalog-gpu", Select), self.query_one("#catalog-count", Select)
        if gpu_select.value != hw.catalog_key:
            gpu_select.value = hw.catalog_key
        if hw.catalog_count in COUNTS and count_select.value != hw.catalog_count:
            count_select.value = hw.catalog_count
        self.query_one("#host-memory", Input).placeholder = self._host_hint(state)
        self._show_summary(derived)
        if self._shown.get("detected") != (hw.detected is not None):
            self._shown["detected"] = hw.detected is not None
            self.refresh_bindings()  # the catalog toggle key exists only with detected GPUs
        super().show(state, derived)

    def _show_gpus(self, detected: HardwareFacts | None, selected: tuple[int, ...]) -> None:
        gpus = self.query_one("#gpu-list", SelectionList)
        gpus.display = detected is not None
        if detected is None:
            return
        if gpus.option_count != len(detected.gpus):
            gpus.clear_options()
            gpus.add_options([Selection(gpu_line(g), g.index, g.index in selected) for g in detected.gpus])
            gpus.highlighted = 0  # Space toggles the first GPU straight away
        elif set(gpus.selected) != set(selected):
            gpus.deselect_all()
            for index in selected:
                gpus.select(index)
        procs = process_lines(detected)
        self.set_text("#gpu-processes",
                      "\n".join([t("hardware.processes"), *procs]) if procs else t("hardware.no_processes"))

    def _show_summary(self, derived: Derived) -> None:
        text = ""
        if derived.error:
            text = core(derived.error)
        elif derived.hardware is not None and derived.hardware.gpus:
            first = derived.hardware.gpus[0]
            count = len(self.wizard.state.hardware.selected) if not self._catalog() else len(derived.hardware.gpus)
            text = t("hardware.summary", count=count, name=first.name, total=_gib(first.total_bytes))
        self.set_text("#hw-summary", text)

    @staticmethod
    def _host_hint(state: WizardState) -> str:
        """What an empty Host RAM means: this machine's RAM when its GPUs are planned for, else unknown."""
        hw = state.hardware
        if hw.use_catalog or hw.detected is None or hw.host_memory_detected is None:
            return core(msg("appctl.hardware.host_memory_unknown"))
        return core(msg("appctl.hardware.host_memory_hint", gib=f"{hw.host_memory_detected / GIB:.1f}"))

    def _catalog(self) -> bool:
        hw = self.wizard.state.hardware
        return hw.use_catalog or hw.detected is None

    @on(SelectionList.SelectedChanged, "#gpu-list")
    def _gpus_changed(self, event: SelectionList.SelectedChanged) -> None:
        self.intend(ChooseGpus(tuple(event.selection_list.selected)))

    @on(Checkbox.Changed, "#use-catalog")
    def _catalog_changed(self, event: Checkbox.Changed) -> None:
        self.intend(UseCatalog(event.value))

    @on(Select.Changed, "#catalog-gpu")
    def _catalog_gpu(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.intend(ChooseCatalog(key=event.value))

    @on(Select.Changed, "#catalog-count")
    def _catalog_count(self, event: Select.Changed) -> None:
        if isinstance(event.value, int):
            self.intend(ChooseCatalog(count=event.value))

    def local_block(self) -> str | None:
        return "nav.blocked.invalid" if self._invalid else None

    def _mark(self, field: str, ok: bool, reason: str | None = None) -> None:
        (self._invalid.discard if ok else self._invalid.add)(field)
        if reason is None:
            self._reasons.pop(field, None)
        else:
            self._reasons[field] = reason
        self.set_text("#hw-input-error", " ".join(self._reasons.get(f) or t(f"hardware.invalid.{f}")
                                                  for f in sorted(self._invalid)))
        self.show(self.wizard.state, self.wizard.derived)

    @on(Input.Changed, "#catalog-memory")
    def _memory_changed(self, event: Input.Changed) -> None:
        text = event.value.strip().lower().removesuffix("gib").removesuffix("gb").strip()
        try:
            value = float(text) if text else None
        except ValueError:
            return self._mark("memory", False)
        if value is not None and not 1 <= value <= 4096:
            return self._mark("memory", False)
        self._mark("memory", True)
        self.intend(SetPlanInput("catalog_memory_gib", value))

    @on(Input.Changed, "#nodes")
    def _nodes_changed(self, event: Input.Changed) -> None:
        try:
            nodes = int(event.value.strip() or "1")
        except ValueError:
            return self._mark("nodes", False)
        if not 1 <= nodes <= MAX_NODES:
            return self._mark("nodes", False)
        self._mark("nodes", True)
        self.intend(SetPlanInput("nodes", nodes))

    @on(Input.Changed, "#host-memory")
    def _host_memory_changed(self, event: Input.Changed) -> None:
        # The field keeps what was typed; the plan keeps the last valid figure until it is fixed.
        try:
            value = parse_host_memory_gib(event.value)
        except InputError as exc:
            return self._mark("host_memory", False, core(exc.message))
        self._mark("host_memory", True)
        self.intend(SetPlanInput("host_memory_gib", value))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_catalog":  # nothing to toggle back to without detected GPUs
            return self.wizard.state.hardware.detected is not None
        return True

    def action_toggle_catalog(self) -> None:
        hw = self.wizard.state.hardware
        if hw.detected is not None:
            self.intend(UseCatalog(not hw.use_catalog))
