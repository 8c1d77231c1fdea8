"""Monitor test fixtures: a real HTTP server on 127.0.0.1 serving vLLM's /health and /metrics,
a loopback port where nothing listens, and a pinned time zone for snapshots."""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from monitor_support import MetricsServer, metrics_text  # noqa: E402


@pytest.fixture
def metrics_server() -> Iterator[MetricsServer]:
    state = MetricsServer(metrics=[metrics_text("v0.11.0", 0)])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            path = self.path.split("?")[0]
            state.hits[path] = state.hits.get(path, 0) + 1  # counted on arrival, before any delay
            if state.delay_s:
                time.sleep(state.delay_s)
            if path == "/health":
                self.send_response(state.health_status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif path == "/metrics":
                body = state.next_metrics().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL where nothing listens (bound then closed: connection refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def utc(monkeypatch) -> Iterator[None]:
    """Snapshots show local time: pin it to UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def no_fake_env(monkeypatch) -> None:
    for key in [k for k in os.environ if k.startswith("VLLM_WIZARD_")]:
        monkeypatch.delenv(key)
