"""The download worker: a child process (`python -m wizard.hub.worker`) so a download can be stopped at
once, whatever library call it is in, by terminating the process. Partial files stay on disk and the
next run resumes them.

Protocol: the parent writes one JSON job on stdin (the token travels here, never in argv or the
environment) and keeps stdin open; EOF means the parent is gone, and the worker exits rather than
download for nobody. The worker answers with JSON lines on its original stdout, which it keeps to
itself: file descriptor 1 is pointed at stderr so that libraries printing progress cannot corrupt
the channel. Messages: {"t": "progress", "done", "files_done", "current"}, {"t": "retry", "file",
"attempt", "reason"}, {"t": "done", "path"}, {"t": "error", "cls", "message"}. Hashes are checked while
the bytes arrive (wizard.hub.transfer), so there is no separate verification phase to report.
"""

from __future__ import annotations

import errno
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING

from wizard import envvars as ev
from wizard.errors import WizardError
from wizard.hub import errors as E
from wizard.hub import modelscope as ms
from wizard.hub.hf import HfClient, is_transport_error
from wizard.hub.http import Http, HttpStatusError
from wizard.hub.layout import HfLayout, ms_present
from wizard.hub.repo import RemoteRepo
from wizard.hub.settings import HubSettings, Secret
from wizard.hub.transfer import fetch, is_transient
from wizard.i18n import msg

if TYPE_CHECKING:
    from wizard.hub.repo import RemoteFile, RemoteRepo

Emit = Callable[[dict], None]
REPORT_EVERY_S = 0.2
MAX_ATTEMPTS = 6
# Exit codes the parent tells apart.
EXIT_ORPHANED = 75



def _listed(repo: RemoteRepo, path: str) -> RemoteFile:
    """A file the parent took from this repository's listing (so it is there)."""
    found = repo.file(path)
    if found is None:
        raise ValueError(f"{path} is not in the listing of {repo.repo_id}")
    return found


def _channel() -> Emit:
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    lock = threading.Lock()

    def emit(message: dict) -> None:
        line = json.dumps(message)
        with lock:
            out.write(line + "\n")
            out.flush()

    return emit


def _watch_parent() -> None:
    # The file descriptor, not sys.stdin.buffer: a daemon thread blocked in a buffered read holds that
    # object's lock, and the interpreter's shutdown after a finished download then aborts ("Fatal Python
    # error: _enter_buffered_busy: could not acquire lock for <stdin>"), dumping every thread to stderr.
    # The parent sends one line, read before this starts, so the buffer holds nothing more.
    fd = sys.stdin.fileno()

    def watch() -> None:
        while os.read(fd, 1 << 10):
            pass
        os._exit(EXIT_ORPHANED)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _settings(doc: dict):
    token = doc.get("token")
    return HubSettings(doc["source"], doc["endpoint"], Secret(token) if token else None, doc.get("token_origin"),
                       False, Path(doc["cache_dir"]))


class _Meter:
    """Bytes done across the worker threads, and which file moved last."""

    def __init__(self, done: int, files_done: int) -> None:
        self.lock = threading.Lock()
        self.done = done
        self.files_done = files_done
        self.current: str | None = None

    def add(self, path: str, n: int) -> None:
        with self.lock:
            self.done += n
            self.current = path

    def finished(self) -> None:
        with self.lock:
            self.files_done += 1

    def snapshot(self) -> dict:
        with self.lock:
            return {"t": "progress", "done": self.done, "files_done": self.files_done, "current": self.current}


def _report(sample: Callable[[], dict], emit: Emit, stop: threading.Event) -> threading.Thread:
    def loop() -> None:
        last = None
        emit(last := sample())  # at once: the UI shows the resumed position before the first chunk
        while not stop.wait(REPORT_EVERY_S):
            message = sample()
            if message != last:
                emit(message)
                last = message

    thread = threading.Thread(target=loop, name="progress", daemon=True)
    thread.start()
    return thread


def _backoff(attempt: int) -> float:
    return min(8.0, 0.5 * 2 ** (attempt - 1))


