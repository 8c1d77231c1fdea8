"""`monitor --timeout` bounds the whole request: a server that drips bytes cannot hold it."""

from __future__ import annotations

import socket
import sys
import threading
import time

import pytest
from hostile_support import one_line


@pytest.fixture
def drip_server():
    """A server on 127.0.0.1 that answers every request one byte per 0.5 s, forever."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    stop = threading.Event()

    def drip(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(4096)
                for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 1_000_000:
                    if stop.is_set():
                        return
                    conn.send(bytes([byte]))
                    time.sleep(0.5)
            except OSError:
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    stop.set()
    srv.close()


def test_dripping_server_is_unreachable_within_the_timeout(drip_server):
    from wizard.monitor.metrics_client import MetricsClient

    started = time.monotonic()
    result = MetricsClient(drip_server, timeout=1).fetch()
    # Behavioural bound, generous for a busy machine: without the deadline this never returns.
    assert time.monotonic() - started < 10
    assert result.state == "unreachable" and "within 1 s" in result.detail


def test_monitor_once_returns_against_a_dripping_server(drip_server, cli_env):
    import subprocess

    cli_env["VLLM_WIZARD_FAKE_GPUS"] = "rtx4090-x1"
    result = subprocess.run([sys.executable, "-m", "wizard", "monitor", "--once", "--json", "--url", drip_server,
                             "--timeout", "1"], capture_output=True, text=True, env=cli_env, timeout=60)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert '"unreachable"' in result.stdout


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999", "ftp://host:1", "http://:8000", "http://a b:1"])
def test_malformed_url_exits_2(cli, monkeypatch, url):
    monkeypatch.setenv("VLLM_WIZARD_FAKE_GPUS", "rtx4090-x1")
    code, _, err = cli("monitor", "--once", "--url", url)
    line = one_line(err)
    assert code == 2 and "--url" in line and "http://HOST:PORT" in line


@pytest.mark.parametrize(("args", "needle"), [(["--history", "inf"], "--history inf"),
                                              (["--url", "http://[::1"], "--url http://[::1")])
def test_live_monitor_refuses_bad_options_in_one_line(monkeypatch, capsys, args, needle):
    from screens.entry import _run_live_monitor

    monkeypatch.setenv("VLLM_WIZARD_FAKE_GPUS", "rtx4090-x1")
    assert _run_live_monitor(["monitor", *args]) == 2
    assert needle in one_line(capsys.readouterr().err)
