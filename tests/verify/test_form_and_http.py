"""Judging replies by form, and the deadline over every byte of an exchange."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from wizard.verify.form import judge, think_tags, tool_markup
from wizard.verify.http import ApiClient, Deadline, Endpoint, TimedOut

# What vLLM 0.32 returned for the tiny random test model (tests/vllm), sampled with a seed: gibberish,
# replacement characters among other text, control characters. Legitimate output of a random model.
TINY_MODEL_REPLIES = [" vLL\ufffdce\ufffd\ufffd\ufffd\ufffdH\ufffdest +-*/=()\ufffd\ufffd\x16\xf5",
                      ")s\ufffdb\x01\ufffdhe\ufffd\ufffdb\x0f\ufffd\ufffdistant\ufffdta\ufffd\x0c\ufffd0123456789"]


@pytest.mark.parametrize("text", [*TINY_MODEL_REPLIES, "Hello! How can I help you today?", "ok", "4", "!",
                                  "!!", "the the the the", "...!!!", "你好！有什么可以帮你？"])
def test_legitimate_replies_pass_whatever_their_quality(text):
    assert not judge(text).degenerate


@pytest.mark.parametrize("text, kind", [
    ("!!!!!!!!!!!!!!!!", "repeated_char"), ("! ! ! !", "repeated_char"), ("", "empty"), ("  \n\n ", "empty"),
    ("\ufffd\ufffd\ufffd", "replacement_chars"), ("\ufffd \ufffd", "replacement_chars"),
    # Greedy decoding of the tiny random model gives 24 newlines: degenerate by form, which is why
    # verify samples with the server's defaults and a seed instead of temperature 0.
    ("\n" * 24, "empty"),
])
def test_degenerate_shapes(text, kind):
    assert judge(text).kind == kind


def test_thinking_tags_and_tool_markup_of_the_known_formats():
    assert think_tags("<think>\nhmm\n</think>\nHi") == "<think>"
    assert think_tags("reasoning... </think> answer") == "</think>"
    assert think_tags("[THINK]x[/THINK]") == "[THINK]"
    assert think_tags("I think so.") is None
    assert tool_markup('<tool_call>\n{"name": "f", "arguments": {}}\n</tool_call>') == "<tool_call>"
    assert tool_markup('{"name": "get_weather", "arguments": {"city": "Paris"}}')
    assert tool_markup("[TOOL_CALLS][{...}]") == "[TOOL_CALLS]"
    assert tool_markup("The weather in Paris is mild.") is None


def test_a_sample_shows_control_characters_and_is_cut():
    verdict = judge("line one\nline two " + "x" * 200)
    assert "\\n" in verdict.sample and len(verdict.sample) <= 80


@pytest.mark.parametrize("url, problem", [("ftp://h", "only http"), ("http://", "no host"),
                                          ("http://h:70000", "port")])
def test_endpoint_refuses_urls_it_cannot_use(url, problem):
    with pytest.raises(ValueError, match=problem):
        Endpoint.parse(url)


def test_endpoint_accepts_what_people_paste():
    assert Endpoint.parse("127.0.0.1:8000").url == "http://127.0.0.1:8000"
    assert Endpoint.parse("http://gpu-box:8000/v1/").url == "http://gpu-box:8000"
    assert Endpoint.parse("https://api.example/vllm/v1/models").base_path == "/vllm"


@pytest.fixture
def trickler():
    """A server that answers headers, then one body byte every 0.3 s, forever."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
            try:
                while not stop.is_set():
                    conn.sendall(b" ")
                    time.sleep(0.3)
            except OSError:
                pass
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(5)
    listener.close()


def test_a_reply_that_trickles_forever_ends_at_the_deadline(trickler):
    client = ApiClient(Endpoint.parse(trickler), None, Deadline(10))
    started = time.monotonic()
    with pytest.raises(TimedOut):
        client.get_json("/v1/models")
    assert time.monotonic() - started < 40  # generous: the deadline is 10 s
