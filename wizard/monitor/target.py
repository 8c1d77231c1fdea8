"""Which vLLM server to watch: `--url`, a launch record JSON file, or the server the wizard launched.

Precedence: an explicit URL, then `--launch-record PATH`, then wizard.launch.latest_launch() when the
launcher provides it (imported under a guard: the monitor works before and without it). A record
gives the pid (so "starting" can be told from "down") and the log path (named when it is down).
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from wizard.bounds import shown
from wizard.errors import InputError
from wizard.i18n import msg
from wizard.launch.run_dirs import newest_record_path, runs_dir


@dataclass(frozen=True)
class ServerTarget:
    url: str
    pid: int | None = None
    log_path: str | None = None
    source: str = "--url"  # where it came from, for the UI ("--url", a record path, "last launch")
    # The process start time the launcher recorded: a live pid with another start time was reused.
    pid_started: float | None = None


def normalize_url(url: str) -> str:
    """Accept "host:port" and "http://host:port/" alike; the monitor appends /health and /metrics."""
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = f"http://{url}"
    for suffix in ("/metrics", "/health", "/v1"):
        url = url.removesuffix(suffix)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise InputError(msg("bounds.url", text=shown(url)))
    return url


def target_from_record(record: Any, source: str) -> ServerTarget | None:
    """A launch record as a mapping or an object with url/pid/log_path (the launcher's type)."""
    def get(key: str) -> Any:
        return record.get(key) if isinstance(record, Mapping) else getattr(record, key, None)

    url = get("url")
    if not isinstance(url, str) or not url:
        return None
    pid = get("pid")
    log = get("log_path")
    started = get("pid_started")
    return ServerTarget(url=normalize_url(url), pid=pid if isinstance(pid, int) and pid > 0 else None,
                        log_path=None if log is None else str(log), source=source,
                        pid_started=float(started) if isinstance(started, (int, float)) else None)


def read_launch_record(path: Path, source: str | None = None) -> ServerTarget:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(msg("monitor.target.unreadable", path=str(path), why=str(exc.strerror or exc))) from None
    except json.JSONDecodeError as exc:
        raise InputError(msg("monitor.target.bad_json", path=str(path), why=exc.msg, line=exc.lineno)) from None
    target = target_from_record(data, source or str(path))
    if target is None:
        raise InputError(msg("monitor.target.no_url", path=str(path)))
    return target


def launch_records_may_exist(env: Mapping[str, str] | None = None) -> bool:
    """False only when the launcher's runs folder is absent or empty, so no launch can be found."""
    try:
        return any(runs_dir(env=env).iterdir())
    except OSError:
        return False


def newest_launch_target() -> ServerTarget | None:
    """The last launch read straight from its launch.json: importing the launcher's pydantic records
    costs ~300 ms, most of the 400 ms `monitor --once` budget, for the three fields needed here."""
    path = newest_record_path()
    if path is None:
        return None
    try:
        return read_launch_record(path, "last launch")
    except InputError:
        return None  # a broken launch history must not stop the GPU view


def resolve_target(url: str | None = None, launch_record: Path | None = None,
                   latest: Callable[[], Any] | None = None, use_latest: bool = True) -> ServerTarget | None:
    """The server to watch, or None (the server panel then says how to name one)."""
    if url:
        return ServerTarget(url=normalize_url(url))
    if launch_record is not None:
        return read_launch_record(launch_record)
    finder = latest
    if finder is None:
        return newest_launch_target() if use_latest else None
    try:
        record = finder()
    except Exception:  # noqa: BLE001 - a broken launch history must not stop the GPU view
        return None
    return None if record is None else target_from_record(record, "last launch")


# --- a server found from its processes ----------------------------------------------------------
# With no --url and no launch record, a vLLM started by hand still shows up: its workers hold GPU
# memory ("VLLM::EngineCore", "ray::RayWorkerWrapper"), and the `vllm serve` that started them, one
# or more parents up, names the port.

DEFAULT_PORT = 8000
ProcessChain = Callable[[int], "list[tuple[int, list[str]]]"]


def serve_address(argv: list[str]) -> tuple[str, int] | None:
    """(host to connect to, port) of a `vllm serve` or OpenAI api_server command line; None otherwise."""
    serve = any(os.path.basename(w) == "vllm" and argv[i + 1:i + 2] == ["serve"] for i, w in enumerate(argv)) \
        or "vllm.entrypoints.openai.api_server" in argv
    if not serve:
        return None
    host, port = "127.0.0.1", DEFAULT_PORT
    for i, word in enumerate(argv):
        for flag in ("--host", "--port"):
            value = None
            if word == flag and i + 1 < len(argv):
                value = argv[i + 1]
            elif word.startswith(flag + "="):
                value = word.split("=", 1)[1]
            if value is None:
                continue
            if flag == "--port" and value.isdigit():
                port = int(value)
            elif flag == "--host" and value not in {"", "0.0.0.0", "::"}:
                host = value  # all interfaces include loopback: connect there
    return host, port


def psutil_chain(pid: int) -> list[tuple[int, list[str]]]:
    """The process and its parents, each with its command line (what the user may read)."""
    import psutil  # noqa: PLC0415 - psutil: loaded only when used, not at start-up

    try:
        proc = psutil.Process(pid)
        chain = [proc, *proc.parents()]
    except (psutil.Error, OSError):
        return []
    out: list[tuple[int, list[str]]] = []
    for p in chain:
        try:
            out.append((p.pid, p.cmdline()))
        except (psutil.Error, OSError):
            continue
    return out


def target_from_processes(pids: list[int], commands: Mapping[int, str] | None = None,
                          chain: ProcessChain = psutil_chain) -> ServerTarget | None:
    """The server behind vLLM processes: their own command lines first (`commands`, e.g. from a
    fixture), then each one's parents. None when none of them is (or was started by) `vllm serve`."""
    for pid in pids:
        text = (commands or {}).get(pid)
        if text:
            try:
                found = serve_address(shlex.split(text))
            except ValueError:
                found = None
            if found is not None:
                return _found_target(pid, *found)
    for pid in pids:
        for owner, argv in chain(pid):
            found = serve_address(argv)
            if found is not None:
                return _found_target(owner, *found)
    return None


def _found_target(pid: int, host: str, port: int) -> ServerTarget:
    shown = f"[{host}]" if ":" in host else host
    return ServerTarget(url=f"http://{shown}:{port}", pid=pid, source=f"vLLM process {pid}")
