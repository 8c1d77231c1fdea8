"""Hub access in the app: endpoint and token (ctrl+o), --hf-endpoint, a spinner with elapsed time
and Esc to stop inspecting, ModelScope suggested when Hugging Face is unreachable, and downloads
with speed, time left and a clear word when there is nothing to download."""

from __future__ import annotations

import asyncio
import stat
import threading
from dataclasses import replace

import pytest
from tui_support import make_app, press, screen_text, settle

from screens.demo import DEMO_MODEL_ID, demo_inspect, demo_services
from screens.hub import MIRROR, apply_hf_endpoint, model_text_for
from screens.i18n import set_language, t
from screens.state import DownloadProgress
from screens.steps.model import SPINNER, ModelStep, rate_text
from wizard.errors import InputError
from wizard.hub.errors import UnreachableError

SIZES = [(80, 24), (120, 40)]
CASES = [(size, lang) for size in SIZES for lang in ("en", "zh_CN")]
IDS = [f"{w}x{h}-{lang}" for (w, h), lang in CASES]
TOKEN = "hf_secret_token_0123456789"


@pytest.fixture
def hub_home(monkeypatch, tmp_path):
    for var in ("HF_ENDPOINT", "HF_TOKEN_PATH", "MODELSCOPE_API_TOKEN", "HF_TOKEN", "MODELSCOPE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HOME", str(tmp_path))  # a ModelScope token is stored under ~/.modelscope
    return tmp_path / "hf-home"


def _recording_services(seen: list[str]):
    def inspect(text: str):
        seen.append(text)
        return demo_inspect(DEMO_MODEL_ID)

    return replace(demo_services(), inspect=inspect)


def _messages(app) -> list[str]:
    return [n.message for n in app._notifications]


@pytest.mark.parametrize(("size", "lang"), CASES, ids=IDS)
def test_mirror_and_token_are_chosen_in_the_app_and_the_token_never_shows(hub_home, size, lang):
    set_language(lang)
    seen: list[str] = []

    async def drive():
        app = make_app(services=_recording_services(seen))
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n")
            assert isinstance(app.screen, ModelStep)
            await press(pilot, "ctrl+o")
            assert t("hub.title") in screen_text(app)
            await press(pilot, "down", "enter", "tab")  # the mirror; then the token field
            await press(pilot, *TOKEN)
            assert TOKEN not in screen_text(app)
            await press(pilot, "enter")
            assert isinstance(app.screen, ModelStep) and TOKEN not in screen_text(app)
            assert any(t("hub.endpoint.mirror") in m for m in _messages(app))
            assert all(TOKEN not in m for m in _messages(app))

    asyncio.run(drive())
    import os

    assert os.environ["HF_ENDPOINT"] == MIRROR
    token_file = hub_home / "token"
    assert token_file.read_text() == TOKEN and stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert seen[-1] == DEMO_MODEL_ID  # the same model, inspected again from the mirror


def test_modelscope_turns_the_id_into_ms_and_stores_the_token_with_its_client(hub_home):
    seen: list[str] = []

    async def drive():
        app = make_app(services=_recording_services(seen))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+o", "down", "down", "enter", "tab", *"ms-token-1", "enter")
            return app.screen.query_one("#model-input").value

    assert asyncio.run(drive()) == f"ms:{DEMO_MODEL_ID}"
    import os

    from wizard.hub.login import stored_modelscope_token

    assert seen[-1] == f"ms:{DEMO_MODEL_ID}" and "MODELSCOPE_API_TOKEN" not in os.environ
    assert stored_modelscope_token()[0] == "ms-token-1"
    assert not (hub_home / "token").exists()


def test_a_token_with_spaces_is_refused_in_the_users_language(hub_home):
    set_language("zh_CN")

    async def drive():
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+o", "tab", *"two words", "enter")
            return _messages(app)

    messages = asyncio.run(drive())
    assert any("令牌" in m for m in messages) and not (hub_home / "token").exists()


def test_model_text_moves_between_hubs():
    assert model_text_for("org/name", "modelscope") == "ms:org/name"
    assert model_text_for("ms:org/name", "mirror") == "org/name"
    assert model_text_for("/models/x", "modelscope") == "/models/x"


def test_hf_endpoint_flag(monkeypatch):
    from screens.run import run_app

    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    assert apply_hf_endpoint("https://hf-mirror.com/") == "https://hf-mirror.com"
    with pytest.raises(InputError, match="--hf-endpoint"):
        apply_hf_endpoint("hf-mirror.com")
    assert run_app(["--hf-endpoint", "ftp://nowhere", "--vllm-version", "0.33.0"]) == 2


