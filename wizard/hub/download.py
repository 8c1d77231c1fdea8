"""Download a model: plan (which files, bytes still needed, disk check), then run the worker process
and turn its reports into a typed event stream with speed and ETA.

For the UI: call `download(...)` in a worker thread and iterate; set the `cancel` event from any
thread to stop at once (the worker process is terminated; partial files stay and the next run
resumes them). The generator raises a WizardError subclass on failure, DownloadCancelledError
(exit 130) after a cancel. The CLI renders the same events as a text bar (wizard/commands/download.py).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from wizard import envvars as ev
from wizard.hub import errors as E
from wizard.hub import modelscope as ms
from wizard.hub.disk import require_space
from wizard.hub.inspect import inspect_repo
from wizard.hub.layout import HfLayout, ms_present
from wizard.hub.repo import RemoteFile, RemoteRepo
from wizard.hub.selection import select_files
from wizard.hub.settings import HubSettings, settings_for
from wizard.model.facts import ModelFacts
from wizard.i18n import msg
from wizard.model.resolve import parse_ref

State = Literal["planning", "starting", "downloading", "retrying", "done", "cancelled"]
TICK_S = 0.1
SPEED_WINDOW_S = 5.0
STOP_GRACE_S = 2.0
READER_JOIN_S = 10.0  # the readers reach end-of-file once the worker's process group is gone


@dataclass(frozen=True)
class DownloadPlan:
    settings: HubSettings
    repo: RemoteRepo
    facts: ModelFacts
    files: tuple[RemoteFile, ...]
    skipped: tuple[str, ...]
    folder: Path  # where the model will be (snapshot or --local-dir): what vLLM reads
    local_dir: Path | None
    total_bytes: int
    present_bytes: int  # complete files plus partial ones from an earlier run
    files_present: int
    free_bytes: int

    @property
    def needed_bytes(self) -> int:
        return self.total_bytes - self.present_bytes

    @property
    def label(self) -> str:
        return E.label(self.repo.source, self.repo.repo_id)


@dataclass(frozen=True)
class DownloadEvent:
    state: State
    done_bytes: int = 0
    total_bytes: int = 0
    speed_bps: float | None = None  # over the last few seconds
    eta_s: float | None = None
    current_file: str | None = None
    files_done: int = 0
    files_total: int = 0
    message: str | None = None  # retry reasons, the final folder
    path: str | None = None  # set on "done": the folder to give vLLM

    @property
    def fraction(self) -> float:
        return self.done_bytes / self.total_bytes if self.total_bytes else 1.0


def plan_download(model: str, *, revision: str | None = None, local_dir: str | os.PathLike[str] | None = None,
                  hf_endpoint: str | None = None, settings: HubSettings | None = None,
                  free_bytes: int | None = None) -> DownloadPlan:
    """Inspect the repo, choose the files, measure what is already on disk and check the free space
    (DiskSpaceError names both numbers). No weight bytes move."""
    ref = parse_ref(model)
    if ref.source == "local":
        raise E.HubError(msg("hub.error.local_nothing_to_download", model=model))
    settings = settings or settings_for(ref.source, hf_endpoint=hf_endpoint)
    remote = inspect_repo(ref.id, settings, revision or ref.revision)
    selection = select_files(remote.repo, remote.facts.weights.files)
    target_dir = Path(local_dir).expanduser().absolute() if local_dir else None
    folder, present, complete = _present(settings, remote.repo, selection.files, target_dir)
    total = selection.total_bytes
    free = require_space(target_dir or settings.cache_dir, total - present,
                         E.label(remote.repo.source, remote.repo.repo_id), free=free_bytes)
    return DownloadPlan(settings, remote.repo, remote.facts, selection.files, selection.skipped, folder, target_dir,
                        total, present, complete, free)


def _present(settings: HubSettings, repo: RemoteRepo, files: tuple[RemoteFile, ...],
             local_dir: Path | None) -> tuple[Path, int, int]:
    if repo.source == "modelscope":
        folder = local_dir or ms.snapshot_dir(settings.cache_dir, repo.repo_id, repo.revision)
        done, complete, _ = ms_present(folder, ms.partial_dirs(settings.cache_dir, repo.repo_id, local_dir), files)
        return folder, done, complete

    layout = HfLayout(settings.cache_dir, repo, local_dir)
    states = [layout.present(layout.target(f)) for f in files]
    return layout.folder, sum(n for _, n in states), sum(1 for ok, _ in states if ok)


def _relink(plan: DownloadPlan) -> None:
    """Every byte is on disk, maybe under another snapshot (same blobs) or without its refs: make this
    revision findable, as the worker does at the end of a download."""
    if plan.repo.source != "hf":
        return

    layout = HfLayout(plan.settings.cache_dir, plan.repo, plan.local_dir)
    for f in plan.files:
        layout.finish(layout.target(f))
    layout.write_refs()


class _Speed:
    def __init__(self) -> None:
        self.samples: deque[tuple[float, int]] = deque()

    def add(self, now: float, done: int) -> float | None:
        self.samples.append((now, done))
        while len(self.samples) > 2 and now - self.samples[0][0] > SPEED_WINDOW_S:
            self.samples.popleft()
        t0, d0 = self.samples[0]
        if now - t0 < 0.5:
            return None
        return max(0.0, (done - d0) / (now - t0))


def download(model: str | DownloadPlan, *, cancel: threading.Event | None = None, revision: str | None = None,
             local_dir: str | os.PathLike[str] | None = None, hf_endpoint: str | None = None,
             settings: HubSettings | None = None, verify: bool = True, workers: int = 4) -> Iterator[DownloadEvent]:
    """Events from "planning" to "done" (its `path` is the folder to serve). Give a DownloadPlan to skip
    the planning (the UI shows the plan first, then starts)."""
    cancel = cancel or threading.Event()
    if isinstance(model, DownloadPlan):
        plan = model
    else:
        yield DownloadEvent("planning")
        plan = plan_download(model, revision=revision, local_dir=local_dir, hf_endpoint=hf_endpoint,
                             settings=settings)
    base = DownloadEvent("starting", plan.present_bytes, plan.total_bytes, files_done=plan.files_present,
                         files_total=len(plan.files))
    if cancel.is_set():
        raise _cancelled(plan, plan.present_bytes)
    yield base
    if plan.files_present == len(plan.files):
        _relink(plan)
        yield replace(base, state="done", path=str(plan.folder), message="already downloaded")
        return
    yield from _run_worker(plan, cancel, base, verify=verify, workers=workers)


def _job(plan: DownloadPlan, verify: bool, workers: int) -> bytes:
    s = plan.settings
    job = {"settings": {"source": s.source, "endpoint": s.endpoint, "token": s.token_value(),
                        "token_origin": s.token_origin, "cache_dir": str(s.cache_dir)},
           "repo": plan.repo.to_json(), "files": [f.path for f in plan.files],
           "local_dir": str(plan.local_dir) if plan.local_dir else None, "verify": verify, "workers": workers}
    return (json.dumps(job) + "\n").encode()


def _child_env(plan: DownloadPlan) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ev.HUB_TOKEN_VARS}
    env[ev.HF_HUB_DISABLE_PROGRESS_BARS] = "1"
    env[ev.HF_HUB_DISABLE_TELEMETRY] = "1"
    if plan.repo.source == "modelscope":
        env[ev.MODELSCOPE_CACHE] = str(plan.settings.cache_dir)
    # The worker must import this very copy of wizard, wherever it was run from.
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _run_worker(plan: DownloadPlan, cancel: threading.Event, base: DownloadEvent, *, verify: bool,
                workers: int) -> Iterator[DownloadEvent]:
    proc = subprocess.Popen([sys.executable, "-m", "wizard.hub.worker"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_child_env(plan),
                            start_new_session=True)
    messages: queue.Queue[dict | None] = queue.Queue()
    stderr_tail: deque[str] = deque(maxlen=20)
    # Each reader owns its pipe and closes it at end-of-file. Closing a pipe here while its reader is
    # inside readline frees the buffer that read is filling ("PyMemoryView_FromBuffer(): info->buf
    # must not be NULL" in the reader thread), so the cleanup below waits for them instead.
    readers = (threading.Thread(target=_read_lines, args=(proc.stdout, messages), daemon=True,
                                name="hub-download-stdout"),
               threading.Thread(target=_drain, args=(proc.stderr, stderr_tail), daemon=True,
                                name="hub-download-stderr"))
    for reader in readers:
        reader.start()
    event = base
    speed = _Speed()
    try:
        assert proc.stdin is not None
        proc.stdin.write(_job(plan, verify, workers))
        proc.stdin.flush()  # stdin stays open: closing it tells the worker we are gone
        last_yield, shown = 0.0, event
        while True:
            if cancel.is_set():
                _stop(proc)
                yield replace(event, state="cancelled", speed_bps=None, eta_s=None)
                raise _cancelled(plan, event.done_bytes)
            try:
                message = messages.get(timeout=TICK_S)
            except queue.Empty:
                message = {}
            if message is None:  # the worker's channel closed without "done" or "error"
                proc.wait()
                readers[1].join(READER_JOIN_S)  # its last words, to the end
                tail = E.redact(" | ".join(stderr_tail))[-300:]
                raise E.DownloadFailedError(msg("hub.error.worker_stopped", code=proc.returncode,
                                                tail=f": {tail}" if tail else ""))
            kind = message.get("t")
            if kind == "error":
                proc.wait()
                raise _error(message)
            if kind == "done":
                proc.wait()
                yield replace(event, state="done", done_bytes=plan.total_bytes, speed_bps=None, eta_s=0.0,
                              current_file=None, files_done=len(plan.files), path=message["path"],
                              message=message["path"])
                return
            now = time.monotonic()
            if kind == "progress":
                done = min(int(message["done"]), plan.total_bytes)
                rate = speed.add(now, done)
                left = plan.total_bytes - done
                event = replace(event, state="downloading", done_bytes=done, speed_bps=rate,
                                eta_s=(left / rate) if rate else None, current_file=message.get("current"),
                                files_done=int(message.get("files_done", event.files_done)), message=None)
            elif kind == "retry":
                where = f" ({message['file']})" if message.get("file") else ""
                event = replace(event, state="retrying",
                                message=f"{message.get('reason', 'connection lost')}{where}; resuming "
                                        f"(try {message.get('attempt')})")
            # At most ten events a second, and only when something changed (a UI redraws on each).
            if event != shown and (kind == "retry" or now - last_yield >= TICK_S):
                last_yield, shown = now, event
                yield event
    finally:
        if proc.poll() is None:
            _stop(proc)
        try:
            if proc.stdin:
                proc.stdin.close()
        except OSError:
            pass  # the worker is gone: what was left unflushed has no reader
        for reader in readers:
            # A grandchild that left the worker's process group could hold a pipe open: the readers
            # are daemons, so waiting is bounded and the process can still exit.
            reader.join(READER_JOIN_S)


def _read_lines(stream, messages: queue.Queue) -> None:
    with stream:
        for line in stream:
            try:
                messages.put(json.loads(line))
            except ValueError:
                continue
    messages.put(None)


def _drain(stream, tail: deque[str]) -> None:
    with stream:
        for line in stream:
            text = line.decode("utf-8", "replace").strip()
            if text:
                tail.append(text)


def _stop(proc: subprocess.Popen) -> None:
    """Terminate the worker's whole process group now; kill it if it lingers."""
    for sig, wait_s in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def _error(message: dict) -> E.WizardError:
    cls = getattr(E, str(message.get("cls")), None)
    text = E.redact(message.get("message") or "download failed")
    if isinstance(cls, type) and issubclass(cls, E.HubError) and cls is not E.DiskSpaceError:
        return cls(text)
    return E.DownloadFailedError(text)


def _cancelled(plan: DownloadPlan, done: int) -> E.DownloadCancelledError:
    return E.DownloadCancelledError(msg("hub.error.cancelled", label=plan.label, done=E.gib(done),
                                        total=E.gib(plan.total_bytes)))
