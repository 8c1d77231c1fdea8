"""Every file the app reads from assets/ is matched by pyproject's package-data, so the wheel has it."""

from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the check is the same on every version

ROOT = Path(__file__).resolve().parents[2]


def test_package_data_covers_every_asset_file():
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["assets"]
    assets = ROOT / "assets"
    shipped = {p for pattern in globs for p in assets.glob(pattern)}
    files = {p for p in assets.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".py"}
    assert files and files <= shipped, sorted(str(p.relative_to(assets)) for p in files - shipped)


def test_the_demo_model_and_both_catalogs_are_assets():
    assert (ROOT / "assets" / "demo" / "Qwen3-14B" / "config.json").is_file()
    assert {p.name for p in (ROOT / "assets" / "i18n").glob("*.json")} == {"en.json", "zh_CN.json"}
