"""Issue 16's remaining plan inputs in the app: host RAM (detected figure shown, user override,
validated by wizard/), LoRA adapters and the ModelScope token. 80x24 and 120x40, en and zh_CN."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import stat
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from modelscope.hub.api import HubApi
from modelscope_hub.config import HubConfig
from tui_support import make_app, press, screen_text, settle

from screens.demo import DEMO_HOST_MEMORY, DEMO_MODEL_ID, demo_inspect, demo_services
from screens.i18n import core, set_language
from screens.services import default_services
from screens.steps.hardware import HardwareStep
from screens.steps.model import ModelStep
from screens.widgets.lora_dialog import LoraDialog, adapter_line
from wizard.errors import InputError
from wizard.hub.login import save_modelscope_token
from wizard.hub.settings import modelscope_settings
from wizard.i18n import msg
from wizard.launch.export import export_text
from wizard.model.synthetic import write_model_folder
from wizard.model.synthetic_arch import tensors_for_config

SIZES = [(80, 24), (120, 40)]
CASES = [(size, lang) for size in SIZES for lang in ("en", "zh_CN")]
IDS = [f"{w}x{h}-{lang}" for (w, h), lang in CASES]
GIB = 1 << 30


def run(coro):
    return asyncio.run(coro)


@pytest.mark.parametrize(("size", "lang"), CASES, ids=IDS)
def test_host_ram_shows_the_detected_figure_and_takes_an_override(size, lang):
    set_language(lang)

    async def drive():
        app = make_app(demo=True)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            field = app.screen.query_one("#host-memory")
            field.scroll_visible(animate=False)
            await settle(pilot)
            # Empty: this machine's RAM (psutil, read in the probe worker; the demo's is fixed).
            assert field.placeholder == core(msg("appctl.hardware.host_memory_hint", gib="64.0"))
            label = app.screen.query_one("#host-memory-row .label")
            assert str(label.render()) == core(msg("appctl.hardware.host_memory")) and field.region.height == 1
            assert app.derived.plan.request.host_memory_bytes == DEMO_HOST_MEMORY
            field.focus()
            await press(pilot, *"12x")
            error = app.screen.query_one("#hw-input-error")
            # One sentence from wizard/ naming the input; the typed text and the last good figure stay.
            assert str(error.render()) == core(msg("appctl.host_memory.invalid", text="12x", reason=msg(
                "bounds.reason.not_number", what=msg("bounds.what.host_memory"), example="64")))
            assert field.value == "12x" and app.derived.plan.request.host_memory_bytes == 12 * GIB  # the last good one
            await press(pilot, "ctrl+n")
            assert isinstance(app.screen, HardwareStep)  # blocked until it is a figure
            await press(pilot, "backspace", "8", " ", "G", "i", "B")
            assert app.state.hardware.host_memory_gib == 128
            assert app.derived.plan.request.host_memory_bytes == 128 * GIB
            assert str(error.render()) == ""
            # Catalog GPUs sit in another server: empty means unknown there, a typed figure still holds.
            app.screen.query_one("#gpu-list").focus()
            await press(pilot, "c")
            assert app.state.hardware.use_catalog and app.derived.plan.request.host_memory_bytes == 128 * GIB
            field.value = ""
            await settle(pilot)
            assert field.placeholder == core(msg("appctl.hardware.host_memory_unknown"))
            assert app.derived.plan.request.host_memory_bytes is None
            app.screen.query_one("#use-catalog").focus()
            await press(pilot, "c")
            assert not app.state.hardware.use_catalog
            assert app.derived.plan.request.host_memory_bytes == DEMO_HOST_MEMORY
            await press(pilot, "ctrl+n")
            return app.state.step_name

    assert run(drive()) == "model"


def test_host_ram_read_fails_quietly_as_unknown():
    """psutil unreadable (a locked-down container): the field says unknown and the plan is not bounded."""
    set_language("en")

    async def drive():
        app = make_app(services=replace(demo_services(), host_memory=lambda: None), demo=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            return app.screen.query_one("#host-memory").placeholder, app.derived.plan.request.host_memory_bytes

    placeholder, planned = run(drive())
    assert placeholder == core(msg("appctl.hardware.host_memory_unknown"))
    assert planned is None


# --- the ModelScope token: stored by ModelScope's own client, found by it and by the next run ---------

MS_TOKEN = "ms-fake-token-0123456789"  # the fake hub's good ModelScope token (tests/hub/fakehub.py)
TINY = {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_size": 128, "intermediate_size": 256,
        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32,
        "vocab_size": 1024, "max_position_embeddings": 4096, "torch_dtype": "bfloat16"}


@pytest.fixture
def ms_home(monkeypatch, tmp_path):
    """HOME in a temporary folder: ModelScope's client and the wizard look for the login there."""
    for var in ("MODELSCOPE_API_TOKEN", "MODELSCOPE_HOME", "MODELSCOPE_ENDPOINT", "MODELSCOPE_DOMAIN", "HF_ENDPOINT",
                "HF_TOKEN", "HF_TOKEN_PATH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("MODELSCOPE_CACHE", str(tmp_path / "ms-cache"))
    return tmp_path


def _save_ms_token(size, token: str, seen: list[str]):
    async def drive():
        def inspect(text: str):
            seen.append(text)
            return demo_inspect(DEMO_MODEL_ID)

        app = make_app(services=replace(demo_services(), inspect=inspect))
        async with app.run_test(size=size, notifications=True) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n")
            assert isinstance(app.screen, ModelStep)
            await press(pilot, "ctrl+o")
            assert str(app.screen.query_one("#hub-note").render()) == core(msg("appctl.hub.token_note"))
            await press(pilot, "down", "down", "enter", "tab", *token)
            assert token not in screen_text(app)
            await press(pilot, "enter")
            await settle(pilot)
            return screen_text(app), [n.message for n in app._notifications]

    return asyncio.run(drive())


@pytest.mark.parametrize(("size", "lang"), CASES, ids=IDS)
def test_modelscope_token_is_stored_where_the_modelscope_client_reads_it(ms_home, size, lang):
    set_language(lang)
    seen: list[str] = []
    shown, notes = _save_ms_token(size, MS_TOKEN, seen)
    cookies = ms_home / ".modelscope" / "credentials" / "cookies"
    assert MS_TOKEN not in shown and all(MS_TOKEN not in n for n in notes)
    assert any(core(msg("appctl.ms_token.saved", path=str(cookies))) in n for n in notes)
    assert stat.S_IMODE(cookies.stat().st_mode) == 0o600
    assert MS_TOKEN.encode() in cookies.read_bytes()  # the pickled cookie jar, as the client writes it
    assert "MODELSCOPE_API_TOKEN" not in os.environ  # not in the environment a vLLM or an export copies
    # ModelScope's own client finds it (HubConfig reads HOME, like the modelscope CLI does).
    assert HubConfig().token == MS_TOKEN
    jar = HubApi().get_cookies()
    assert jar is not None and jar.get("m_session_id") == MS_TOKEN
    assert seen[-1] == f"ms:{DEMO_MODEL_ID}"  # the model, inspected again from ModelScope after the save


def test_a_stored_modelscope_token_reaches_a_private_model_in_a_new_run(ms_home, monkeypatch, tmp_path):
    set_language("en")
    _save_ms_token((80, 24), MS_TOKEN, [])
    hub = _fake_hub()
    try:
        folder = write_model_folder(tmp_path / "tiny", TINY, tensors_for_config(TINY),
                                    extra_files={"tokenizer_config.json": {"chat_template": "{{ messages }}"}})
        hub.add_folder("org/private-tiny", folder, private=True)
        monkeypatch.setenv("MODELSCOPE_ENDPOINT", hub.url)

        async def drive():
            # A new run: nothing in the environment, only what the client stored under HOME.
            app = make_app(services=replace(default_services(), probe=demo_services().probe, prepare=None,
                                            download=None, host_memory=lambda: DEMO_HOST_MEMORY),
                           model_text="ms:org/private-tiny")
            async with app.run_test(size=(80, 24)) as pilot:
                await settle(pilot)
                return app.state.model.error, app.state.model.facts

        error, facts = asyncio.run(drive())
        assert error is None and facts is not None and facts.arch.hidden_size == 128
        # Without the stored login the same repo is refused: the token, not luck, opened it.
        (ms_home / ".modelscope" / "credentials" / "cookies").unlink()
        error, facts = asyncio.run(drive())
        assert facts is None and error
    finally:
        hub.stop()


def test_the_stored_token_is_read_back_by_the_hub_settings(ms_home):
    assert not modelscope_settings().has_token
    path = save_modelscope_token(" tok-123 ", "https://www.modelscope.cn")
    settings = modelscope_settings()
    assert settings.token_value() == "tok-123" and str(path) in settings.token_origin
    assert "tok-123" not in repr(settings)
    os.environ["MODELSCOPE_API_TOKEN"] = "from-env"  # the environment still wins, as in the client
    try:
        assert modelscope_settings().token_value() == "from-env"
    finally:
        del os.environ["MODELSCOPE_API_TOKEN"]


def _fake_hub():
    path = Path(__file__).resolve().parents[1] / "hub" / "fakehub.py"
    spec = importlib.util.spec_from_file_location("appctl_fakehub", path)
    if spec is None or spec.loader is None or not path.is_file():
        pytest.skip("the fake hub is not available")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being built
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))  # for its sibling module (the ModelScope routes)
    spec.loader.exec_module(module)
    return module.start_fake_hub()


