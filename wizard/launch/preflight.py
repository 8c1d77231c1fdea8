"""Checks before launching, each with a plain message and the fix (the users' pains in
shared/seeds and hw-quant-matrix §7: missing C compiler or Python headers, a driver older than
vLLM's CUDA, a taken port, a full disk, a 64 MB /dev/shm in containers, gated models without a
token, a server open to every interface without a key, repository code run without consent).

Checks read the machine; they never change it. Each returns ok / warn / fail / skip; any fail
blocks the launch.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from wizard import envvars as ev
from wizard import locations
from wizard.i18n import localize, msg
from wizard.launch.introspect import Introspection
from wizard.launch.options import LaunchOptions
from wizard.planner.plan import Plan
from wizard.planner.versions import VllmVersion
from wizard.vllm_env import VllmInstall

GIB = 1 << 30
Status = Literal["ok", "warn", "fail", "skip"]
COMPILE_CACHE_NEED = 2 * GIB  # torch.compile + Triton caches of one model, with headroom
SHM_NEED = 1 * GIB


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    message: str
    fix: str | None = None


@dataclass(frozen=True)
class Consent:
    """What the user explicitly allowed (a flag or a yes to the question), never inferred."""

    trust_remote_code: bool = False
    open_without_api_key: bool = False


@dataclass(frozen=True)
class PreflightReport:
    checks: tuple[Check, ...]

    @property
    def blocking(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status == "fail")

    @property
    def ok(self) -> bool:
        return not self.blocking

    def render(self, lang: str | None = None) -> str:
        """The checks as text in `lang` (default: the language the edge chose)."""
        mark = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": "--  "}
        lines = []
        for c in self.checks:
            name = msg(NAME_KEYS[c.name]).render(lang) if c.name in NAME_KEYS else c.name
            lines.append(f"  [{mark[c.status]}] {name}: {localize(c.message, lang)}")
            if c.fix and c.status in {"warn", "fail"}:
                lines.append("         " + msg("preflight.mark.fix", fix=c.fix).render(lang))
        return "\n".join(lines)


# Check names stay English in data (screens and records key on them); rendered through these keys.
NAME_KEYS = {
    "vLLM": "preflight.name.vllm", "C compiler": "preflight.name.compiler", "Python headers": "preflight.name.headers",
    "CUDA driver": "preflight.name.cuda", "port": "preflight.name.port", "disk": "preflight.name.disk",
    "/dev/shm": "preflight.name.shm", "Hub token": "preflight.name.token", "API key": "preflight.name.api_key",
    "remote code": "preflight.name.remote_code", "preflight": "preflight.name.preflight",
}


def check_vllm(install: VllmInstall | None, plan: Plan, probe_error: str | None = None) -> Check:
    if install is not None and probe_error:
        return Check("vLLM", "fail", msg("preflight.vllm.broken", version=install.version, error=probe_error),
                     msg("preflight.vllm.broken_fix"))
    if install is None and probe_error:
        return Check("vLLM", "fail", probe_error, msg("app.vllm_python_fix", var=ev.VLLM_PYTHON))
    if install is None:
        return Check("vLLM", "fail", msg("preflight.vllm.missing"), msg("preflight.vllm.missing_fix"))
    have, want = VllmVersion.parse(install.version), VllmVersion.parse(plan.version)
    if have.key != want.key:
        return Check("vLLM", "warn", msg("preflight.vllm.other_release", want=str(want), have=install.version,
                                         python=install.python),
                     msg("preflight.vllm.other_release_fix", version=str(have)))
    return Check("vLLM", "ok", msg("preflight.vllm.ok", version=install.version, python=install.python))


def check_compiler(env: Mapping[str, str]) -> Check:
    cc = env.get("CC")
    if cc:
        found = shutil.which(cc, path=env.get("PATH"))
        if found:
            return Check("C compiler", "ok", msg("preflight.cc.env_ok", cc=cc, found=found))
        return Check("C compiler", "fail", msg("preflight.cc.env_missing", cc=cc), msg("preflight.cc.env_missing_fix"))
    for name in ("gcc", "cc", "clang"):
        found = shutil.which(name, path=env.get("PATH"))
        if found:
            return Check("C compiler", "ok", msg("preflight.cc.ok", name=name, found=found))
    return Check("C compiler", "fail", msg("preflight.cc.none"), msg("preflight.cc.none_fix"))


def check_python_headers(info: Introspection | None) -> Check:
    if info is None or not info.python_include:
        return Check("Python headers", "skip", msg("preflight.skip.not_introspected"))
    header = Path(info.python_include) / "Python.h"
    if header.is_file():
        return Check("Python headers", "ok", msg("preflight.headers.ok", header=str(header)))
    return Check("Python headers", "fail", msg("preflight.headers.missing", header=str(header)),
                 msg("preflight.headers.missing_fix", python=info.raw.get("python", "")))


def _cuda_tuple(text: str) -> tuple[int, int] | None:
    parts = str(text).split(".")
    try:
        return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        return None


def check_cuda(plan: Plan, info: Introspection | None) -> Check:
    driver = plan.request.hardware.cuda_driver_version
    if plan.request.hardware.source == "catalog":
        return Check("CUDA driver", "skip", msg("preflight.cuda.catalog"))
    if info is None:
        return Check("CUDA driver", "skip", msg("preflight.skip.not_introspected"))
    if not info.torch_cuda:
        return Check("CUDA driver", "skip", msg("preflight.cuda.not_cuda", version=info.raw.get("torch_version")))
    built, have = _cuda_tuple(info.torch_cuda), _cuda_tuple(driver or "")
    if built is None or have is None:
        return Check("CUDA driver", "skip", msg("preflight.cuda.unknown"))
    if built[0] > have[0]:
        return Check("CUDA driver", "fail", msg("preflight.cuda.too_old", driver=driver, torch=info.torch_cuda),
                     msg("preflight.cuda.too_old_fix", major=have[0]))
    if built > have:
        return Check("CUDA driver", "warn", msg("preflight.cuda.minor", driver=driver, torch=info.torch_cuda),
                     msg("preflight.cuda.minor_fix"))
    return Check("CUDA driver", "ok", msg("preflight.cuda.ok", driver=driver, torch=info.torch_cuda))


def port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def check_port(options: LaunchOptions) -> Check:
    try:
        free = port_free(options.host, options.port)
    except OSError as exc:
        return Check("port", "fail", msg("preflight.port.cannot_listen", host=options.host, why=str(exc.strerror or exc)),
                     msg("preflight.port.cannot_listen_fix"))
    if free:
        return Check("port", "ok", msg("preflight.port.ok", host=options.host, port=options.port))
    spare = next((p for p in range(options.port + 1, options.port + 50) if port_free(options.host, p)), None)
    return Check("port", "fail", msg("preflight.port.taken", port=options.port, host=options.host),
                 msg("preflight.port.use", port=spare) if spare else msg("preflight.port.choose"))


def _free(path: Path) -> int | None:
    for candidate in (path, *path.parents):
        if candidate.exists():
            try:
                return shutil.disk_usage(candidate).free
            except OSError:
                return None
    return None


def check_disk(plan: Plan, env: Mapping[str, str]) -> Check:
    model = plan.request.model
    short_hub: tuple[float, float, Path] | None = None  # (needed GiB, free GiB, where) when the download will not fit
    download = False
    if model.source != "local" and not model.has_weights:
        need = model.weights.total_bytes or 0
        hub_cache = locations.hf_hub_cache(env)
        hub_free = _free(hub_cache)
        if hub_free is not None and need and hub_free < need * 1.05:
            short_hub = (need / GIB, hub_free / GIB, hub_cache)
        else:
            download = True
    cache = locations.vllm_cache_root(env)
    free = _free(cache)
    short_cache = free is not None and free < COMPILE_CACHE_NEED
    fix = msg("preflight.disk.fix")
    if short_hub and short_cache:
        return Check("disk", "fail", msg("preflight.disk.both", need=short_hub[0], hub=str(short_hub[2]),
                                         hub_free=short_hub[1], cache=str(cache), free=(free or 0) / GIB), fix)
    if short_hub:
        return Check("disk", "fail", msg("preflight.disk.need", need=short_hub[0], cache=str(short_hub[2]),
                                         free=short_hub[1]), fix)
    if short_cache:
        return Check("disk", "fail", msg("preflight.disk.compile", cache=str(cache), free=(free or 0) / GIB), fix)
    return Check("disk", "ok", msg("preflight.disk.ok_download" if download else "preflight.disk.ok", cache=str(cache)))


def in_container() -> bool:
    if Path("/.dockerenv").exists() or Path("/run/.containerenv").exists():
        return True
    try:
        text = Path("/proc/1/cgroup").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(word in text for word in ("docker", "kubepods", "containerd", "libpod"))


def check_shm(plan: Plan, *, container: bool | None = None, shm: Path = Path("/dev/shm")) -> Check:
    ranks = plan.settings.tensor_parallel_size * plan.settings.pipeline_parallel_size
    if ranks <= 1:
        return Check("/dev/shm", "skip", msg("preflight.shm.one_gpu"))
    container = in_container() if container is None else container
    try:
        size = shutil.disk_usage(shm).total
    except OSError:
        size = 0
    if size >= SHM_NEED:
        return Check("/dev/shm", "ok", msg("preflight.shm.ok", gib=size / GIB, ranks=ranks))
    return Check("/dev/shm", "fail",
                 msg("preflight.shm.small_container" if container else "preflight.shm.small_machine",
                     mib=size / (1 << 20), ranks=ranks),
                 msg("preflight.shm.fix_container") if container else msg("preflight.shm.fix_machine"))


def has_hf_token(env: Mapping[str, str]) -> bool:
    if any(env.get(v) for v in ev.HF_TOKEN_VARS):
        return True
    return locations.hf_token_path(env).is_file()


def check_token(plan: Plan, env: Mapping[str, str], gated: bool | None) -> Check:
    model = plan.request.model
    if model.source == "local" or (model.has_weights and gated is not True):
        return Check("Hub token", "skip", msg("preflight.token.on_disk"))
    if has_hf_token(env):
        return Check("Hub token", "ok", msg("preflight.token.ok"))
    if gated:
        return Check("Hub token", "fail", msg("preflight.token.gated", model=model.id), msg("preflight.token.gated_fix"))
    return Check("Hub token", "warn", msg("preflight.token.none"), msg("preflight.token.none_fix"))


def check_exposure(options: LaunchOptions, consent: Consent) -> Check:
    if options.api_key is not None:
        return Check("API key", "ok", msg("preflight.key.ok"))
    if options.loopback_only:
        return Check("API key", "ok", msg("preflight.key.loopback", host=options.host))
    if consent.open_without_api_key:
        return Check("API key", "warn", msg("preflight.key.allowed", host=options.host), msg("preflight.key.allowed_fix"))
    return Check("API key", "fail", msg("preflight.key.open", host=options.host), msg("preflight.key.open_fix"))


def check_remote_code(plan: Plan, consent: Consent) -> Check:
    model = plan.request.model
    if plan.settings.trust_remote_code:
        if consent.trust_remote_code:
            return Check("remote code", "warn", msg("preflight.code.allowed"))
        return Check("remote code", "fail", msg("preflight.code.not_allowed"), msg("preflight.code.not_allowed_fix"))
    if model.has_remote_code:
        return Check("remote code", "warn", msg("preflight.code.ships"), msg("preflight.code.ships_fix"))
    return Check("remote code", "ok", msg("preflight.code.none"))


def run_preflight(plan: Plan, options: LaunchOptions, *, install: VllmInstall | None,
                  info: Introspection | None = None, consent: Consent = Consent(),
                  env: Mapping[str, str] | None = None, gated: bool | None = None,
                  probe_error: str | None = None) -> PreflightReport:
    env = dict(os.environ if env is None else env)
    return PreflightReport((
        check_vllm(install, plan, probe_error), check_compiler(env), check_python_headers(info), check_cuda(plan, info),
        check_port(options), check_disk(plan, env), check_shm(plan), check_token(plan, env, gated),
        check_exposure(options, consent), check_remote_code(plan, consent),
    ))
