"""Helpers for the app's tests (importable as `tui_support`): apps on fake services, settling, text."""

from __future__ import annotations

import io
from dataclasses import replace

from rich.console import Console
from textual.pilot import Pilot

from screens.app import AppConfig, WizardApp
from screens.demo import DEMO_MODEL_ID, demo_services
from screens.services import Services
from wizard.hardware.errors import HardwareError, NvmlDriverNotLoadedError

# Fixed, not the newest the planner knows: snapshots and argv must not move when that changes.
VLLM_VERSION = "0.33.0"
# Two 20 GB GPUs without P2P: at the utilization ceiling (0.92, wizard.planner.utilization) the
# context goal needs the two pipeline stages' KV cache rather than TP 2's.
DEMO_ARGV = (
    "vllm", "serve", DEMO_MODEL_ID, "--pipeline-parallel-size", "2", "--gpu-memory-utilization", "0.92",
    "--max-model-len", "32768", "--reasoning-parser", "qwen3",
    "--enable-auto-tool-choice", "--tool-call-parser", "hermes", "--host", "127.0.0.1", "--port", "8000",
)
DEMO_ENV = {"CUDA_DEVICE_ORDER": "PCI_BUS_ID", "CUDA_VISIBLE_DEVICES": "0,1"}


def failing_probe(error: HardwareError):
    def probe():
        raise error

    return probe


def make_app(*, services: Services | None = None, model_text: str = DEMO_MODEL_ID, demo: bool = False,
             dry_run: bool = False, export_dir=None) -> WizardApp:
    return WizardApp(AppConfig(services=services or demo_services(), vllm_version=VLLM_VERSION,
                               model_text=model_text, demo=demo, dry_run=dry_run, export_dir=export_dir))


def no_gpu_services(error: HardwareError | None = None) -> Services:
    return replace(demo_services(), probe=failing_probe(error or NvmlDriverNotLoadedError()))


async def settle(pilot: Pilot) -> None:
    """Let workers (probe, inspection) finish and their messages land. The app starts them after
    its first frame, so wait for that first (bounded: 10 s)."""
    await pilot.pause()
    for _ in range(1000):
        if getattr(pilot.app, "work_started", True):
            break
        await pilot.pause(0.01)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def press(pilot: Pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def screen_text(app: WizardApp) -> str:
    """What the terminal shows, as plain text (for asserting on labels without SVG parsing)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, color_system=None,
                      force_terminal=True)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()