# --- LoRA adapters: added in a panel, read by wizard/, in the plan, the command and the exports -------


def _adapter(folder: Path, rank: int) -> Path:
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text(json.dumps({"r": rank, "lora_alpha": 2 * rank, "peft_type": "LORA"}))
    (folder / "adapter_model.safetensors").write_bytes(b"\0" * 16)
    return folder


@pytest.mark.parametrize(("size", "lang"), CASES, ids=IDS)
def test_lora_adapters_are_added_checked_and_served(tmp_path, size, lang):
    set_language(lang)
    sql = _adapter(tmp_path / "sql-lora", 8)
    chat = _adapter(tmp_path / "chat-adapter", 64)

    async def add(pilot, text: str) -> None:
        pilot.app.screen.query_one("#lora-input").value = text
        await press(pilot, "enter")

    async def drive():
        app = make_app(demo=True)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+l")
            assert isinstance(app.screen, LoraDialog)
            listing = app.screen.query_one("#lora-list")
            assert str(listing.get_option_at_index(0).prompt) == core(msg("appctl.lora.none"))
            await add(pilot, str(sql))
            missing = tmp_path / "nope"
            await add(pilot, f"x={missing}")
            error = str(app.screen.query_one("#lora-error").render())
            assert error == core(msg("appctl.lora.no_folder", path=str(missing)))
            assert app.screen.query_one("#lora-input").value == f"x={missing}"  # kept to be fixed
            await add(pilot, f"chat={chat}")
            await add(pilot, "org/hub-lora")
            assert [a.name for a in app.screen.adapters] == ["sql-lora", "chat", "hub-lora"]
            listing = app.screen.query_one("#lora-list")
            lines = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
            assert lines == [adapter_line(a) for a in app.screen.adapters]
            assert lines[0] == core(msg("appctl.lora.line_local", name="sql-lora", source=str(sql), rank=8))
            assert lines[2] == core(msg("appctl.lora.line_hub", name="hub-lora", source="org/hub-lora"))
            app.screen.query_one("#lora-list").focus()
            await press(pilot, "delete")  # the highlighted one: the last added
            await press(pilot, "escape")
            assert isinstance(app.screen, ModelStep)
            assert [a.name for a in app.state.lora] == ["sql-lora", "chat"]
            summary = str(app.screen.query_one("#lora-summary").render())
            assert summary == core(msg("appctl.lora.summary", names="sql-lora, chat", rank=64))
            return app.derived

    derived = run(drive())
    argv = list(derived.command.argv)
    s = derived.plan.settings
    assert s.enable_lora and s.max_loras == 2 and s.max_lora_rank == 64
    assert argv[argv.index("--max-lora-rank") + 1] == "64" and "--enable-lora" in argv
    at = argv.index("--lora-modules")
    assert argv[at + 1:at + 3] == [f"sql-lora={sql}", f"chat={chat}"]
    # The exports carry them: the same argv, and containers mount the adapter folders read-only.
    docker, _ = export_text("docker", derived.command)
    assert f"{sql}:{sql}:ro" in docker and f"chat={chat}" in docker
    assert f"sql-lora={sql}" in export_text("systemd", derived.command)[0]
    config = yaml.safe_load(export_text("yaml", derived.command)[0])
    assert config["lora-modules"] == [f"sql-lora={sql}", f"chat={chat}"] and config["enable-lora"] is True
    assert f"path: {chat}" in export_text("k8s", derived.command)[0]


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_lora_panel_snapshot(snap_compare, lang):
    """The panel with a Hugging Face adapter (no local path: the picture does not depend on tmp)."""
    set_language(lang)

    async def run_before(pilot) -> None:
        await settle(pilot)
        await press(pilot, "ctrl+n", "ctrl+l")
        pilot.app.screen.query_one("#lora-input").value = "sql=org/sql-lora"
        await press(pilot, "enter")
        pilot.app.screen.query_one("#lora-input").value = "bad name=org/x"
        await press(pilot, "enter")

    assert snap_compare(make_app(demo=True), terminal_size=(80, 24), run_before=run_before)


