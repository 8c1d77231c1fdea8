"""Bounded HTTP for verify: one deadline covers connecting, sending and every read.

A server that accepts the connection and then stalls (an engine that hung mid-generation) must not
hang verify. Socket timeouts alone bound each recv, not a reply that trickles one byte at a time, so
every exchange also has a watchdog that shuts the socket down when the deadline passes; a blocked
read then returns at once. Requests go straight to the server (no proxy): verify talks to a server
the user runs, usually on this machine or its LAN, which an http_proxy set for package mirrors
cannot reach. The API key travels only in the Authorization header; errors quote the server's
answer with the key masked, never the request.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from wizard.i18n import Message, msg
from wizard.redact import mask_text

MAX_JSON = 8 << 20  # /v1/models or one completion: a few KB; refuse to buffer a runaway body
MAX_LINE = 1 << 20  # one SSE line
EXCERPT = 300  # characters of a server's error body kept as evidence
MASK = "<hidden>"


class Deadline:
    """The end of verify's time: every connect and read gets what is left of it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0.0


class VerifyHttpError(Exception):
    """A request that did not produce an answer; `reason` is the sentence shown to the user."""

    def __init__(self, reason: Message | str) -> None:
        super().__init__(str(reason))
        self.reason = reason


class Unreachable(VerifyHttpError):
    """Nothing answered: refused, no route, bad host, TLS failure."""


class TimedOut(VerifyHttpError):
    """The deadline (or the stall limit) passed before the answer was complete."""

    def __init__(self, reason: Message | str, *, received: int = 0) -> None:
        super().__init__(reason)
        self.received = received  # SSE events that did arrive before the stall


class HttpStatus(VerifyHttpError):
    """The server answered with an error status."""

    def __init__(self, status: int, detail: str, reason: Message) -> None:
        super().__init__(reason)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Endpoint:
    scheme: str
    host: str
    port: int
    base_path: str

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        """Raises ValueError with a plain sentence for a URL verify cannot use."""
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme not in {"http", "https"}:
            raise ValueError(msg("verify.input.url_scheme", url=url))
        if not parts.hostname:
            raise ValueError(msg("verify.input.url_host", url=url))
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise ValueError(msg("verify.input.url_port", url=url)) from None
        base = parts.path.rstrip("/")
        for suffix in ("/v1/models", "/v1", "/health", "/metrics"):
            base = base.removesuffix(suffix)
        return cls(parts.scheme, parts.hostname, port, base)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.base_path}"


