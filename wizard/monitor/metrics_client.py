"""Reach a vLLM server: GET /health, then /metrics, with timeouts; classify what happened.

States, as the user reads them:
- up:          /health answered 200 (the metrics text comes with it)
- starting:    nothing answers yet but the launched process is alive (vLLM opens its port only
               once the model is loaded), or /health says 503 before the server was ever up
- down:        nothing listens and no live process is known, the process exited, or /health failed
               after the server had been up (vLLM answers 503 when its engine died)
- unreachable: no answer within the timeout, or the host cannot be reached at all
Loopback URLs bypass any http(s)_proxy from the environment: a rented box's proxy cannot reach
127.0.0.1 and would turn a running server into "unreachable".
"""

from __future__ import annotations

import http.client
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import psutil

from wizard.doctor import diagnose_text
from wizard.i18n import msg
from wizard.monitor.snapshot import ServerState

MAX_BODY = 32 << 20  # /metrics of a big multi-engine server is a few MB at most
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0")


@dataclass(frozen=True)
class FetchResult:
    state: ServerState
    detail: str | None = None
    metrics_text: str | None = None
    metrics_error: str | None = None  # up, but /metrics could not be read


def pid_alive(pid: int, started: float | None = None) -> bool:
    """Is `pid` running (and, when `started` is known, still the process that started then)?"""
    try:
        proc = psutil.Process(pid)
        if started is not None and abs(proc.create_time() - started) > 1.0:
            return False  # the pid was reused by another process
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return psutil.pid_exists(pid)


class MetricsClient:
    def __init__(self, url: str, *, pid: int | None = None, log_path: str | None = None,
                 timeout: float = 2.0, pid_started: float | None = None,
                 alive: Callable[[int, float | None], bool] = pid_alive) -> None:
        self.url = url
        self.pid = pid
        self.pid_started = pid_started
        self.log_path = log_path
        self.timeout = timeout
        self._alive = alive
        self.was_up = False
        self._diagnosed: tuple[tuple[int | None, str | None], str] | None = None
        host = urlsplit(url).hostname or ""
        self._cutter = _Cutter()
        handlers: list[urllib.request.BaseHandler] = [_CuttableHttp(self._cutter), _CuttableHttps(self._cutter)]
        if host in LOOPBACK:
            handlers.append(urllib.request.ProxyHandler({}))
        self._opener = urllib.request.build_opener(*handlers)

    def _get(self, path: str) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, headers={"User-Agent": "vllm-wizard-monitor"})  # noqa: S310 - http(s) only: the URL was validated by the monitor's target
        try:
            return self._within_timeout(request)
        except urllib.error.HTTPError as exc:
            return exc.code, b""

    def _within_timeout(self, request: urllib.request.Request) -> tuple[int, bytes]:
        """One GET, all of it (connect, headers, body) within `timeout`: a server that drips a byte
        at a time resets a socket timeout on every read, so a timer cuts the socket at the deadline."""
        deadline = self._cutter.arm(self.timeout)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status, body = response.status, response.read(MAX_BODY)
        except urllib.error.HTTPError:
            raise
        except (OSError, http.client.HTTPException) as exc:
            if deadline.cut:
                raise TimeoutError(f"no complete answer within {self.timeout:g} s") from None
            if isinstance(exc, http.client.HTTPException):
                raise ConnectionError(f"malformed HTTP answer ({type(exc).__name__})") from None
            raise
        finally:
            deadline.disarm()
        if deadline.cut:
            raise TimeoutError(f"no complete answer within {self.timeout:g} s")
        return status, body

    def fetch(self) -> FetchResult:
        try:
            status, _ = self._get("/health")
        except TimeoutError:
            return FetchResult("unreachable", msg("monitor.server.no_answer", url=self.url, timeout=self.timeout))
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            return self._not_listening(exc)
        if status != 200:
            return self._unhealthy(status)
        self.was_up = True
        try:
            status, body = self._get("/metrics")
        except (urllib.error.URLError, OSError) as exc:
            return FetchResult("up", metrics_error=msg("monitor.server.metrics_failed", why=_why(exc)))
        if status != 200:
            return FetchResult("up", metrics_error=msg("monitor.server.metrics_http", status=status))
        return FetchResult("up", metrics_text=body.decode("utf-8", errors="replace"))

    def _not_listening(self, exc: BaseException) -> FetchResult:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            return FetchResult("unreachable", msg("monitor.server.no_answer", url=self.url, timeout=self.timeout))
        if not isinstance(reason, ConnectionRefusedError):
            return FetchResult("unreachable", msg("monitor.server.cannot_reach", url=self.url, why=_why(exc)))
        if self.pid is not None:
            if self._alive(self.pid, self.pid_started):
                if self.was_up:
                    return FetchResult("down", msg("monitor.server.stopped_listening", pid=self.pid))
                return FetchResult("starting", msg("monitor.server.starting", pid=self.pid))
            self.was_up = False
            return FetchResult("down", msg("monitor.server.exited", pid=self.pid, hint=self._log_hint(),
                                           diagnosis=self._diagnosis()))
        return FetchResult("down", msg("monitor.server.nothing_listens", url=self.url, hint=self._log_hint()))

    def _unhealthy(self, status: int) -> FetchResult:
        if status == 503 and not self.was_up and (self.pid is None or self._alive(self.pid, self.pid_started)):
            return FetchResult("starting", msg("monitor.server.not_ready"))
        return FetchResult("down", msg("monitor.server.unhealthy", status=status, hint=self._log_hint()))

    def _log_hint(self) -> str:
        return msg("monitor.server.log_hint", path=self.log_path) if self.log_path else ""

    def _diagnosis(self) -> str:
        """What `vllm-wizard doctor` finds in the dead server's log (read once per process, bounded)."""
        key = (self.pid, self.log_path)
        if self._diagnosed is None or self._diagnosed[0] != key:
            self._diagnosed = (key, _doctor_hint(self.log_path))
        return self._diagnosed[1]


