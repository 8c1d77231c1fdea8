"""The wheel carries everything (assets, data) and its console script works in a fresh environment."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from wizard import __version__

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    # No build isolation: the build needs no network (setuptools and wheel come with the test extras).
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist),
                    str(ROOT)], check=True, capture_output=True, cwd=dist)
    (built,) = dist.glob("vllm_wizard-*.whl")
    return built


def test_wheel_contains_assets_and_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "assets/wizard.tcss" in names
    assert "wizard/data/gpu_catalog.json" in names
    assert any(n.startswith("wizard/data/fake_gpus/") and n.endswith(".json") for n in names)
    assert "screens/app.py" in names
    assert not any(n.startswith("tests/") for n in names)


@pytest.mark.slow
def test_wheel_runs_in_a_fresh_virtual_environment(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    # The dependencies come from this interpreter's site-packages, so the test needs no network;
    # vllm-wizard itself is installed from the wheel only.
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    clean = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VLLM_WIZARD_FAKE_GPUS"}}
    subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, env=clean, cwd=tmp_path)
    where = subprocess.run([str(bindir / "python"), "-c", "import wizard, assets; print(wizard.__file__)"],
                           check=True, capture_output=True, text=True, env=clean, cwd=tmp_path)
    assert str(env_dir) in where.stdout, "the wheel's copy must be the one imported"
    version = subprocess.run([str(bindir / "vllm-wizard"), "--version"], capture_output=True, text=True, env=clean,
                             cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.strip() == f"vllm-wizard {__version__}"
    catalog = subprocess.run([str(bindir / "vllm-wizard"), "gpus", "--catalog"], capture_output=True, text=True,
                             env=clean, cwd=tmp_path)
    assert catalog.returncode == 0, catalog.stderr
    assert "H100" in catalog.stdout and "T4" in catalog.stdout
    css = subprocess.run([str(bindir / "python"), "-c", "from screens.app import stylesheet_text; "
                          "print(len(stylesheet_text()))"], capture_output=True, text=True, env=clean, cwd=tmp_path)
    assert css.returncode == 0 and int(css.stdout) > 0, css.stderr
