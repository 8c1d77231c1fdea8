"""Other client versions for the compatibility tests: huggingface_hub 0.36 and modelscope 1.37.

The wheels live in a local wheelhouse (VLLM_WIZARD_COMPAT_WHEELS, default ~/.cache/vllm-wizard/compat-wheels)
so the test suite itself never touches the network. Fill it once, where PyPI is reachable, with:

    python tests/hub/compat.py

Both are pure-Python wheels: a test unpacks one and puts it first on PYTHONPATH of a subprocess, which
then imports that version instead of the installed one (their dependencies come from this environment).
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

WHEELS = {
    "huggingface_hub": "huggingface_hub-0.36.0-py3-none-any.whl",
    "modelscope": "modelscope-1.37.1-py3-none-any.whl",
}
PINS = ["huggingface_hub==0.36.0", "modelscope==1.37.1"]


def wheelhouse() -> Path:
    return Path(os.environ.get("VLLM_WIZARD_COMPAT_WHEELS") or Path.home() / ".cache" / "vllm-wizard" / "compat-wheels")


def wheel(package: str) -> Path | None:
    path = wheelhouse() / WHEELS[package]
    return path if path.is_file() else None


def unpack(package: str, dest: Path) -> Path | None:
    """The unpacked wheel folder to put on PYTHONPATH, or None when the wheelhouse lacks it."""
    found = wheel(package)
    if found is None:
        return None
    target = dest / package
    if not target.exists():
        zipfile.ZipFile(found).extractall(target)
    return target


if __name__ == "__main__":
    wheelhouse().mkdir(parents=True, exist_ok=True)
    raise SystemExit(subprocess.call([sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(wheelhouse()),
                                      *PINS]))