def _doctor_hint(log_path: str | None) -> str:
    """"; doctor: CAUSE Fix: FIX" for the most decisive diagnosis of a log, or "" (no log, nothing found)."""
    if not log_path:
        return ""
    from wizard.launch.startup import read_log  # noqa: PLC0415 - wizard.launch.startup pulls pydantic: kept off start-up

    # The log's tail, read as the launch flow reads a failed start's log: a long-running server's log
    # can be gigabytes, and the failure that ended it is at the end. Unreadable: "" (no diagnosis).
    report = diagnose_text(read_log(log_path).splitlines())
    if not report.diagnoses:
        return ""
    first = report.diagnoses[0]
    return msg("doctor.monitor.hint", code=first.code, cause=first.cause, fix=first.fix)


class _Deadline:
    """One request's deadline: when it passes, every socket the request opened is shut down, which
    ends a blocked read at once."""

    def __init__(self, seconds: float) -> None:
        self.cut = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.cut:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.cut = True
            for sock in self._sockets:
                _shut(sock)

    def disarm(self) -> None:
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


class _Cutter:
    """Hands the current request's deadline to the connections the opener makes (one request at a
    time per client: the sampler's thread)."""

    def __init__(self) -> None:
        self.current: _Deadline | None = None

    def arm(self, seconds: float) -> _Deadline:
        self.current = _Deadline(seconds)
        return self.current

    def connect(self, address, *args, **kwargs) -> socket.socket:
        sock = socket.create_connection(address, *args, **kwargs)
        if self.current is not None:
            self.current.add(sock)
        return sock


def _cuttable(base: type[http.client.HTTPConnection], cutter: _Cutter) -> type[http.client.HTTPConnection]:
    class Connection(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = cutter.connect

    return Connection


class _CuttableHttp(urllib.request.HTTPHandler):
    def __init__(self, cutter: _Cutter) -> None:
        super().__init__()
        self._connection = _cuttable(http.client.HTTPConnection, cutter)

    def http_open(self, req):
        return self.do_open(self._connection, req)


class _CuttableHttps(urllib.request.HTTPSHandler):
    def __init__(self, cutter: _Cutter) -> None:
        super().__init__()
        self._connection = _cuttable(http.client.HTTPSConnection, cutter)

    def https_open(self, req):
        return self.do_open(self._connection, req, context=self._context)


def _why(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
