"""A small HTTP/1.1 client for the byte-moving requests: range reads while inspecting, and the
download worker's file transfers.

Why not the hub clients' sessions: huggingface_hub hands out a requests, httpx or httpx2 session
depending on its version, each with its own streaming API, and their Python-level chunking caps a
download at a third of what the link carries (measured in benchmarks/hub_download.py). `http.client`
with `readinto` into one reused buffer keeps up with curl. What we must do by hand, we do here:
keep-alive per thread, redirects (dropping credentials when the origin changes, as the hubs' CDNs
need), proxies from the environment, TLS with certifi's roots when present.
"""

from __future__ import annotations

import base64
import http.client
import socket
import ssl
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from wizard.hub.errors import redact
from wizard.i18n import Message, msg

REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 8
_CREDENTIALS = ("authorization", "cookie")


class HttpStatusError(Exception):
    """The server answered with an error status; `headers` are lower-cased, `body` is at most 4 KiB."""

    def __init__(self, status: int, url: str, headers: dict[str, str], body: bytes) -> None:
        super().__init__(f"HTTP {status} for {redact(url)}")
        self.status = status
        self.url = url
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return redact(self.body.decode("utf-8", "replace"))


class NetworkError(Exception):
    """No usable answer: refused, timed out, reset, DNS or TLS failure, or a body cut short."""

    def __init__(self, reason: str, url: str) -> None:
        # A catalog Message is the wizard's own words (kept for translation); other text may echo a server.
        reason = reason if isinstance(reason, Message) else redact(reason)
        super().__init__(reason)
        self.reason = reason
        self.url = url


@dataclass
class Response:
    status: int
    url: str  # after redirects
    headers: dict[str, str]  # lower-cased names
    raw: http.client.HTTPResponse
    _drop: Callable[[], None] | None = None  # forgets the connection when the body was not read to its end

    @property
    def length(self) -> int | None:
        value = self.headers.get("content-length")
        return int(value) if value and value.isdigit() else None

    def readinto(self, buffer: memoryview) -> int:
        """Like socket.recv_into: 0 at the end of the body. NB: http.client returns 0, not an error,
        when the server closes early; callers compare the count with the length they expect."""
        try:
            raw = self.raw
            fp = raw.fp
            if fp is not None and not raw.chunked and raw.length is not None and hasattr(raw, "_close_conn"):
                # HTTPResponse.readinto waits until the whole buffer is full (BufferedReader semantics):
                # on a slow link an 8 MiB buffer means no progress for seconds. readinto1 returns what
                # one recv gives, still straight into our buffer; the bookkeeping mirrors http.client's.
                view = buffer[:raw.length] if len(buffer) > raw.length else buffer
                n = fp.readinto1(view)
                raw.length -= n
                if not n or not raw.length:
                    raw._close_conn()
                return n
            return raw.readinto(buffer)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            self.close()
            raise NetworkError(_reason(exc), self.url) from None

    def read_all(self, limit: int) -> bytes:
        """The whole body, refusing more than `limit` bytes (a hostile or misconfigured server)."""
        chunks: list[bytes] = []
        got = 0
        view = memoryview(bytearray(min(limit + 1, 1 << 20)))
        while True:
            n = self.readinto(view)
            if not n:
                break
            got += n
            if got > limit:
                self.close()
                raise NetworkError(msg("hub.net.too_large", limit=limit), self.url)
            chunks.append(bytes(view[:n]))
        expected = self.length
        if expected is not None and got < expected:
            self.close()
            raise NetworkError(msg("hub.net.closed_after", got=got, expected=expected), self.url)
        return b"".join(chunks)

    def close(self) -> None:
        """Done with this answer. A body read to its end leaves the connection reusable (keep-alive);
        an unread remainder would poison the next request, so that connection is dropped."""
        if self.raw.isclosed():
            return
        self.raw.close()
        if self._drop is not None:
            self._drop()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout):
        return msg("hub.net.timed_out")
    if isinstance(exc, ConnectionRefusedError):
        return msg("hub.net.refused")
    if isinstance(exc, socket.gaierror):
        return msg("hub.net.dns", why=redact(exc.strerror or exc))
    if isinstance(exc, ssl.SSLError):
        return msg("hub.net.tls", why=redact(exc.reason or exc))
    if isinstance(exc, http.client.IncompleteRead):
        return msg("hub.net.mid_answer")
    if isinstance(exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)):
        return msg("hub.net.reset")
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text)


def _tls_context() -> ssl.SSLContext:
    try:
        import certifi  # noqa: PLC0415 - optional (ImportError below): a dependency of requests, present with the hub clients

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:
        return ssl.create_default_context()


