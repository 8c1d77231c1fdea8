"""Every screen rendered in zh_CN, at 80x24 and 120x40, holds no English sentence: the five steps,
the dialogs (hub access, F1 keys, export, edit a setting) and the monitor. Flag names, units,
product and model names are allowed (they stay as they are in Chinese writing too).

Texts that come from the headless core (the planner's reasons and warnings, the launcher's checks,
the exported files shown on Review) are rendered through the core catalog (wizard.i18n) and are
left out here while the core speaks English: CORE_TEXT names the widgets that show them."""

from __future__ import annotations

import asyncio
import re

import pytest
from tui_support import make_app, press, screen_text, settle

from screens.i18n import set_language

SIZES = [(80, 24), (120, 40)]
# Names, units and terms written in Latin letters in Chinese text as well.
ALLOWED = {
    "gpu", "gpus", "vllm", "cuda", "nvidia", "geforce", "rtx", "api", "key", "gib", "mib", "tokens", "token", "kv",
    "hugging", "face", "modelscope", "qwen", "hermes", "ssh", "tmux", "yaml", "docker", "compose", "systemd",
    "kubernetes", "deployment", "service", "config", "serve", "ctrl", "esc", "tab", "shift", "enter", "space",
    "pgup", "pgdn", "safetensors", "bfloat", "nccl", "driver", "mhz", "pcie", "ray", "lws", "hf", "org",
    "name", "mirror", "com", "co", "huggingface", "http", "https", "palette", "demo", "localhost", "sxm", "hbm",
    "vram", "tp", "pp", "fp", "int", "awq", "gptq", "moe", "mla", "sm", "url", "host", "port", "sk",
    "wizard", "monitor", "pid", "cpu", "mem", "ms", "ttft", "itl", "util", "clk", "fan", "pstate", "ram", "swap",
    "load", "rx", "tx", "up",
}
SENTENCE = re.compile(r"[A-Za-z]+(?:[ ,']+[A-Za-z]+){2,}")
CORE_TEXT = ("#warnings", "#settings", "#setting-why", "#review-checks", "#review-yaml", "#review-command",
             "#review-env", "#verdict", "#setting-reason", "#review-warnings")


def english_sentences(text: str) -> list[str]:
    found = []
    for match in SENTENCE.finditer(text):
        words = re.findall(r"[A-Za-z]{2,}", match.group())
        if len(words) >= 2 and any(w.lower() not in ALLOWED for w in words):
            found.append(match.group())
    return found


def _hide_core_text(app) -> None:
    for selector in CORE_TEXT:
        for widget in app.screen.query(selector):
            widget.display = False


async def _check(pilot, where: str, problems: list[str]) -> None:
    await pilot.pause()
    _hide_core_text(pilot.app)
    await pilot.pause()
    for sentence in english_sentences(screen_text(pilot.app)):
        problems.append(f"{where}: {sentence!r}")


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_every_wizard_screen_is_chinese(size):
    set_language("zh_CN")
    problems: list[str] = []

    async def drive():
        app = make_app(demo=True)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            for step in range(5):
                if step:
                    await press(pilot, "ctrl+n")
                await _check(pilot, f"step {step}", problems)
                if step == 2:  # all interfaces, a generated key shown once
                    app.screen.query_one("#goal-exposure").focus()
                    await press(pilot, "down", "enter", "ctrl+r")
                    await _check(pilot, "goals with a key", problems)
                await press(pilot, "f1")
                await _check(pilot, f"F1 on step {step}", problems)
                await press(pilot, "escape")
            await press(pilot, "x")
            await _check(pilot, "export picker", problems)
            await press(pilot, "escape", "escape", "escape", "escape")
            await press(pilot, "ctrl+o")
            await _check(pilot, "hub access", problems)
            await press(pilot, "escape")

    asyncio.run(drive())
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_the_monitor_is_chinese(size):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "monitor"))
    from monitor_support import run_rounds, scripted_sampler, up

    from screens.monitor.app import MonitorApp

    set_language("zh_CN")
    problems: list[str] = []
    sampler, clock = scripted_sampler("monitor-h100-x8", server=[up("v0.11.0", 0)])
    snap = run_rounds(sampler, clock, 3)
    # The advice under the server's figures is the core's text (wizard.monitor.advice), see CORE_TEXT.
    import dataclasses

    snap = dataclasses.replace(snap, server=dataclasses.replace(snap.server, advice=()))

    async def drive():
        app = MonitorApp(sampler.config, sampler=sampler, autostart=False)
        async with app.run_test(size=size) as pilot:
            app.monitor.show(snap)
            await _check(pilot, "monitor", problems)
            await press(pilot, "p")
            await _check(pilot, "monitor paused", problems)

    asyncio.run(drive())
    sampler.close()
    assert problems == [], "\n".join(problems)


def test_the_detector_finds_english_and_allows_names():
    assert english_sentences("Space toggles a GPU.") == ["Space toggles a GPU"]
    assert english_sentences("按 2 × NVIDIA GeForce RTX 3080 规划") == []
    assert english_sentences("模型从 Hugging Face 镜像(hf-mirror.com)下载") == []


def test_core_messages_reach_the_screens_in_chinese():
    """A core sentence (a wizard.i18n Message) raised by a worker shows in the screen's language."""
    from dataclasses import replace as dc_replace

    from screens.demo import demo_services
    from wizard.errors import InputError
    from wizard.i18n import catalog as core_catalog
    from wizard.i18n import msg

    def refuse(text: str):
        raise InputError(msg("ui.token_invalid"))

    set_language("zh_CN")

    async def drive():
        app = make_app(services=dc_replace(demo_services(), inspect=refuse), model_text="org/name")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            return app.state.model.error

    assert asyncio.run(drive()) == core_catalog("zh_CN")["ui.token_invalid"]
