"""The app's exports of a hub model: the hub variables the wizard ran with, and docker's --gpus
naming the planned devices. Files written through the export picker and read back."""

from __future__ import annotations

import asyncio
import shlex

import pytest
from tui_support import make_app, press, settle

from screens.exporting import formats


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_app_exports_keep_the_mirror_and_the_planned_gpus(tmp_path, monkeypatch, size):
    monkeypatch.setenv("HF_ENDPOINT", "https://hf-mirror.com")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    out = tmp_path / "out"
    out.mkdir()

    async def drive():
        app = make_app(export_dir=out)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+n", "ctrl+n", "ctrl+n")
            keys = [f.key for f in formats(app.derived.command)]
            for kind in ("systemd", "docker", "env"):
                await press(pilot, "x", *["down"] * keys.index(kind), "enter")
            return {f.key: f.filename for f in formats(app.derived.command)}

    names = asyncio.run(drive())
    unit = (out / names["systemd"]).read_text()
    assert "Environment=HF_ENDPOINT=https://hf-mirror.com" in unit
    assert f"Environment=HF_HOME={tmp_path / 'hf-home'}" in unit
    assert "HF_ENDPOINT=https://hf-mirror.com" in (out / names["env"]).read_text().splitlines()
    docker = (out / names["docker"]).read_text()
    words = shlex.split(docker.split("set -euo pipefail\n", 1)[1].replace("\\\n", " "))
    assert words[words.index("--gpus") + 1] == '"device=0,1"'  # the demo plan: TP 2 on GPUs 0 and 1
    assert "HF_ENDPOINT=https://hf-mirror.com" in words and f"HF_HOME={tmp_path / 'hf-home'}" not in docker


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_the_export_folder_is_chosen_in_the_picker_and_kept(tmp_path, size):
    first, chosen = tmp_path / "first", tmp_path / "chosen"
    first.mkdir()
    chosen.mkdir()

    async def drive():
        app = make_app(export_dir=first)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+n", "ctrl+n", "ctrl+n", "ctrl+n")
            await press(pilot, "x", "tab", "ctrl+u", *str(chosen), "enter")  # the first format, elsewhere
            await press(pilot, "x", "down", "enter")  # the next export goes to the same folder
            return {f.key: f.filename for f in formats(app.derived.command)}

    names = asyncio.run(drive())
    assert (chosen / names["yaml"]).is_file() and (chosen / names["script"]).is_file()
    assert list(first.iterdir()) == []


def test_a_multi_node_plan_exports_ray_and_lws(tmp_path):
    import os
    import stat

    async def drive():
        app = make_app(export_dir=tmp_path, demo=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await press(pilot, "c")
            app.screen.query_one("#nodes").focus()
            await press(pilot, "ctrl+u", "2")
            await press(pilot, "ctrl+n", "ctrl+n", "ctrl+n", "ctrl+n")
            assert app.derived.plan.request.nodes == 2
            await press(pilot, "x")
            shown = [o.id for o in app.screen.query_one("#export-list")._options]
            await press(pilot, "enter")
            await press(pilot, "x", "down", "enter")
            return shown, formats(app.derived.command, 2)

    shown, names = asyncio.run(drive())
    assert shown == ["ray", "lws"]
    ray, lws = (tmp_path / f.filename for f in names)
    assert "ray start" in ray.read_text() and os.stat(ray).st_mode & stat.S_IXUSR
    assert "LeaderWorkerSet" in lws.read_text()


def test_launch_refuses_a_multi_node_plan_on_one_node():
    from screens.i18n import t

    async def drive():
        app = make_app(demo=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "c")
            app.screen.query_one("#nodes").focus()
            await press(pilot, "ctrl+u", "2", "ctrl+n", "ctrl+n", "ctrl+n", "ctrl+n", "l")
            return app.is_running, [n.message for n in app._notifications]

    running, messages = asyncio.run(drive())
    assert running and t("review.multinode_launch", nodes=2) in messages
