"""The installed vLLM (found by wizard.vllm_env), asked directly: what its `vllm serve` parser
accepts, and whether it accepts a given argv and builds its engine configuration.

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
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from wizard.errors import WizardError
from wizard.launch.execute import DEFAULT_ENV
from wizard.doctor.explain import explain
from wizard.locations import cache_dir
from wizard.planner.argv import InstalledFlags
from wizard.releases.facts import release_facts

from wizard.vllm_env import VllmInstall
from wizard.i18n import msg

PROBE = Path(__file__).with_name("vllm_probe.py")


class VllmProbeError(WizardError):
    """The installed vLLM could not be asked (missing, broken, or too slow)."""

    exit_code = 2


def _run_probe(install: VllmInstall, command: str, stdin: str | None, timeout: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="vllm-wizard-probe-") as tmp:
        out = Path(tmp) / "result.json"
        # The same defaults as a launch: asking the parser is not a usage worth reporting.
        env = {**DEFAULT_ENV, **os.environ}
        try:
            proc = subprocess.run([str(install.python), str(PROBE), command, "--out", str(out)], input=stdin,
                                  capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            raise VllmProbeError(msg("launch.probe.timeout", version=install.version, timeout=timeout,
                                     python=str(install.python))) from None
        if not out.is_file():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise VllmProbeError(msg("launch.probe.import_failed", version=install.version, python=str(install.python),
                                     tail=tail[0]))
        result = json.loads(out.read_text(encoding="utf-8"))
    if "fatal" in result:
        raise VllmProbeError(msg("launch.probe.failed", version=install.version, python=str(install.python),
                                 error=str(result["fatal"])))
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
    return cache_dir() / "vllm-options" / f"{safe}.json"


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
                              why.fix if why else msg("launch.vllm_fix.unknown")))
    return out
