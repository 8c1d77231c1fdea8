"""Step 2: the model. Models already on disk, or a folder / Hugging Face / ModelScope id inspected at
once; a download with a byte progress bar when the weights are not here yet."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Input, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from screens import hub
from screens.derive import Derived
from screens.hub import HubChoice, current_endpoint
from screens.i18n import core, t
from screens.messages import CancelDownload, Inspect, StartDownload
from screens.services import CachedModel
from screens.state import InspectCancelled, ModelState, SetLoraAdapters, WizardState
from screens.steps.base import StepScreen
from screens.widgets.lora_dialog import LoraDialog
from screens.widgets.paste_command import PasteInput
from wizard.errors import WizardError
from wizard.i18n import msg
from wizard.model.facts import ModelFacts
from wizard.model.lora_adapter import LoraAdapter

GIB = 1 << 30
MIB = 1 << 20
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
TICK = 0.2  # seconds between spinner frames while inspecting


def duration_text(seconds: float) -> str:
    """A remaining time as people say it: 45 s, 12 min, 2 h 05 min."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def rate_text(start: tuple[float, int], now: tuple[float, int], total: int | None) -> str:
    """Speed since the download started and the time left at that speed ("" until measurable)."""
    elapsed, done = now[0] - start[0], now[1] - start[1]
    if elapsed < 0.5 or done <= 0:
        return ""
    speed = done / elapsed
    eta = duration_text((total - now[1]) / speed) if total is not None and total >= now[1] else "?"
    return t("model.download_rate", speed=f"{speed / MIB:.1f}", eta=eta)


def facts_lines(facts: ModelFacts) -> list[str]:
    """The facts that drive the plan, one per line (numbers formatted, words from the catalog)."""
    arch, w = facts.arch, facts.weights
    quant = facts.quantization.method if facts.quantization else t("model.none")
    lines = [
        t("model.fact.id", value=facts.id),
        t("model.fact.architecture", value=facts.architecture or t("common.na"), type=facts.model_type or "?"),
        t("model.fact.params", value=f"{w.params / 1e9:.2f}", gib=f"{w.total_bytes / GIB:.2f}"),
        t("model.fact.dtype", value=w.checkpoint_dtype or arch.torch_dtype or t("common.na"), quant=quant),
        t("model.fact.context", value=f"{arch.max_position_embeddings or 0:,}"),
        t("model.fact.layers", layers=arch.num_layers, heads=arch.num_attention_heads, kv=arch.num_kv_heads),
    ]
    parsers = [p for p in (facts.parsers.reasoning_parser, facts.parsers.tool_call_parser) if p]
    if parsers:
        lines.append(t("model.fact.parsers", value=", ".join(parsers)))
    if not facts.has_weights:
        lines.append(t("model.fact.estimated"))
    return lines


