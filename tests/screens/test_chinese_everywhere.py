"""Every screen rendered in zh_CN, at 80x24 and 120x40, holds no English sentence: the six steps,
the dialogs (edit a setting, hub access, F1 keys, paste a command, export) and the monitor, with
the demo and with a plan that has warnings and a failing verdict, so the core's sentences (planner
reasons, warnings, fixes, the launcher's checks, the monitor's advice) really appear.

Flag names, units, product and model names are allowed (they stay as they are in Chinese writing
too). What is code is left out by its content, line by line: the `vllm serve` command line, env
assignments, YAML mappings, flags and paths. Both what the terminal shows and every line a widget
holds (scrolled into view or not) are read.
"""

from __future__ import annotations

import asyncio
import re
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from rich.text import Text
from textual.content import Content
from textual.widgets import Button, DataTable, Input, Static
from test_launch_step import fake_vllm_env, launch, launch_app, to_review, until  # noqa: F401 - a fixture
from tui_support import make_app, press, screen_text, settle

from screens.demo import demo_services
from screens.i18n import set_language
from screens.state import SetPin
from screens.steps.plan import PlanStep
from screens.steps.review import ReviewStep

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
    "load", "rx", "tx", "up", "cache", "lora", "prefill", "decode", "batch", "graphs", "graph", "auto", "true",
    "false", "eager", "chunked", "prefix", "caching", "dtype", "p2p", "all", "reduce", "custom",
}
# Three words or more, one space (or a comma) apart: columns of a table are not a sentence.
SENTENCE = re.compile(r"[A-Za-z]+(?:(?:, ?| |')[A-Za-z]+){2,}")
# Lines that are code, not sentences: the command line and its continuation, env assignments (also
# `export`ed), YAML mappings and list items of identifiers, shell prompts.
CODE_LINE = re.compile(
    r"""^\s*(?:
        (?:\$\s+)?vllm\s+serve\b.*                          # the command line
      | --?[A-Za-z][\w-]*(?:[ =]\S+)?\s*\\?                 # a flag on its own continuation line
      | (?:export\s+)?[A-Z][A-Z0-9_]*=\S*.*                 # NAME=value
      | -?\s*[a-z_][\w.-]*:(?:\s+\S+)?\s*                   # yaml: `key: value` with a one-word value
      | -\s+\S+                                             # yaml list item
      | (?:\(\w+\ pid=\d+\)\s+)?(?:INFO|WARNING|ERROR|DEBUG|CRITICAL)\b.*  # vLLM's log, quoted as it printed it
    )$""",
    re.X,
)
# Quoted text, also when the terminal wrapped it over lines: vLLM's own error text, quoted verbatim
# in a Chinese sentence, and what the model answered (verify quotes its reply).
QUOTED = (re.compile(r"“[^”]{0,400}”"), re.compile(r'"[^"]{0,400}"'))
# Inline code inside a sentence: flags, NAME=VALUE, paths and model ids, identifiers and numbers.
INLINE_CODE = (
    re.compile(r"`[^`\n]*`"),
    re.compile(r"(?<![\w-])--?[A-Za-z][\w.-]*(?:=\S*)?"),
    re.compile(r"\w+=\S*"),
    re.compile(r"\S*[/\\]\S*"),
    re.compile(r"\b[\w-]*[_\d][\w.-]*\b"),
    re.compile(r"\b[A-Z][A-Z0-9]+s?\b"),
    re.compile(r"\b[a-z]+[A-Z]\w*\b|\b[A-Z]\w*[A-Z]\w*\b"),  # vLLM, GiB, MHz, LlamaForCausalLM
)


def english_sentences(text: str) -> list[str]:
    found = []
    for pattern in QUOTED:
        text = pattern.sub(" § ", text)
    for line in text.splitlines():
        if CODE_LINE.match(line):
            continue
        for pattern in INLINE_CODE:
            line = pattern.sub(" § ", line)
        for match in SENTENCE.finditer(line):
            words = re.findall(r"[A-Za-z]{2,}", match.group())
            if len(words) >= 2 and any(w.lower() not in ALLOWED for w in words):
                found.append(match.group())
    return found


def _plain(value: object) -> str:
    if isinstance(value, (Content, Text)):
        return value.plain
    return "" if value is None else str(value)


def widget_text(screen) -> str:
    """Every line the screen's widgets hold, scrolled into view or not, hidden parts too."""
    lines: list[str] = []
    for widget in screen.query("*"):
        if isinstance(widget, Static):
            lines.append(_plain(widget.content))
        elif isinstance(widget, Button):
            lines.append(_plain(widget.label))
        elif isinstance(widget, Input):
            lines.append(_plain(widget.placeholder))
        elif isinstance(widget, DataTable):
            lines += [_plain(column.label) for column in widget.columns.values()]
            for row in range(widget.row_count):
                lines += [_plain(cell) for cell in widget.get_row_at(row)]
        tooltip = getattr(widget, "tooltip", None)
        if tooltip:
            lines.append(_plain(tooltip))
    return "\n".join(lines)


