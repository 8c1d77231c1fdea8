"""Step 2: the model. Models already on disk, or a folder / Hugging Face / ModelScope id inspected at
once; a download with a byte progress bar when the weights are not here yet."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Input, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from screens.derive import Derived
from screens.i18n import t
from screens.messages import CancelDownload, Inspect, StartDownload
from screens.services import CachedModel
from screens.state import ModelState, WizardState
from screens.steps.base import StepScreen
from screens.widgets.paste_command import PasteInput
from wizard.model.facts import ModelFacts

GIB = 1 << 30


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
    BINDINGS = [Binding("ctrl+g", "download", "key.download")]

    def compose_body(self) -> ComposeResult:
        yield Static(t("step.model.title"), classes="title")
        yield PasteInput(self.wizard.state.model.text, placeholder=t("model.placeholder"), id="model-input")
        refusal = Static("", id="paste-error", classes="error")
        refusal.display = False  # a refused paste's one sentence, shown under the input
        yield refusal
        yield Static("", id="model-status")
        yield Static("", id="model-facts")
        with Horizontal(id="download-row"):
            yield Button(t("model.download"), id="download", compact=True)
            yield ProgressBar(total=None, id="download-bar", show_eta=False)
        yield Static("", id="download-status")
        yield Static(t("model.on_disk"), classes="subtitle", id="cached-title")
        yield OptionList(id="cached")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#model-input").focus()

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
            status = t("model.inspecting", text=model.pending)
        elif model.error:
            status = model.error
        else:
            status = t("model.inspected" if model.facts is not None else "model.hint")
        self.set_text("#model-status", status)
        self.set_text("#model-facts",
                      "\n".join(facts_lines(model.facts)) if model.facts and model.pending is None else "")
        self._show_download(model)
        self._show_cached(model.cached)
        super().show(state, derived)

    def _show_download(self, model: ModelState) -> None:
        d = model.download
        available = self.wizard.config.services.download is not None
        row = self.query_one("#download-row")
        row.display = available and (model.needs_download or d.running or d.finished)
        self.query_one("#download", Button).label = t("model.cancel" if d.running else "model.download")
        bar = self.query_one("#download-bar", ProgressBar)
        bar.display = d.running or d.finished  # an idle bar would animate as "indeterminate"
        bar.update(total=d.total, progress=d.done)
        text = ""
        if d.running:
            total = "?" if d.total is None else f"{d.total / GIB:.2f}"
            text = t("model.downloading", done=f"{d.done / GIB:.2f}", total=total)
        elif d.error:
            text = d.error
        elif d.finished:
            text = t("model.downloaded")
        elif model.needs_download:
            text = t("model.needs_download")
        self.set_text("#download-status", text)

    @on(Input.Submitted, "#model-input")
    def _submit(self, event: Input.Submitted) -> None:
        from wizard.check.paste import looks_like_command

        text = event.value.strip()
        error = self.query_one("#paste-error", Static)
        error.update("")
        error.display = False
        if text and looks_like_command(text):
            # A pasted `vllm serve` command or YAML path: the Plan step opens with its flags pinned.
            refused = self.wizard.paste(text)
            if refused is not None:
                from wizard.check.paste import masked

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
        if self.wizard.config.services.download is None:
            return
        running = self.wizard.state.model.download.running
        self.intend(CancelDownload() if running else StartDownload())