class ApiClient:
    """GET/POST JSON and stream server-sent events from an OpenAI-compatible server, within `deadline`."""

    def __init__(self, endpoint: Endpoint, api_key: str | None, deadline: Deadline) -> None:
        self.endpoint = endpoint
        self._key = api_key
        self.deadline = deadline

    def redact(self, text: str) -> str:
        """`text` with the API key masked (a server may echo what it was sent), and any other secret
        it quotes (wizard.redact)."""
        return mask_text(text.replace(self._key, MASK) if self._key else text)

    def get_json(self, path: str) -> Any:
        with self._exchange("GET", path, None, self.deadline.remaining()) as resp:
            return self._json_body(resp, path)

    def post_json(self, path: str, body: dict) -> Any:
        with self._exchange("POST", path, body, self.deadline.remaining()) as resp:
            return self._json_body(resp, path)

    def stream(self, path: str, body: dict, on_event: Callable[[dict, float], bool], *, stall_s: float) -> None:
        """POST `body` and feed each SSE `data:` object to `on_event(obj, monotonic_time)` until
        `[DONE]`, the end of the body, or `on_event` returning False (the connection is then
        closed, which makes vLLM abort the request). `stall_s` bounds the wait for each next byte."""
        received = 0
        with self._exchange("POST", path, body, self.deadline.remaining()) as resp:
            for line in self._lines(resp, stall_s, lambda: received):
                if not line.startswith(b"data:"):
                    continue
                payload = line[5:].strip()
                if payload == b"[DONE]":
                    return
                try:
                    event = json.loads(payload)
                except ValueError:
                    continue  # a keep-alive or a proxy's comment; not ours to judge
                received += 1
                if isinstance(event, dict) and not on_event(event, time.monotonic()):
                    return

    # -- plumbing ------------------------------------------------------------------------------

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self.endpoint.scheme == "https" else http.client.HTTPConnection
        return cls(self.endpoint.host, self.endpoint.port, timeout=max(timeout, 0.01))

    @contextmanager
    def _exchange(self, method: str, path: str, body: dict | None, budget: float) -> Iterator[http.client.HTTPResponse]:
        if budget <= 0:
            raise TimedOut(msg("verify.http.out_of_time"))
        conn = self._connection(budget)
        watchdog = threading.Timer(budget, _shut, args=(conn,))
        watchdog.daemon = True
        watchdog.start()
        headers = {"Accept": "application/json", "User-Agent": "vllm-wizard-verify"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        try:
            try:
                conn.request(method, self.endpoint.base_path + path, body=data, headers=headers)
                resp = conn.getresponse()
            except (TimeoutError, socket.timeout):
                raise TimedOut(msg("verify.http.no_answer", url=self.endpoint.url, seconds=budget)) from None
            except (OSError, http.client.HTTPException) as exc:
                if self.deadline.expired:
                    raise TimedOut(msg("verify.http.no_answer", url=self.endpoint.url, seconds=budget)) from None
                raise Unreachable(msg("verify.http.unreachable", url=self.endpoint.url, why=_why(exc))) from None
            if resp.status >= 400:
                detail = self.redact(_error_detail(resp))
                reason = msg("verify.http.status", path=path, status=resp.status, detail=detail) if detail else \
                    msg("verify.http.status_bare", path=path, status=resp.status)
                raise HttpStatus(resp.status, detail, reason)
            yield resp
        finally:
            watchdog.cancel()
            conn.close()

    def _json_body(self, resp: http.client.HTTPResponse, path: str) -> Any:
        try:
            raw = resp.read(MAX_JSON + 1)
        except (OSError, http.client.HTTPException):
            raw = None
        if raw is None or self.deadline.expired:
            raise TimedOut(msg("verify.http.cut_off", path=path))
        if len(raw) > MAX_JSON:
            raise HttpStatus(resp.status, "", msg("verify.http.too_big", path=path))
        try:
            return json.loads(raw)
        except ValueError:
            excerpt = self.redact(raw[:EXCERPT].decode(errors="replace"))
            raise HttpStatus(resp.status, excerpt, msg("verify.http.not_json", path=path, excerpt=excerpt)) from None

    def _lines(self, resp: http.client.HTTPResponse, stall_s: float, received: Callable[[], int]) -> Iterator[bytes]:
        """Lines of a streamed body; each read waits at most for the stall limit or the deadline
        (the exchange's watchdog ends a reply that trickles past the deadline)."""
        buffer = b""
        raw = getattr(resp.fp, "raw", None)
        sock = getattr(raw, "_sock", None)
        while True:
            wait = min(stall_s, self.deadline.remaining())
            if wait <= 0:
                raise TimedOut(msg("verify.http.stalled", events=received()), received=received())
            if sock is not None:
                sock.settimeout(wait)
            try:
                chunk = resp.read1(65536)
            except (TimeoutError, socket.timeout, OSError, http.client.HTTPException, ValueError, AttributeError):
                raise TimedOut(msg("verify.http.stalled", events=received()), received=received()) from None
            if not chunk:
                if self.deadline.expired:  # the watchdog shut the socket: not a normal end
                    raise TimedOut(msg("verify.http.stalled", events=received()), received=received())
                if buffer.strip():
                    yield buffer.strip()
                return
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            if len(buffer) > MAX_LINE:
                raise HttpStatus(resp.status, "", msg("verify.http.too_big", path="stream"))
            for line in lines:
                yield line.rstrip(b"\r")


def _shut(conn: http.client.HTTPConnection) -> None:
    """Unblock whatever waits on this connection (called from the watchdog thread)."""
    sock = conn.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _error_detail(resp: http.client.HTTPResponse) -> str:
    """The server's own words for an error status: OpenAI-style {"error": {"message": ...}} or text."""
    try:
        raw = resp.read(64 << 10)
    except (OSError, http.client.HTTPException):
        return ""
    text = raw.decode(errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text[:EXCERPT]
    if isinstance(data, dict):
        err = data.get("error", data.get("detail", data.get("message")))
        if isinstance(err, dict):
            err = err.get("message") or err.get("type")
        if isinstance(err, (str, int, float)):
            return str(err)[:EXCERPT]
    return text[:EXCERPT]


def _why(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