@pytest.mark.parametrize(("size", "lang"), CASES, ids=IDS)
def test_inspecting_shows_a_spinner_and_elapsed_time_and_esc_stops_waiting(size, lang):
    set_language(lang)
    release = threading.Event()

    def slow_inspect(text: str):
        release.wait(30)
        return demo_inspect(DEMO_MODEL_ID)

    async def drive():
        app = make_app(services=replace(demo_services(), inspect=slow_inspect), model_text="")
        try:
            async with app.run_test(size=size) as pilot:
                await settle(pilot)
                await press(pilot, "ctrl+n")
                for key in (*DEMO_MODEL_ID, "enter"):
                    await pilot.press(key)
                await pilot.pause(1.3)
                status = str(app.screen.query_one("#model-status").render())
                assert app.state.model.pending == DEMO_MODEL_ID
                frames = {t("model.inspecting_for", spinner=s, text=DEMO_MODEL_ID, seconds=n)
                          for s in SPINNER for n in range(1, 30)}
                assert status in frames  # a spinner frame and the seconds waited so far
                await pilot.press("escape")
                await pilot.pause()
                assert isinstance(app.screen, ModelStep) and app.state.model.pending is None
                assert t("model.inspect_cancelled", text=DEMO_MODEL_ID) in _messages(app)
                release.set()
                await app.workers.wait_for_complete()
                await pilot.pause()
                assert app.state.model.facts is None  # the late answer was dropped
                await press(pilot, "escape")  # nothing to stop now: Esc steps back
                assert not isinstance(app.screen, ModelStep)
        finally:
            release.set()

    asyncio.run(drive())


def test_hugging_face_unreachable_suggests_modelscope():
    def unreachable(text: str):
        raise UnreachableError("cannot reach https://huggingface.co (timed out)")

    async def drive():
        app = make_app(services=replace(demo_services(), inspect=unreachable), model_text="org/name")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            return app.state.model.error

    assert t("model.try_modelscope", ref="ms:org/name") in asyncio.run(drive())


@pytest.mark.parametrize(("size", "lang"), CASES, ids=IDS)
def test_ctrl_g_says_why_there_is_nothing_to_download(size, lang):
    set_language(lang)

    def download(ref, progress, cancel):
        raise AssertionError("nothing should be downloaded")

    async def drive():
        app = make_app(services=replace(demo_services(), download=download))
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+g")
            return _messages(app)

    assert t("model.nothing_to_download", text=DEMO_MODEL_ID) in asyncio.run(drive())


def test_the_demo_says_downloads_are_off():
    async def drive():
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+g")
            return _messages(app)

    assert t("model.download_unavailable") in asyncio.run(drive())


def test_download_speed_and_time_left():
    assert rate_text((0.0, 0), (0.2, 10), 100) == ""  # too early to say
    assert rate_text((0.0, 0), (10.0, 100 << 20), 700 << 20) == t("model.download_rate", speed="10.0", eta="1 min")
    assert rate_text((0.0, 0), (2.0, 20 << 20), None) == t("model.download_rate", speed="10.0", eta="?")


def test_download_status_shows_speed_while_running():
    async def drive():
        app = make_app(services=replace(demo_services(), download=lambda *a: None))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n")
            app.dispatch(DownloadProgress(0, 1 << 30))
            await pilot.pause(0.7)
            app.dispatch(DownloadProgress(64 << 20, 1 << 30))
            await pilot.pause()
            return str(app.screen.query_one("#download-status").render())

    status = asyncio.run(drive())
    assert "MiB/s" in status and "0.06 of 1.00 GiB" in status


@pytest.mark.parametrize(("size", "lang"), CASES, ids=IDS)
def test_download_into_a_chosen_folder_serves_that_folder(tmp_path, size, lang):
    set_language(lang)
    seen: list[str] = []
    calls: list[dict] = []
    target = tmp_path / "models" / "name"

    def inspect(text: str):
        seen.append(text)
        found = demo_inspect(DEMO_MODEL_ID)
        return replace(found, needs_download=text == "org/name", ref=text)

    def download(ref, progress, cancel, **kwargs):
        calls.append({"ref": ref, **kwargs})
        progress(10, 10)

    async def drive():
        app = make_app(services=replace(demo_services(), inspect=inspect, download=download), model_text="org/name")
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n")
            assert app.screen.query_one("#download-dir-row").display
            app.screen.query_one("#download-dir").focus()
            await press(pilot, *str(target))
            await press(pilot, "ctrl+g")
            return app.state.model.ref

    ref = asyncio.run(drive())
    assert calls == [{"ref": "org/name", "local_dir": str(target)}]
    assert seen[-1] == str(target) and ref == str(target)  # vLLM is given the folder


def test_download_without_a_folder_uses_the_hub_cache():
    calls: list[dict] = []

    def inspect(text: str):
        return replace(demo_inspect(DEMO_MODEL_ID), needs_download=True, ref=text)

    def download(ref, progress, cancel, **kwargs):
        calls.append({"ref": ref, **kwargs})

    async def drive():
        app = make_app(services=replace(demo_services(), inspect=inspect, download=download), model_text="org/name")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+g")

    asyncio.run(drive())
    assert calls[0] == {"ref": "org/name"}