async def _check(pilot, where: str, problems: list[str]) -> None:
    """Each English sentence once, with the first place it was seen."""
    await pilot.pause()
    for text in (screen_text(pilot.app), widget_text(pilot.app.screen)):
        for sentence in english_sentences(text):
            if not any(p.endswith(f": {sentence!r}") for p in problems):
                problems.append(f"{where}: {sentence!r}")


def core_catalog_text(message) -> str:
    from wizard.i18n import localize

    return localize(message, "zh_CN")


async def _plan_dialogs(pilot, where: str, problems: list[str]) -> None:
    """On the Plan step: the edit dialog (its help, the reason, a refused value), then back."""
    await press(pilot, "e")
    await _check(pilot, f"{where}: edit dialog", problems)
    await pilot.press("ctrl+a", "backspace", *"lots")
    await _check(pilot, f"{where}: edit dialog refusing a value", problems)
    await press(pilot, "escape")


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_every_wizard_screen_is_chinese(size):
    set_language("zh_CN")
    problems: list[str] = []

    async def drive():
        app = make_app(demo=True)
        async with app.run_test(size=size, notifications=True) as pilot:
            await settle(pilot)
            for step in range(5):
                if step:
                    await press(pilot, "ctrl+n")
                await _check(pilot, f"step {step}", problems)
                if step == 1:
                    await press(pilot, "ctrl+o")
                    await _check(pilot, "hub access", problems)
                    await press(pilot, "escape")
                if step == 2:  # all interfaces, a generated key shown once
                    app.screen.query_one("#goal-exposure").focus()
                    await press(pilot, "down", "enter", "ctrl+r")
                    await _check(pilot, "goals with a key", problems)
                if step == 3:
                    await _plan_dialogs(pilot, "plan", problems)
                await press(pilot, "f1")
                await _check(pilot, f"F1 on step {step}", problems)
                await press(pilot, "escape")
            await press(pilot, "x")
            await _check(pilot, "export picker", problems)
            await press(pilot, "escape")

            # A plan that fails to start, with warnings: the verdict, its fixes, the warnings, the
            # reasons, and Review's warnings and checks.
            await press(pilot, "escape")
            assert isinstance(app.screen, PlanStep)
            app.dispatch(SetPin("max_model_len", 40960))
            app.dispatch(SetPin("gpu_memory_utilization", 0.6))
            app.dispatch(SetPin("enforce_eager", True))
            await settle(pilot)
            assert app.derived.plan is not None and not app.derived.plan.ok
            assert app.derived.plan.warnings and app.derived.fixes
            await _check(pilot, "failing plan", problems)
            for row in range(len(app.screen.query_one("#settings", DataTable).rows)):
                app.screen.query_one("#settings", DataTable).move_cursor(row=row)
                await pilot.pause()
                await _check(pilot, f"failing plan, row {row}", problems)
            await _plan_dialogs(pilot, "failing plan", problems)
            await press(pilot, "ctrl+n")
            assert isinstance(app.screen, ReviewStep)
            await _check(pilot, "review of the failing plan", problems)

            # The palette's paste dialog: a refusal, then a command with findings on the Plan step.
            app.action_paste_command()
            await settle(pilot)
            await _check(pilot, "paste dialog", problems)
            await pilot.press(*"vllm serve")
            await press(pilot, "enter")
            await _check(pilot, "paste dialog refusing", problems)
            app.screen.query_one("#paste-input", Input).value = (
                "vllm serve Qwen/Qwen3-14B --tensor-parallel-size 2 --max-model-len 40960 --swap-space 4 "
                "--gpu-memory-utilization 0.99 --disable-log-requests --api-key sk-abc")
            await press(pilot, "enter")
            await settle(pilot)
            assert isinstance(app.screen, PlanStep) and app.derived.notices, "the pasted command's findings"
            await _check(pilot, "plan of a pasted command", problems)

    asyncio.run(drive())
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_the_first_steps_explain_errors_in_chinese(size):
    """No GPU (the NVML driver is not loaded) and a hub model without weights: the reasons and what
    to do, as the Hardware and Model steps show them."""
    from tui_support import no_gpu_services

    from wizard.hub.errors import HubError
    from wizard.i18n import msg

    def no_weights(text: str):
        raise HubError(msg("hub.error.no_weights", repo=f"hf:{text}"))

    set_language("zh_CN")
    problems: list[str] = []

    async def drive():
        app = make_app(services=replace(no_gpu_services(), inspect=no_weights), model_text="org/name")
        async with app.run_test(size=size, notifications=True) as pilot:
            await settle(pilot)
            await _check(pilot, "hardware without a GPU", problems)
            await press(pilot, "c")  # plan for a catalog GPU instead
            await _check(pilot, "hardware from the catalog", problems)
            await press(pilot, "ctrl+n")
            assert app.state.model.error, "the model step shows the hub's refusal"
            await _check(pilot, "model without weights", problems)

    asyncio.run(drive())
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(("size", "log"), [((80, 24), "startup-0.8.5-kv-fail.log"), ((120, 40), None)],
                         ids=["80x24-failing", "120x40-healthy"])
