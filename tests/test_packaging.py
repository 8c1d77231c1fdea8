"""The wheel carries everything (assets, data) and its console script works in a fresh environment."""

from __future__ import annotations

import importlib.metadata
import os
import re
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
    assert "wizard/data/vllm_releases.json" in names
    assert any(n.startswith("wizard/data/fake_gpus/") and n.endswith(".json") for n in names)
    assert "screens/app.py" in names
    assert not any(n.startswith(("tests/", "tools/")) for n in names)


def _declared_closure() -> list[importlib.metadata.Distribution]:
    """The distributions the project declares, and theirs, as installed in this environment."""
    from packaging.requirements import Requirement

    seen: dict[str, importlib.metadata.Distribution] = {}
    todo = [Requirement(r) for r in importlib.metadata.distribution("vllm-wizard").requires or []]
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue  # test extras and other platforms' requirements stay out
        key = re.sub(r"[-_.]+", "-", req.name).lower()
        if key in seen:
            continue
        dist = importlib.metadata.distribution(req.name)
        seen[key] = dist
        todo += [Requirement(r) for r in dist.requires or []]
    return list(seen.values())


def _link_distributions(dists: list[importlib.metadata.Distribution], site: Path) -> None:
    """Symlink every file of `dists` that lives in site-packages into `site`: the new environment
    sees exactly these distributions (with their metadata, so `pip check` judges them) and nothing
    else this interpreter happens to have, with no network and no copying."""
    for dist in dists:
        base = Path(dist.locate_file(""))
        for rel in dist.files or []:
            if rel.parts and rel.parts[0] == "..":
                continue  # console scripts and data outside site-packages
            src, dst = base / rel, site / rel
            if not src.exists() or dst.exists():
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.symlink_to(src)


@pytest.mark.slow
def test_wheel_runs_in_a_fresh_virtual_environment(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    # A bare environment (no system site-packages: on a fresh machine the base interpreter has none
    # of the dependencies) that sees only the declared dependencies, linked from the active
    # environment; vllm-wizard itself comes from the wheel.
    venv.create(env_dir, system_site_packages=False, with_pip=True)
    site = Path(subprocess.run([str(env_dir / "bin" / "python"), "-c",
                                "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    _link_distributions(_declared_closure(), site)
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
    # The declared dependencies are enough: pip finds nothing missing or conflicting.
    check = subprocess.run([str(bindir / "python"), "-m", "pip", "check"], capture_output=True, text=True, env=clean,
                           cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    demo = subprocess.run([str(bindir / "vllm-wizard"), "plan", "--help"], capture_output=True, text=True, env=clean,
                          cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
