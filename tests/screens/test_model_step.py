"""The Model step: models on disk, inspection, and a cancellable download with a byte progress bar —
against a scripted download, and once end to end against the fake hub with the real hub client."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from tui_support import make_app, press, screen_text, settle

from screens.demo import DEMO_MODEL_ID, demo_inspect, demo_services
from screens.services import CachedModel, Inspection, default_services
from screens.steps.model import ModelStep
from wizard.errors import WizardError

GIB = 1 << 30
TINY = {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_size": 128, "intermediate_size": 256,
        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32,
        "vocab_size": 1024, "max_position_embeddings": 4096, "torch_dtype": "bfloat16", "tie_word_embeddings": True,
        "rms_norm_eps": 1e-6, "rope_theta": 1000000}


def _scripted(*, block: bool):
    """A remote model that needs a download; the download reports 4 GiB in steps, or waits to be cancelled."""
    state = {"downloaded": False}
    found = demo_inspect(DEMO_MODEL_ID)

    def inspect(text: str) -> Inspection:
        return Inspection(found.facts, found.ref, needs_download=not state["downloaded"])

    def download(ref: str, progress, cancel: threading.Event) -> None:
        for step in range(5):
            progress(step * GIB, 4 * GIB)
        if block:
            cancel.wait(10)
            raise WizardError("download of Qwen/Qwen3-14B cancelled")
        state["downloaded"] = True

    cached = [CachedModel(ref="org/on-disk", label="org/on-disk@main  1.0 GiB  (complete)")]
    return replace(demo_services(), inspect=inspect, download=download, cached_models=lambda: cached)


def run(coro):
    return asyncio.run(coro)


def test_a_download_reports_bytes_then_the_model_is_inspected_from_disk():
    async def drive():
        app = make_app(services=_scripted(block=False))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n")
            assert isinstance(app.screen, ModelStep) and app.state.model.needs_download
            assert "not on this machine yet" in screen_text(app)
            cached = app.screen.query_one("#cached")
            assert cached.get_option_at_index(0).prompt == "org/on-disk@main  1.0 GiB  (complete)"
            await press(pilot, "ctrl+g")
            model = app.state.model
            assert model.download.finished and model.download.done == 4 * GIB
            assert not model.needs_download and model.facts is not None
            assert "Downloaded." in screen_text(app)

    run(drive())


def test_a_download_can_be_cancelled_with_the_same_key():
    async def drive():
        app = make_app(services=_scripted(block=True))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n")
            await pilot.press("ctrl+g")
            for _ in range(50):
                await pilot.pause(0.02)
                if app.state.model.download.done:
                    break
            assert app.state.model.download.running
            assert "Downloading: 4.00 of 4.00 GiB" in screen_text(app) or app.state.model.download.done > 0
            await press(pilot, "ctrl+g")
            download = app.state.model.download
            assert not download.running and download.error is None and not download.finished
            assert app.state.model.needs_download

    run(drive())


def test_picking_a_model_on_disk_inspects_it():
    async def drive():
        app = make_app(services=_scripted(block=False), model_text="")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n")
            for _ in range(4):  # Tab from the model field to the list of models on disk
                if app.screen.focused.id == "cached":
                    break
                await press(pilot, "tab")
            assert app.screen.focused.id == "cached"
            await press(pilot, "enter")
            assert app.screen.query_one("#model-input").value == "org/on-disk"
            assert app.state.model.text == "org/on-disk" and app.state.model.facts is not None

    run(drive())


def test_an_unreadable_model_says_why_and_blocks_next(tmp_path):
    async def drive():
        app = make_app(model_text=str(tmp_path / "missing"))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n")
            assert "no such model folder" in app.state.model.error
            assert "no such model folder" in str(app.screen.query_one("#model-status").render())
            await press(pilot, "ctrl+n")
            assert isinstance(app.screen, ModelStep)

    run(drive())


def _fake_hub():
    path = Path(__file__).resolve().parents[1] / "hub" / "fakehub.py"
    spec = importlib.util.spec_from_file_location("screens_fakehub", path)
    if spec is None or spec.loader is None or not path.is_file():
        pytest.skip("the fake hub is not available")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being built
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))  # for its sibling module (the ModelScope routes)
    spec.loader.exec_module(module)
    return module.start_fake_hub()


@pytest.mark.slow
def test_end_to_end_against_the_fake_hub(tmp_path, monkeypatch):
    from wizard.model.synthetic import write_model_folder
    from wizard.model.synthetic_arch import tensors_for_config

    hub = _fake_hub()
    try:
        folder = write_model_folder(tmp_path / "tiny", TINY, tensors_for_config(TINY),
                                    extra_files={"tokenizer_config.json": {"chat_template": "{{ messages }}"}})
        hub.add_folder("org/tiny", folder)
        for key in ("HF_TOKEN", "HF_HUB_OFFLINE", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
            monkeypatch.delenv(key, raising=False)
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))

        async def drive():
            app = make_app(services=replace(default_services(), probe=demo_services().probe, prepare=None),
                           model_text="org/tiny")
            async with app.run_test(size=(80, 24)) as pilot:
                await settle(pilot)
                assert app.state.model.needs_download and app.state.model.facts.arch.hidden_size == 128
                await press(pilot, "ctrl+n", "ctrl+g")
                for _ in range(200):
                    if app.state.model.facts is not None and not app.state.model.needs_download:
                        break
                    await pilot.pause(0.05)
                    await app.workers.wait_for_complete()
                assert app.state.model.download.finished
                assert app.state.model.facts.path is not None  # now read from the local cache
                assert "org/tiny" in screen_text(app)

        run(drive())
    finally:
        hub.stop()