class ModelStep(StepScreen):
    STEP = 1
    BINDINGS = [Binding("ctrl+g", "download", "key.download"), Binding("ctrl+o", "hub", "key.hub"),
                # Not in the footer (it is full at 80x24): the button names the key, F1 lists it.
                Binding("ctrl+l", "lora", "appctl.key.lora", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self._pending_since: tuple[str, float] | None = None  # (text, monotonic start) while inspecting
        self._download_start: tuple[float, int] | None = None  # (monotonic, bytes) when it started

    def compose_body(self) -> ComposeResult:
        yield Static(t("step.model.title"), classes="title")
        with Horizontal(id="model-row"):
            yield PasteInput(self.wizard.state.model.text, placeholder=t("model.placeholder"), id="model-input")
            yield Button(t("model.hub"), id="hub", compact=True)
            yield Button(core(msg("appctl.lora.button")), id="lora", compact=True)
        refusal = Static("", id="paste-error", classes="error")
        refusal.display = False  # a refused paste's one sentence, shown under the input
        yield refusal
        yield Static("", id="model-status")
        yield Static("", id="model-facts")
        yield Static("", id="lora-summary")
        with Horizontal(id="download-row"):
            yield Button(t("model.download"), id="download", compact=True)
            yield ProgressBar(total=None, id="download-bar", show_eta=False)
        yield Static("", id="download-status")
        with Horizontal(id="download-dir-row", classes="field"):
            yield Static(t("model.download_dir"), classes="label")
            yield Input("", id="download-dir", compact=True, placeholder=t("model.download_dir_hint"))
        yield Static(t("model.on_disk"), classes="subtitle", id="cached-title")
        yield OptionList(id="cached")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#model-input").focus()
        self.set_interval(TICK, self._tick)

    def _inspecting_text(self, pending: str) -> str:
        if self._pending_since is None or self._pending_since[0] != pending:
            self._pending_since = (pending, time.monotonic())
        elapsed = time.monotonic() - self._pending_since[1]
        return t("model.inspecting_for", spinner=SPINNER[int(elapsed / TICK) % len(SPINNER)], text=pending,
                 seconds=int(elapsed))

    def _tick(self) -> None:
        pending = self.wizard.state.model.pending
        if pending is not None and self.is_current:
            self.set_text("#model-status", self._inspecting_text(pending))

    def close_panel(self) -> bool:
        """Esc while inspecting stops waiting for the hub (instead of leaving the step)."""
        pending = self.wizard.state.model.pending
        if pending is None:
            return False
        self.intend(InspectCancelled(pending))
        self.notify(t("model.inspect_cancelled", text=pending))
        return True

    def _show_cached(self, found: tuple[CachedModel, ...]) -> None:
        # The app lists the caches in a worker at start (screens/app.py); shown once they change.
        if self._shown.get("cached") == found:
            return
        self._shown["cached"] = found
        cached = self.query_one("#cached", OptionList)
        cached.clear_options()
        cached.add_options([Option(m.label, id=m.ref) for m in found])
        if found:
            cached.highlighted = 0  # Enter picks the first straight away
        cached.display = bool(found)
        self.query_one("#cached-title").display = bool(found)

    def show(self, state: WizardState, derived: Derived) -> None:
        model = state.model
        self.query_one("#model-status").set_class(bool(model.error) and model.pending is None, "error")
        if model.pending is not None:
            status = self._inspecting_text(model.pending)
        elif model.error:
            status = model.error
        else:
            status = t("model.inspected" if model.facts is not None else "model.hint")
        if model.pending is None:
            self._pending_since = None
        self.set_text("#model-status", status)
        self.set_text("#model-facts",
                      "\n".join(facts_lines(model.facts)) if model.facts and model.pending is None else "")
        self._show_lora(state, derived)
        self._show_download(model)
        self._show_cached(model.cached)
        super().show(state, derived)

    def _show_lora(self, state: WizardState, derived: Derived) -> None:
        summary = self.query_one("#lora-summary")
        summary.display = bool(state.lora)
        if not state.lora:
            return
        summary.set_class(derived.error is not None, "error")
        if derived.error is not None:
            self.set_text("#lora-summary", core(derived.error))
        elif derived.plan is not None:
            self.set_text("#lora-summary", core(msg("appctl.lora.summary", names=", ".join(a.name for a in state.lora),
                                                    rank=derived.plan.settings.max_lora_rank)))

    def _show_download(self, model: ModelState) -> None:
        d = model.download
        available = self.wizard.config.services.download is not None
        row = self.query_one("#download-row")
        row.display = available and (model.needs_download or d.running or d.finished)
        self.query_one("#download-dir-row").display = available and model.needs_download and not d.running
        self.query_one("#download", Button).label = t("model.cancel" if d.running else "model.download")
        bar = self.query_one("#download-bar", ProgressBar)
        bar.display = d.running or d.finished  # an idle bar would animate as "indeterminate"
        bar.update(total=d.total, progress=d.done)
        text = ""
        if not d.running:
            self._download_start = None
        elif self._download_start is None or d.done < self._download_start[1]:
            self._download_start = (time.monotonic(), d.done)
        if d.running:
            total = "?" if d.total is None else f"{d.total / GIB:.2f}"
            text = t("model.downloading", done=f"{d.done / GIB:.2f}", total=total)
            assert self._download_start is not None
            rate = rate_text(self._download_start, (time.monotonic(), d.done), d.total)
            text += f" · {rate}" if rate else ""
        elif d.error:
            text = d.error
        elif d.finished:
            text = t("model.downloaded")
        elif model.needs_download:
            text = t("model.needs_download")
        self.set_text("#download-status", text)

    @on(Input.Submitted, "#model-input")
    def _submit(self, event: Input.Submitted) -> None:
        from wizard.check.paste import looks_like_command  # noqa: PLC0415 - wizard.check (30 modules) loads only when a command is pasted

        text = event.value.strip()
        error = self.query_one("#paste-error", Static)
        error.update("")
        error.display = False
        if text and looks_like_command(text):
            # A pasted `vllm serve` command or YAML path: the Plan step opens with its flags pinned.
            refused = self.wizard.paste(text)
            if refused is not None:
                from wizard.check.paste import masked  # noqa: PLC0415 - wizard.check (30 modules) loads only when a command is pasted

                error.update(refused)  # the input keeps the text (secrets masked): nothing is lost
                error.display = True
                event.input.value = masked(event.value)
            else:
                event.input.value = self.wizard.state.model.text  # the model, not the command (secrets)
        elif text:
            self.intend(Inspect(text))

    @on(OptionList.OptionSelected, "#cached")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        ref = event.option.id or ""
        self.query_one("#model-input", Input).value = ref
        self.intend(Inspect(ref))

    @on(Button.Pressed, "#download")
    def action_download(self) -> None:
        model = self.wizard.state.model
        if model.download.running:
            self.intend(CancelDownload())
        elif self.wizard.config.services.download is None:
            self.notify(t("model.download_unavailable"), severity="warning")
        elif model.needs_download and model.ref is not None:
            folder = self.query_one("#download-dir", Input).value.strip()
            self.intend(StartDownload(str(Path(folder).expanduser().absolute()) if folder else None))
        elif model.facts is None:
            self.notify(t("model.nothing_to_download.no_model"), severity="warning")
        elif model.facts.source == "local":
            self.notify(t("model.nothing_to_download.local", text=model.text))
        else:
            self.notify(t("model.nothing_to_download", text=model.text))

    @on(Button.Pressed, "#hub")
    def action_hub(self) -> None:
        from screens.widgets.hub_dialog import HubDialog  # noqa: PLC0415 - the hub dialog's widgets load when it opens, not for the first frame

        self.app.push_screen(HubDialog(current_endpoint(model_text=self.wizard.state.model.text)), self._hub_chosen)

    @on(Button.Pressed, "#lora")
    def action_lora(self) -> None:
        state = self.wizard.state
        taken = tuple(n for n in (state.exposure.served_model_name, state.model.ref) if n)
        self.app.push_screen(LoraDialog(state.lora, taken), self._lora_chosen)

    def _lora_chosen(self, adapters: tuple[LoraAdapter, ...] | None) -> None:
        if adapters is not None and adapters != self.wizard.state.lora:
            self.intend(SetLoraAdapters(adapters))

    def _hub_chosen(self, choice: HubChoice | None) -> None:
        if choice is not None:
            # Storing a token writes files and may import a hub client: never on the event loop.
            self.run_worker(partial(self._apply_hub, choice), group="hub-access", thread=True, exclusive=True,
                            exit_on_error=False)

    def _apply_hub(self, choice: HubChoice) -> None:
        try:
            stored = hub.apply(choice)
        except WizardError as exc:
            self.app.call_from_thread(self.notify, core(exc.message), severity="error")
            return
        self.app.call_from_thread(self._hub_applied, choice, stored)

    def _hub_applied(self, choice: HubChoice, stored: Path | None) -> None:
        lines = [t("hub.saved", where=t(f"hub.endpoint.{choice.endpoint}"))]
        if choice.token.strip():
            if stored is None:
                lines.append(t("hub.token_session"))
            elif choice.endpoint == "modelscope":
                lines.append(core(msg("appctl.ms_token.saved", path=str(stored))))
            else:
                lines.append(t("hub.token_saved", path=str(stored)))
        self.notify(" ".join(lines))
        text = hub.model_text_for(self.wizard.state.model.text, choice.endpoint)
        if text:
            self.query_one("#model-input", Input).value = text
            self.intend(Inspect(text))  # the same model, from where it now comes