class Http:
    """One client per process; connections are kept per thread (http.client is not thread-safe)."""

    def __init__(self, timeout: float = 30.0, user_agent: str = "vllm-wizard") -> None:
        self.timeout = timeout
        self.user_agent = user_agent
        self._local = threading.local()
        self._tls: ssl.SSLContext | None = None

    # -- connections ----------------------------------------------------------------------------
    def _pool(self) -> dict:
        pool = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        return pool

    def _connect(self, scheme: str, host: str, port: int) -> tuple[http.client.HTTPConnection, bool]:
        """(connection, via an http proxy that takes absolute URLs)."""
        proxy = _proxy_for(scheme, host)
        if scheme == "https":
            self._tls = self._tls or _tls_context()
            if proxy:
                conn = http.client.HTTPSConnection(proxy[0], proxy[1], timeout=self.timeout, context=self._tls)
                conn.set_tunnel(host, port, headers=proxy[2])
                return conn, False
            return http.client.HTTPSConnection(host, port, timeout=self.timeout, context=self._tls), False
        if proxy:
            return http.client.HTTPConnection(proxy[0], proxy[1], timeout=self.timeout), True
        return http.client.HTTPConnection(host, port, timeout=self.timeout), False

    def close(self) -> None:
        for conn, _ in self._pool().values():
            conn.close()
        self._pool().clear()

    # -- requests -------------------------------------------------------------------------------
    def request(self, method: str, url: str, headers: dict[str, str] | None = None, *,
                body: bytes | None = None) -> Response:
        """Send one request, following redirects; 2xx answers come back open for reading, anything
        else raises HttpStatusError (or NetworkError when no answer came)."""
        sent = {"User-Agent": self.user_agent, "Accept-Encoding": "identity", **(headers or {})}
        origin = _origin(url)
        for _ in range(MAX_REDIRECTS):
            response = self._once(method, url, sent, body)
            if response.status in REDIRECTS and "location" in response.headers:
                response.read_all(1 << 16)
                target = urljoin(url, response.headers["location"])
                if _origin(target) != origin:
                    # Signed CDN URLs must not receive the hub token.
                    sent = {k: v for k, v in sent.items() if k.lower() not in _CREDENTIALS}
                    origin = _origin(target)
                if response.status == 303:
                    method, body = "GET", None
                url = target
                continue
            if response.status >= 400 or response.status < 200:
                payload = b""
                try:
                    payload = response.read_all(1 << 20)[:4096]
                except NetworkError:
                    pass
                raise HttpStatusError(response.status, url, response.headers, payload)
            return response
        raise NetworkError(msg("hub.net.redirects", n=MAX_REDIRECTS), url)

    def get_bytes(self, url: str, headers: dict[str, str] | None = None, *, limit: int) -> tuple[bytes, Response]:
        response = self.request("GET", url, headers)
        return response.read_all(limit), response

    def _once(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> Response:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise NetworkError(msg("hub.net.not_http"), url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = (parts.scheme, parts.hostname, port)
        pool = self._pool()
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        for attempt in (0, 1):
            reused = key in pool and attempt == 0
            if not reused:
                if key in pool:
                    pool.pop(key)[0].close()
                pool[key] = self._connect(*key)
            conn, absolute = pool[key]
            try:
                conn.request(method, url if absolute else target, body=body,
                             headers={"Host": parts.netloc.rsplit("@", 1)[-1], **headers})
                raw = conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                pool.pop(key, (conn, False))[0].close()
                # A kept-alive connection the server closed meanwhile: retry once on a fresh one.
                if reused and isinstance(exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                                                http.client.CannotSendRequest)):
                    continue
                raise NetworkError(_reason(exc), url) from None
            if method == "HEAD":
                raw.read()

            def drop(_key=key, _conn=conn) -> None:
                if pool.get(_key, (None,))[0] is _conn:
                    pool.pop(_key)[0].close()

            headers_out = {k.lower(): v for k, v in raw.getheaders()}
            return Response(raw.status, url, headers_out, raw, drop)
        raise NetworkError(msg("hub.net.reset"), url)  # pragma: no cover - loop always returns


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def _proxy_for(scheme: str, host: str) -> tuple[str, int, dict[str, str]] | None:
    """(host, port, CONNECT headers) from the *_PROXY environment variables, honouring NO_PROXY."""
    proxies = urllib.request.getproxies_environment()
    url = proxies.get(scheme)
    # proxy_bypass_environment is undocumented (so not in typeshed) but has been in urllib since 3.x
    if not url or urllib.request.proxy_bypass_environment(host, proxies):  # type: ignore[attr-defined]
        return None
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if not parts.hostname:
        return None
    headers: dict[str, str] = {}
    if parts.username:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        headers["Proxy-Authorization"] = "Basic " + base64.b64encode(pair).decode()
    return parts.hostname, parts.port or 80, headers


_shared: Http | None = None


def shared_http() -> Http:
    global _shared
    if _shared is None:
        _shared = Http()
    return _shared


def read_range(client: Http, url: str, headers: dict[str, str], start: int = 0, end: int | None = None, *,
               limit: int = 64 << 20) -> bytes:
    """Bytes [start, end) of a remote file (end=None: to its end, at most `limit` bytes). A server that
    ignores Range is read only as far as needed, never to the end of a multi-gigabyte shard."""
    sent = dict(headers)
    if start or end is not None:
        sent["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
    response = client.request("GET", url, sent)
    if response.status == 200 and start:
        response.close()
        raise NetworkError(msg("hub.net.no_range"), url)
    want = limit if end is None else min(limit, end - start)
    declared = response.length
    if end is None and declared is not None and declared > limit:
        response.close()
        raise NetworkError(msg("hub.net.file_larger", declared=declared, limit=limit), url)
    buf = bytearray(want)
    view = memoryview(buf)
    got = 0
    while got < want:
        n = response.readinto(view[got:])
        if not n:
            break
        got += n
    if got == want and end is None:
        # Exactly at the limit: one more byte means the file is larger than we accept.
        extra = response.readinto(memoryview(bytearray(1)))
        if extra:
            response.close()
            raise NetworkError(msg("hub.net.file_more", limit=limit), url)
    response.close()
    expected = declared if response.status == 206 or end is None else None
    if expected is not None and got < min(expected, want):
        raise NetworkError(msg("hub.net.closed_after", got=got, expected=min(expected, want)), url)
    return bytes(view[:got])