@pytest.mark.usefixtures("fake_vllm_env")
def test_the_launch_step_is_chinese(size, log, monkeypatch):
    """Review's `b` starts the fake vLLM: the phases, the log's verdict, the diagnosis with its fix
    (seed 003's real KV-cache failure) or the verify checks and the start-up comparison."""
    if log:
        monkeypatch.setenv("FAKE_VLLM_LOG", log)
        monkeypatch.setenv("FAKE_VLLM_EXIT", "1")
    set_language("zh_CN")
    problems: list[str] = []

    async def drive():
        app = launch_app()
        async with app.run_test(size=size, notifications=True) as pilot:
            await to_review(pilot)
            await _check(pilot, "review with the launch checks", problems)
            step = await launch(pilot)
            if log:
                await until(pilot, lambda: step.replan is not None, "the re-plan")
            await _check(pilot, "launch step", problems)

    asyncio.run(drive())
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_the_monitor_is_chinese(size):
    """A healthy server with advice under its figures; GPUs with NVML errors and a lost GPU; a server
    that cannot be reached, one starting, and none."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "monitor"))
    from monitor_support import run_rounds, scripted_sampler, up

    from screens.monitor.app import MonitorApp

    set_language("zh_CN")
    problems: list[str] = []

    async def drive(fixture: str, server) -> None:
        sampler, clock = scripted_sampler(fixture, server=server)
        snap = run_rounds(sampler, clock, 3)
        if server and snap.server.state == "up":
            assert snap.server.advice, "the monitor's advice (core text) must be on screen for this test to mean much"
        app = MonitorApp(sampler.config, sampler=sampler, autostart=False)
        async with app.run_test(size=size, notifications=True) as pilot:
            app.monitor.show(snap)
            await _check(pilot, f"monitor {fixture}", problems)
            await press(pilot, "p")
            await _check(pilot, f"monitor {fixture} paused", problems)
            if server and snap.server.state != "up":
                assert core_catalog_text(snap.server.detail) in widget_text(app.screen)
        sampler.close()

    from wizard.i18n import msg
    from wizard.monitor.metrics_client import FetchResult

    url = "http://127.0.0.1:8000"
    unreachable = FetchResult("unreachable", msg("monitor.server.cannot_reach", url=url, why="connection refused"))
    starting = FetchResult("starting", msg("monitor.server.starting", pid=4242))
    for fixture, server in (("monitor-h100-x8", [up("v0.11.0", 0), up("v0.11.0", 10)]),
                            ("monitor-l4-nvml-errors", [unreachable]), ("monitor-rtx4090-x2-gpu-lost", [starting]),
                            ("monitor-h100-x8", None)):
        asyncio.run(drive(fixture, server))
    assert problems == [], "\n".join(problems)


def test_the_detector_finds_english_and_allows_names_and_code():
    assert english_sentences("Space toggles a GPU.") == ["Space toggles a"]
    assert english_sentences("按 2 × NVIDIA GeForce RTX 3080 规划") == []
    assert english_sentences("模型从 Hugging Face 镜像(hf-mirror.com)下载") == []
    assert english_sentences("vllm serve Qwen/Qwen3-14B --tensor-parallel-size 2 --max-model-len 35840") == []
    assert english_sentences("CUDA_DEVICE_ORDER=PCI_BUS_ID\nexport NCCL_P2P_DISABLE=1") == []
    assert english_sentences("tensor-parallel-size: 2\nmodel: Qwen/Qwen3-14B\n  - --enforce-eager") == []
    assert english_sentences("警告：the KV cache holds fewer tokens than one request") != []
    assert english_sentences("# the unit serves on every interface") != []
    assert english_sentences("(APIServer pid=3001) INFO:     Waiting for application startup.") == []
    assert english_sentences("回复正常：得到 \"Hello! How can I help you today\"") == []


def test_core_messages_reach_the_screens_in_chinese():
    """A core sentence (a wizard.i18n Message) raised by a worker shows in the screen's language."""
    from wizard.errors import InputError
    from wizard.i18n import catalog as core_catalog
    from wizard.i18n import msg

    def refuse(text: str):
        raise InputError(msg("ui.token_invalid"))

    set_language("zh_CN")

    async def drive():
        app = make_app(services=replace(demo_services(), inspect=refuse), model_text="org/name")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            return app.state.model.error

    assert asyncio.run(drive()) == core_catalog("zh_CN")["ui.token_invalid"]
