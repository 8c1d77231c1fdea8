"""Detached launch: `vllm serve` in its own session, logging to a file, with a pid file and a record.

It survives the terminal (and an SSH disconnect) because it is a session leader with no
controlling terminal and no stdin. Stopping sends SIGINT to the whole process group first: that is
vLLM's graceful shutdown (API server, engine core and workers exit together, about a second),
then SIGTERM, then SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import psutil

from wizard.errors import WizardError
from wizard.launch.calibration.lookup import key_for
from wizard.launch.command import LaunchCommand
from wizard.launch.execute import child_environment, resolve_executable
from wizard.launch.options import LaunchOptions
from wizard.launch.records import LaunchRecord, PlanSummary, new_run_dir, write_record
from wizard.planner.choose import select_gpus
from wizard.planner.plan import Plan
from wizard.i18n import msg


def server_url(host: str, port: int) -> str:
    """How to reach the server from this machine."""
    if host in {"0.0.0.0", ""}:
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def plan_summary(plan: Plan) -> PlanSummary:
    gpus = select_gpus(plan.request)
    ranks = plan.settings.tensor_parallel_size * plan.settings.pipeline_parallel_size
    contract = plan.contract()
    quant = plan.request.model.quantization
    return PlanSummary(
        vllm_version=plan.version, model_id=plan.request.model.id,
        model_ref=plan.argv[2] if len(plan.argv) > 2 else plan.request.model.id,
        gpu_name=gpus[0].name if gpus else None, gpu_count=ranks, settings=plan.settings.model_dump(),
        memory=contract["memory"], ok=plan.ok, failure_code=plan.failure_code,
        checkpoint_quantization=quant.method if quant else None,
        compute_capability=gpus[0].compute_capability if gpus else None,
        performance=contract.get("performance"),
    )


def _started(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def start_detached(command: LaunchCommand, plan: Plan, options: LaunchOptions, *, vllm_exe: Path | None = None,
                   api_key_env: str | None = None, root: Path | None = None) -> LaunchRecord:
    run = new_run_dir(options.port, root)
    log_path, pid_path = run / "server.log", run / "server.pid"
    argv = resolve_executable(command, vllm_exe)
    with open(log_path, "ab") as log:
        try:
            proc = subprocess.Popen(argv, env=child_environment(command), stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True, close_fds=True, cwd=run)
        except FileNotFoundError:
            raise WizardError(msg("launch.detach.not_found", exe=argv[0])) from None
    pid_path.write_text(f"{proc.pid}\n", encoding="utf-8")
    record = LaunchRecord(
        run_id=run.name, url=server_url(options.host, options.port), host=options.host, port=options.port,
        pid=proc.pid, pid_started=_started(proc.pid), log_path=str(log_path), pid_path=str(pid_path), run_dir=str(run),
        started_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), argv=list(command.argv),
        env=command.display_env(), served_model_name=options.served_model_name, api_key_env=api_key_env,
        api_key_required=options.api_key is not None, predicted=plan_summary(plan),
        calibration_key=key_for(plan.request, plan.settings),
    )
    write_record(record)
    return record


def is_alive(record: LaunchRecord) -> bool:
    """True while our vLLM runs (a pid reused by another process does not count)."""
    try:
        proc = psutil.Process(record.pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        started = proc.create_time()
    except psutil.Error:
        return False
    return record.pid_started is None or abs(started - record.pid_started) < 1.0


def probe_health(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as resp:  # noqa: S310 - our own server
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass(frozen=True)
class HealthResult:
    ok: bool
    seconds: float
    reason: str  # "healthy", "exited", "timeout"


def wait_healthy(record: LaunchRecord, *, timeout: float = 900, poll: float = 1.0,
                 on_progress: Callable[[str], None] | None = None) -> HealthResult:
    """Poll /health until it answers 200, the process exits, or `timeout` passes.

    `on_progress` receives each new log line as it appears (the caller decides what to show).
    """
    start = time.monotonic()
    offset = 0
    while True:
        if on_progress is not None:
            offset = _feed_new_lines(Path(record.log_path), offset, on_progress)
        if probe_health(record.url):
            return HealthResult(True, time.monotonic() - start, "healthy")
        if not is_alive(record):
            if on_progress is not None:
                _feed_new_lines(Path(record.log_path), offset, on_progress)
            return HealthResult(False, time.monotonic() - start, "exited")
        if time.monotonic() - start > timeout:
            return HealthResult(False, time.monotonic() - start, "timeout")
        time.sleep(poll)


def _feed_new_lines(path: Path, offset: int, sink: Callable[[str], None]) -> int:
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read()
    except OSError:
        return offset
    complete = data.rfind(b"\n") + 1  # only whole lines; the rest waits for the next poll
    for line in data[:complete].decode(errors="replace").splitlines():
        sink(line)
    return offset + complete


def log_tail(path: str | Path, lines: int = 40, max_bytes: int = 256 * 1024) -> str:
    """The last `lines` lines of a log (reads at most `max_bytes` from the end)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            data = fh.read()
    except OSError:
        return ""
    return "\n".join(data.decode(errors="replace").splitlines()[-lines:])


def stop(record: LaunchRecord, *, timeout: float = 30) -> bool:
    """Stop a detached server and its workers. True when it is gone."""
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        if not is_alive(record):
            return True
        try:
            os.killpg(record.pid, sig)  # the session leader's group: engine core and workers too
        except ProcessLookupError:
            return True
        except PermissionError:
            raise WizardError(msg("launch.detach.not_allowed", pid=record.pid)) from None
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and is_alive(record):
            time.sleep(0.2)
            _reap(record.pid)
    return not is_alive(record)


def _reap(pid: int) -> None:
    """Collect our own child's exit status so it does not linger as a zombie (when we started it)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
