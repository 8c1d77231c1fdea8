"""Placeholder Textual app until the wizard screens land (issue: the wizard itself)."""

from __future__ import annotations

from importlib.resources import files

from textual.app import App, ComposeResult
from textual.widgets import Footer, Static

from wizard import __version__


def stylesheet_text() -> str:
    return files("assets").joinpath("wizard.tcss").read_text(encoding="utf-8")


class WizardApp(App[None]):
    TITLE = "vllm-wizard"
    CSS = stylesheet_text()
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static(f"vllm-wizard {__version__}", id="title")
        yield Static(
            "The guided screens are not built yet. Use the headless commands meanwhile:\n\n"
            "  vllm-wizard gpus [--catalog] [--json]\n"
            "  vllm-wizard inspect PATH [--json]\n"
            "  vllm-wizard plan MODEL [options] [--json]\n",
            id="body",
        )
        yield Footer()


def run_app() -> int:
    WizardApp().run()
    return 0
