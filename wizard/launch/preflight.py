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
from wizard.i18n import msg
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

    def render(self) -> str:
        mark = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": "--  "}
        lines = []
        for c in self.checks:
            lines.append(f"  [{mark[c.status]}] {c.name}: {c.message}")
            if c.fix and c.status in {"warn", "fail"}:
                lines.append(f"         fix: {c.fix}")
        return "\n".join(lines)


def check_vllm(install: VllmInstall | None, plan: Plan, probe_error: str | None = None) -> Check:
    if install is not None and probe_error:
        return Check("vLLM", "fail", f"vLLM {install.version} is installed but does not work: {probe_error}",
                     "Reinstall vLLM in that environment (pip install --force-reinstall vllm), matching your CUDA.")
    if install is None and probe_error:
        return Check("vLLM", "fail", probe_error, msg("app.vllm_python_fix", var=ev.VLLM_PYTHON))
    if install is None:
        return Check("vLLM", "fail", "vLLM is not installed in this environment or on PATH.",
                     "pip install vllm, or set VLLM_WIZARD_VLLM_PYTHON to the Python of the environment that has it.")
    have, want = VllmVersion.parse(install.version), VllmVersion.parse(plan.version)
    if have.key != want.key:
        return Check("vLLM", "warn", f"The plan is for vLLM {want} but {install.version} is installed ({install.python}).",
                     f"Re-plan for the installed release: --vllm-version {have}.")
    return Check("vLLM", "ok", f"vLLM {install.version} ({install.python}).")


def check_compiler(env: Mapping[str, str]) -> Check:
    cc = env.get("CC")
    if cc:
        found = shutil.which(cc, path=env.get("PATH"))
        if found:
            return Check("C compiler", "ok", f"CC={cc} ({found}).")
        return Check("C compiler", "fail", f"CC={cc} is set but not found.", "Point CC at an installed compiler, e.g. CC=gcc.")
    for name in ("gcc", "cc", "clang"):
        found = shutil.which(name, path=env.get("PATH"))
        if found:
            return Check("C compiler", "ok", f"{name} ({found}); Triton compiles its helpers with it at start-up.")
    return Check("C compiler", "fail", "No C compiler: Triton compiles a small C file at start-up and vLLM fails with "
                 "'Failed to find C compiler'.", "apt-get install build-essential (or set CC to a compiler).")


def check_python_headers(info: Introspection | None) -> Check:
    if info is None or not info.python_include:
        return Check("Python headers", "skip", "Not checked (the vLLM environment was not introspected).")
    header = Path(info.python_include) / "Python.h"
    if header.is_file():
        return Check("Python headers", "ok", f"{header}.")
    return Check("Python headers", "fail", f"{header} is missing: Triton's start-up compile fails with "
                 "'Python.h: No such file or directory'.",
                 f"Install the headers of vLLM's Python {info.raw.get('python', '')} (apt-get install python3-dev, "
                 "or python3.X-dev matching it).")


def _cuda_tuple(text: str) -> tuple[int, int] | None:
    parts = str(text).split(".")
    try:
        return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        return None