def run_hf(job: dict, emit: Emit) -> Path:
    settings = _settings(job["settings"])
    repo = RemoteRepo.from_json(job["repo"])
    local_dir = Path(job["local_dir"]) if job.get("local_dir") else None
    layout = HfLayout(settings.cache_dir, repo, local_dir)
    client = HfClient(settings)
    http = Http(timeout=float(job.get("timeout", 30)))
    targets = [layout.target(_listed(repo, p)) for p in job["files"]]
    present = [layout.present(t) for t in targets]
    meter = _Meter(sum(n for _, n in present), sum(1 for ok, _ in present if ok))
    stop = threading.Event()
    reporter = _report(meter.snapshot, emit, stop)

    def one(t) -> None:
        attempt = 1
        while True:
            progressed = [0]

            def count(n: int, _path=t.file.path) -> None:
                progressed[0] += n
                meter.add(_path, n)

            try:
                fetch(http, client.file_url(repo, t.file.path), client.auth_headers(), layout, t, count,
                      verify=job.get("verify", True))
                meter.finished()
                return
            except HttpStatusError as exc:
                if not is_transient(exc) or attempt >= MAX_ATTEMPTS:
                    raise client.status_error(exc, repo, t.file.path) from None
                reason = f"HTTP {exc.status}"
            except E.WizardError:
                raise
            except Exception as exc:  # noqa: BLE001 - NetworkError and OSError from the socket
                if not is_transient(exc) or attempt >= MAX_ATTEMPTS:
                    if isinstance(exc, OSError):
                        raise _disk_error(exc, t.partial) from None
                    raise E.unreachable("hf", settings.endpoint, str(exc)) from None
                reason = str(exc)
            # A try that moved bytes resets the count: a flaky link may take many resumes to finish.
            attempt = 1 if progressed[0] > 0 else attempt + 1
            emit({"t": "retry", "file": t.file.path, "attempt": attempt, "reason": E.redact(reason)})
            time.sleep(_backoff(attempt))

    pool = ThreadPoolExecutor(max(1, int(job.get("workers", 4))), thread_name_prefix="fetch")
    futures = [pool.submit(one, t) for t in targets]
    done, _ = wait(futures, return_when=FIRST_EXCEPTION)
    for future in done:
        if (error := future.exception()) is not None:
            # Report now: the other files' threads are not waited for, they end with the process.
            stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            raise error
    pool.shutdown()
    layout.write_refs()
    stop.set()
    reporter.join()
    emit(meter.snapshot())
    return layout.folder


def _disk_error(exc: OSError, where: Path) -> WizardError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return E.DownloadFailedError(msg("hub.error.disk_full", where=str(where.parent)))
    return E.DownloadFailedError(msg("hub.error.cannot_write", where=str(where), why=str(exc.strerror or exc)))


def run_modelscope(job: dict, emit: Emit) -> Path:
    settings = _settings(job["settings"])
    repo = RemoteRepo.from_json(job["repo"])
    local_dir = Path(job["local_dir"]) if job.get("local_dir") else None
    files = tuple(_listed(repo, p) for p in job["files"])
    folder = local_dir or ms.snapshot_dir(settings.cache_dir, repo.repo_id, repo.revision)
    temps = ms.partial_dirs(settings.cache_dir, repo.repo_id, local_dir)

    def sample() -> dict:
        done, complete, current = ms_present(folder, temps, files)
        return {"t": "progress", "done": done, "files_done": complete, "current": current}

    stop = threading.Event()
    reporter = _report(sample, emit, stop)
    attempt = 1
    while True:
        before = sample()["done"]
        try:
            path = ms.client_download(settings, repo, list(job["files"]), local_dir, int(job.get("workers", 4)))
            break
        except Exception as exc:  # noqa: BLE001 - the client's errors differ between versions
            text = E.redact(exc)
            fatal = any(k in text.lower() for k in ("not exist", "not found", "401", "403", "permission", "[e3020]"))
            if fatal or attempt >= MAX_ATTEMPTS or not (is_transport_error(exc) or "download" in text.lower()):
                stop.set()
                raise E.DownloadFailedError(msg("hub.error.ms_failed", repo=repo.repo_id,
                                                detail=text.splitlines()[0][:300] if text else type(exc).__name__)) from None
            attempt = 1 if sample()["done"] > before else attempt + 1
            emit({"t": "retry", "file": None, "attempt": attempt, "reason": text.splitlines()[0][:200]})
            time.sleep(_backoff(attempt))
    stop.set()
    reporter.join()
    emit(sample())
    return path


def main() -> int:
    emit = _channel()
    job = json.loads(sys.stdin.buffer.readline())
    _watch_parent()
    os.environ.setdefault(ev.HF_HUB_DISABLE_PROGRESS_BARS, "1")
    try:
        runner = run_modelscope if job["settings"]["source"] == "modelscope" else run_hf
        path = runner(job, emit)
    except WizardError as exc:
        emit({"t": "error", "cls": type(exc).__name__, "message": E.redact(exc.message)})
        sys.stderr.flush()
        os._exit(1)  # worker threads may still be blocked in a socket: do not wait for them
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which shows one line
        emit({"t": "error", "cls": "DownloadFailedError",
              "message": E.redact(f"download worker failed: {type(exc).__name__}: {exc}")})
        sys.stderr.flush()
        os._exit(1)
    emit({"t": "done", "path": str(path)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