def test_model_step_with_adapters_snapshot(snap_compare):
    set_language("en")

    async def run_before(pilot) -> None:
        await settle(pilot)
        await press(pilot, "ctrl+n", "ctrl+l")
        pilot.app.screen.query_one("#lora-input").value = "sql=org/sql-lora"
        await press(pilot, "enter", "escape")

    assert snap_compare(make_app(demo=True), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_hub_panel_snapshot(snap_compare, lang):
    """The hub panel's note now says where each token is stored (ModelScope's own credentials)."""
    set_language(lang)

    async def run_before(pilot) -> None:
        await settle(pilot)
        await press(pilot, "ctrl+n", "ctrl+o")

    assert snap_compare(make_app(demo=True), terminal_size=(80, 24), run_before=run_before)


def test_a_client_without_offline_token_storage_keeps_the_token_for_the_session(ms_home, monkeypatch):
    """modelscope < 1.38 (no modelscope_hub) stores only a login made online: the token then lives in
    this process's MODELSCOPE_API_TOKEN, and the caller is told so (None)."""

    monkeypatch.setitem(sys.modules, "modelscope_hub.config", None)  # the import fails as on 1.37
    monkeypatch.delenv("MODELSCOPE_API_TOKEN", raising=False)
    assert save_modelscope_token("tok-1", "https://www.modelscope.cn") is None
    assert os.environ["MODELSCOPE_API_TOKEN"] == "tok-1"
    assert not (ms_home / ".modelscope").exists()


def test_an_unwritable_credentials_folder_is_one_sentence_and_nothing_is_stored(ms_home, monkeypatch):

    blocker = ms_home / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("MODELSCOPE_HOME", str(blocker))
    with pytest.raises(InputError) as info:
        save_modelscope_token("tok-2", "https://www.modelscope.cn")
    assert str(blocker / "credentials") in info.value.message and "MODELSCOPE_HOME" in info.value.message
    assert "tok-2" not in info.value.message and "MODELSCOPE_API_TOKEN" not in os.environ
    assert blocker.read_text() == "x"


@pytest.mark.parametrize(("size", "lang"), CASES, ids=IDS)
def test_the_plan_step_says_the_lora_settings_come_from_the_adapters(size, lang):
    set_language(lang)

    async def drive():
        app = make_app(demo=True)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+l")
            app.screen.query_one("#lora-input").value = "sql=org/sql-lora"
            await press(pilot, "enter", "escape", "ctrl+n", "ctrl+n")
            table = app.screen.query_one("#settings")
            cells = {name: (table.get_cell(name, "pin"), table.get_cell(name, "reason"))
                     for name in ("enable_lora", "max_loras", "max_lora_rank")}
            table.move_cursor(row=table.get_row_index("max_lora_rank"))
            await settle(pilot)
            return cells, str(app.screen.query_one("#setting-reason").render())

    cells, below = run(drive())
    assert cells == {name: ("*", core(msg("appctl.lora.reason"))) for name in cells}
    assert below.startswith("max-lora-rank:") and core(msg("appctl.lora.reason_long")) in below