def check_cuda(plan: Plan, info: Introspection | None) -> Check:
    driver = plan.request.hardware.cuda_driver_version
    if plan.request.hardware.source == "catalog":
        return Check("CUDA driver", "skip", "Planned for catalog GPUs; the driver is checked on the machine that runs it.")
    if info is None:
        return Check("CUDA driver", "skip", "Not checked (the vLLM environment was not introspected).")
    if not info.torch_cuda:
        return Check("CUDA driver", "skip", f"vLLM's torch ({info.raw.get('torch_version')}) is not a CUDA build.")
    built, have = _cuda_tuple(info.torch_cuda), _cuda_tuple(driver or "")
    if built is None or have is None:
        return Check("CUDA driver", "skip", "The driver's CUDA version is unknown.")
    if built[0] > have[0]:
        return Check("CUDA driver", "fail", f"The driver supports CUDA {driver}, but vLLM's torch is built for CUDA "
                     f"{info.torch_cuda}: vLLM fails with 'driver on your system is too old'.",
                     f"Update the NVIDIA driver, or install a vLLM built for CUDA {have[0]}.x.")
    if built > have:
        return Check("CUDA driver", "warn", f"The driver supports CUDA {driver}; vLLM's torch is built for "
                     f"{info.torch_cuda} (works through minor-version compatibility, but some kernels may not load).",
                     "Update the NVIDIA driver if kernels fail to load.")
    return Check("CUDA driver", "ok", f"Driver CUDA {driver} ≥ torch's CUDA {info.torch_cuda}.")


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
        return Check("port", "fail", f"Cannot listen on {options.host}: {exc.strerror or exc}.",
                     "Use --host 127.0.0.1 or an address of this machine.")
    if free:
        return Check("port", "ok", f"{options.host}:{options.port} is free.")
    spare = next((p for p in range(options.port + 1, options.port + 50) if port_free(options.host, p)), None)
    return Check("port", "fail", f"Port {options.port} is already in use on {options.host}.",
                 f"Use --port {spare}." if spare else "Choose another --port.")


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
    problems, notes = [], []
    if model.source != "local" and not model.has_weights:
        need = model.weights.total_bytes or 0
        hub_cache = locations.hf_hub_cache(env)
        free = _free(hub_cache)
        if free is not None and need and free < need * 1.05:
            problems.append(f"the model needs {need / GIB:.1f} GiB in {hub_cache} but only {free / GIB:.1f} GiB "
                            "is free")
        else:
            notes.append("room for the model download")
    cache = locations.vllm_cache_root(env)
    free = _free(cache)
    if free is not None and free < COMPILE_CACHE_NEED:
        problems.append(f"the compile cache {cache} has only {free / GIB:.1f} GiB free")
    else:
        notes.append(f"compile cache {cache}")
    if problems:
        return Check("disk", "fail", "; ".join(problems).capitalize() + ".",
                     "Free disk space, or point HF_HOME / VLLM_CACHE_ROOT at a larger disk.")
    return Check("disk", "ok", ", ".join(notes).capitalize() + ".")


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
        return Check("/dev/shm", "skip", "One GPU: no shared memory between workers.")
    container = in_container() if container is None else container
    try:
        size = shutil.disk_usage(shm).total
    except OSError:
        size = 0
    if size >= SHM_NEED:
        return Check("/dev/shm", "ok", f"{size / GIB:.1f} GiB for {ranks} workers.")
    where = "this container" if container else "this machine"
    return Check("/dev/shm", "fail", f"/dev/shm in {where} is {size / (1 << 20):.0f} MiB; {ranks} workers exchange "
                 "tensors through it and NCCL fails or hangs.",
                 "docker run --ipc=host (or --shm-size=16g); in Kubernetes mount an emptyDir with medium: Memory at "
                 "/dev/shm." if container else "Remount /dev/shm larger (mount -o remount,size=16G /dev/shm).")


def has_hf_token(env: Mapping[str, str]) -> bool:
    if any(env.get(v) for v in ev.HF_TOKEN_VARS):
        return True
    return locations.hf_token_path(env).is_file()


def check_token(plan: Plan, env: Mapping[str, str], gated: bool | None) -> Check:
    model = plan.request.model
    if model.source == "local" or (model.has_weights and gated is not True):
        return Check("Hub token", "skip", "The weights are on disk; nothing to download.")
    if has_hf_token(env):
        return Check("Hub token", "ok", "A Hugging Face token is set for the download.")
    if gated:
        return Check("Hub token", "fail", f"{model.id} is gated and no Hugging Face token is set: the download fails with 401.",
                     "Accept the licence on the model page, then export HF_TOKEN=... (or `hf auth login`).")
    return Check("Hub token", "warn", "No Hugging Face token: fine for public models, a 401 for gated ones.",
                 "export HF_TOKEN=... if the model is gated.")


def check_exposure(options: LaunchOptions, consent: Consent) -> Check:
    if options.api_key is not None:
        return Check("API key", "ok", "Requests must carry the API key (VLLM_API_KEY).")
    if options.loopback_only:
        return Check("API key", "ok", f"Only this machine can connect ({options.host}); no key needed.")
    if consent.open_without_api_key:
        return Check("API key", "warn", f"Listening on {options.host} without an API key, as you allowed: anyone who "
                     "can reach this port can use the model.", "Add --api-key-env NAME.")
    return Check("API key", "fail", f"Listening on {options.host} without an API key lets anyone who reaches the port "
                 "use the model.", "Add --api-key-env NAME (or --api-key-file PATH), use --host 127.0.0.1, or confirm "
                 "with --allow-no-api-key.")


def check_remote_code(plan: Plan, consent: Consent) -> Check:
    model = plan.request.model
    if plan.settings.trust_remote_code:
        if consent.trust_remote_code:
            return Check("remote code", "warn", "vLLM will run Python code from the model repository, as you allowed.")
        return Check("remote code", "fail", "The plan runs Python code shipped in the model repository "
                     "(--trust-remote-code) and you have not allowed it.",
                     "Read the repository's code, then pass --trust-remote-code.")
    if model.has_remote_code:
        return Check("remote code", "warn", "The checkpoint ships its own code (auto_map); if vLLM does not know the "
                     "architecture it will refuse to load without --trust-remote-code.",
                     "Pass --trust-remote-code only if you trust the repository.")
    return Check("remote code", "ok", "No repository code is run.")


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
