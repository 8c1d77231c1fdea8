"""Fetch one file over HTTP into its partial file, resuming, verifying, then moving it into place.

Runs in the download worker process. Resume: the partial file's length becomes a `Range: bytes=N-`
request (a server that ignores it restarts the file). Verification: the size always, and the sha256
when the hub announced one; it is computed while the bytes arrive, in a helper thread (hashlib
releases the GIL, so with a spare core hashing costs no download time), and the prefix of a resumed
file is re-read once; a finished file is never read back. A mismatch deletes the partial file: the
next run fetches it again instead of trusting it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import re
import threading
from collections.abc import Callable

from wizard.hub import errors as E
from wizard.hub.http import Http, HttpStatusError, NetworkError
from wizard.hub.layout import HfLayout, Target
from wizard.i18n import msg

BUFFER = 8 << 20
LOCK_WAIT_S = 30
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def hash_prefix(path: str | os.PathLike[str], size: int) -> hashlib._Hash:
    h = hashlib.sha256()
    if size:
        with open(path, "rb", buffering=0) as fh:
            view = memoryview(bytearray(BUFFER))
            left = size
            while left:
                n = fh.readinto(view[:min(left, BUFFER)])
                if not n:
                    break
                h.update(view[:n])
                left -= n
    return h


class _Buffers:
    """Receive buffers handed to a hashing thread and back: the socket fills one while another is hashed."""

    COUNT = 3

    def __init__(self, hasher: hashlib._Hash | None) -> None:
        self.hasher = hasher
        self.free: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(self.COUNT if hasher is not None else 1):
            self.free.put(memoryview(bytearray(BUFFER)))
        self.full: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = None
        if hasher is not None:
            self.thread = threading.Thread(target=self._hash, name="sha256", daemon=True)
            self.thread.start()

    def _hash(self) -> None:
        assert self.hasher is not None  # the thread runs only with a hasher
        while (item := self.full.get()) is not None:
            self.hasher.update(item[0][:item[1]])
            self.free.put(item[0])

    def take(self) -> memoryview:
        return self.free.get()

    def done(self, buf: memoryview, n: int) -> None:
        if self.thread is None or not n:
            self.free.put(buf)
        else:
            self.full.put((buf, n))

    def close(self) -> None:
        if self.thread is not None:
            self.full.put(None)
            self.thread.join()


def fetch(http: Http, url: str, headers: dict[str, str], layout: HfLayout, target: Target,
          on_bytes: Callable[[int], None], *, verify: bool = True) -> None:
    """Bring `target` to completion. `on_bytes(n)` reports progress (negative when a restart discards
    bytes). Raises NetworkError (resumable: call again), HttpStatusError, IntegrityError."""
    lock = _lock(target)
    with lock:
        complete, _ = layout.present(target)
        if complete:
            layout.finish(target)
            return
        _fetch_locked(http, url, headers, target, on_bytes, verify)
        layout.finish(target)


def _lock(target: Target):
    """huggingface_hub's own per-blob lock file, so a vLLM start-up downloading the same blob waits for us."""
    if target.lock is None:
        return contextlib.nullcontext()
    try:
        from filelock import FileLock, Timeout  # noqa: PLC0415 - filelock: loaded only when used, not at start-up
    except ImportError:  # pragma: no cover - filelock comes with every huggingface_hub
        return contextlib.nullcontext()
    target.lock.parent.mkdir(parents=True, exist_ok=True)

    class _Guard:
        def __enter__(self):
            self.lock = FileLock(str(target.lock), timeout=LOCK_WAIT_S)
            try:
                self.lock.acquire()
            except Timeout:
                raise E.DownloadFailedError(msg("hub.error.locked", path=target.file.path,
                                                lock=str(target.lock))) from None
            return self

        def __exit__(self, *exc):
            self.lock.release()

    return _Guard()


def _fetch_locked(http: Http, url: str, headers: dict[str, str], t: Target, on_bytes: Callable[[int], None],
                  verify: bool) -> None:
    f = t.file
    t.partial.parent.mkdir(parents=True, exist_ok=True)
    have = t.partial.stat().st_size if t.partial.exists() else 0
    if have > f.size:  # not ours, or the file changed upstream: start over
        on_bytes(-f.size)
        have = 0
        os.truncate(t.partial, 0)
    hasher = hash_prefix(t.partial, have) if (verify and f.sha256) else None
    if have < f.size:
        sent = dict(headers)
        if have:
            sent["Range"] = f"bytes={have}-"
        response = http.request("GET", url, sent)
        if have and response.status == 200:
            on_bytes(-have)  # the server ignored the range: the whole file comes again
            have = 0
            hasher = hashlib.sha256() if hasher is not None else None
        elif response.status == 206:
            match = _CONTENT_RANGE.fullmatch(response.headers.get("content-range", "").strip())
            if not match or int(match.group(1)) != have:
                response.close()
                raise NetworkError(msg("hub.net.wrong_offset", path=f.path), url)
        expected = f.size - have
        if response.length is not None and response.length != expected:
            response.close()
            raise E.IntegrityError(msg("hub.error.size_changed", path=f.path, listed=f.size,
                                       served=have + response.length))
        mode = os.O_WRONLY | os.O_CREAT | (0 if have else os.O_TRUNC)
        fd = os.open(t.partial, mode, 0o644)
        buffers = _Buffers(hasher)
        try:
            os.lseek(fd, have, os.SEEK_SET)
            got = 0
            while got < expected:
                view = buffers.take()
                n = response.readinto(view[:min(BUFFER, expected - got)])
                written = 0
                while written < n:
                    written += os.write(fd, view[written:n])
                buffers.done(view, n)
                if not n:
                    break
                got += n
                on_bytes(n)
        finally:
            buffers.close()
            os.close(fd)
        response.close()
        if got < expected:
            raise NetworkError(msg("hub.net.closed_after_file", got=have + got, expected=f.size, path=f.path), url)
    size = t.partial.stat().st_size
    if size != f.size:
        t.partial.unlink(missing_ok=True)
        raise E.IntegrityError(msg("hub.error.size_mismatch", path=f.path, size=size, listed=f.size))
    if hasher is not None and hasher.hexdigest() != f.sha256:
        t.partial.unlink(missing_ok=True)
        on_bytes(-f.size)
        raise E.IntegrityError(msg("hub.error.sha_mismatch", path=f.path, got=hasher.hexdigest()[:12],
                                   want=(f.sha256 or "")[:12]))


def is_transient(exc: BaseException) -> bool:
    """Worth another try (resuming): the network, or the server's momentary trouble."""
    if isinstance(exc, NetworkError):
        return True
    return isinstance(exc, HttpStatusError) and (exc.status >= 500 or exc.status in (408, 429))
