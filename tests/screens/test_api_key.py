"""The API key for serving on all interfaces: a generated key is shown once in full with a copy
action, a typed key is used as typed, and the real key reaches the 0600 env file the systemd unit
reads (never `<set>`). At 80x24 and 120x40, in English and Chinese."""

from __future__ import annotations

import asyncio
import stat

import pytest
from tui_support import make_app, press, screen_text, settle

from screens.exporting import formats
from screens.i18n import set_language, t
from screens.steps.goals import GoalsStep
from screens.steps.review import ReviewStep

SIZES = [(80, 24), (120, 40)]
CASES = [(size, lang) for size in SIZES for lang in ("en", "zh_CN")]
IDS = [f"{w}x{h}-{lang}" for (w, h), lang in CASES]


async def _all_interfaces(pilot) -> None:
    await settle(pilot)
    await press(pilot, "ctrl+n", "ctrl+n")
    assert isinstance(pilot.app.screen, GoalsStep)
    pilot.app.screen.query_one("#goal-exposure").focus()
    await press(pilot, "down", "enter")
    assert pilot.app.state.exposure.all_interfaces


async def _export(pilot, kind: str) -> None:
    keys = [f.key for f in formats(pilot.app.derived.command)]
    await press(pilot, "x", *["down"] * keys.index(kind), "enter")


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("size", "lang"), CASES, ids=IDS)
def test_a_generated_key_is_shown_once_copied_and_written_to_the_env_file(tmp_path, size, lang):
    set_language(lang)

    async def drive():
        app = make_app(export_dir=tmp_path)
        async with app.run_test(size=size) as pilot:
            await _all_interfaces(pilot)
            await press(pilot, "ctrl+r")
            key = app.state.exposure.api_key.get_secret_value()
            assert len(key) >= 24
            assert key in screen_text(app)  # in full, once
            assert t("goals.key_reveal", value=key).splitlines()[0] in screen_text(app)
            await press(pilot, "ctrl+y")
            assert app.clipboard == key
            await press(pilot, "ctrl+n")
            await press(pilot, "escape")  # back on Goals: the key is masked from now on
            assert isinstance(app.screen, GoalsStep)
            assert key not in screen_text(app) and app.state.exposure.api_key.get_secret_value() == key
            await press(pilot, "ctrl+n", "ctrl+n")
            assert isinstance(app.screen, ReviewStep)
            assert key not in screen_text(app)
            await _export(pilot, "env")
            await _export(pilot, "systemd")
            names = {f.key: f.filename for f in formats(app.derived.command)}
        return key, names

    key, names = asyncio.run(drive())
    env_file, unit = tmp_path / names["env"], tmp_path / names["systemd"]
    assert f"VLLM_API_KEY={key}" in env_file.read_text().splitlines()
    assert "<set>" not in env_file.read_text()
    assert _mode(env_file) == 0o600
    unit_text = unit.read_text()
    assert f"EnvironmentFile={env_file.resolve()}" in unit_text
    assert key not in unit_text and "--host 0.0.0.0" in unit_text


@pytest.mark.parametrize(("size", "lang"), CASES, ids=IDS)
def test_a_typed_key_is_used_as_typed_and_never_shown(tmp_path, size, lang):
    set_language(lang)
    mine = "my-own-key-0123456789"

    async def drive():
        app = make_app(export_dir=tmp_path)
        async with app.run_test(size=size) as pilot:
            await _all_interfaces(pilot)
            app.screen.query_one("#api-key").focus()
            await press(pilot, *mine)
            assert app.state.exposure.api_key.get_secret_value() == mine
            assert mine not in screen_text(app)
            assert not app.screen.query_one("#key-reveal-row").display
            await press(pilot, "ctrl+n", "ctrl+n")
            await _export(pilot, "systemd")  # brings the env file the unit reads
            names = {f.key: f.filename for f in formats(app.derived.command)}
        return names

    names = asyncio.run(drive())
    env_file = tmp_path / names["env"]
    assert f"VLLM_API_KEY={mine}" in env_file.read_text().splitlines() and _mode(env_file) == 0o600
    assert f"EnvironmentFile={env_file.resolve()}" in (tmp_path / names["systemd"]).read_text()


def test_a_generated_key_replaced_by_typing_is_no_longer_shown(tmp_path):
    async def drive():
        app = make_app(export_dir=tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await _all_interfaces(pilot)
            await press(pilot, "ctrl+r")
            generated = app.state.exposure.api_key.get_secret_value()
            app.screen.query_one("#api-key").focus()
            await press(pilot, "x")  # focus selects the whole key: typing replaces it
            assert app.state.exposure.api_key.get_secret_value() == "x"
            assert generated not in screen_text(app)
            assert not app.screen.query_one("#key-reveal-row").display

    asyncio.run(drive())
