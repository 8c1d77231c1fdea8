"""A scripted OpenAI-compatible server on 127.0.0.1 that misbehaves on request, for verify's tests.

Modes (FakeConfig.mode), each one of the failures verify must catch:
  healthy        plain answers; tool requests get tool_calls; with `reasoning`, thinking arrives
                 in the `reasoning` field (a server with a reasoning parser)
  bang           every reply is "!!!!..." (NaN logits)
  bang_short     "!!!!..." only for prompts under 50 words (GPTQ's exllama fast path)
  think_leak     the thinking text, tags included, sits in `content`
  tools_as_text  tool calls come back as <tool_call> markup in `content`
  no_tool        the model answers in prose instead of calling the tool
  auto_tool_off  tool_choice "auto" is refused with vLLM's 400 message
  empty          empty replies
  replacement    only U+FFFD characters
  stall          a stream sends one token and then nothing (until the server stops)
  echo_key       replies quote the Authorization header it received (a hostile server)
Also: `max_model_len` (what /v1/models reports), `api_key` (401 without it), `token_delay`
(seconds between streamed tokens). Run it in-process (FakeOpenAI) or as a script:
    python fake_openai.py --port P [--mode M] [--model NAME] [--max-model-len N] [--reasoning]
which is how the fake `vllm` executable serves after printing its start-up log.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOOL_TEXT = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'


@dataclass
class FakeConfig:
    mode: str = "healthy"
    model: str = "fake-model"
    max_model_len: int | None = 4096
    api_key: str | None = None
    reasoning: bool = False
    token_delay: float = 0.0
    requests: list = field(default_factory=list)  # (path, body) of each request, for assertions


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/health":
            return self._json(200, {})
        if not self._authorised():
            return None
        if self.path == "/v1/models":
            entry = {"id": self.server.config.model, "object": "model", "owned_by": "vllm"}
            if self.server.config.max_model_len is not None:
                entry["max_model_len"] = self.server.config.max_model_len
            return self._json(200, {"object": "list", "data": [entry]})
        return self._json(404, {"error": {"message": "Not Found"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.server.config.requests.append((self.path, body))
        if not self._authorised():
            return None
        if self.path != "/v1/chat/completions":
            return self._json(404, {"error": {"message": "Not Found"}})
        if body.get("model") != self.server.config.model:
            return self._json(404, {"error": {"message": f"The model `{body.get('model')}` does not exist."}})
        cfg = self.server.config
        if body.get("tools") and cfg.mode == "auto_tool_off":
            return self._json(400, {"error": {"message": '"auto" tool choice requires --enable-auto-tool-choice and '
                                                         '--tool-call-parser to be set', "code": 400}})
        reasoning, content, calls = self._answer(body)
        if body.get("stream"):
            return self._stream(body, reasoning, content, calls)
        message = {"role": "assistant", "content": content, "reasoning": reasoning or None,
                   "tool_calls": [{"id": "call_1", "type": "function", "function": c} for c in calls]}
        tokens = len((reasoning + " " + content).split()) or 1
        return self._json(200, {"object": "chat.completion", "model": cfg.model,
                                "choices": [{"index": 0, "message": message,
                                             "finish_reason": "tool_calls" if calls else "stop"}],
                                "usage": {"prompt_tokens": self._prompt_words(body), "completion_tokens": tokens}})

    # -- behaviour --------------------------------------------------------------------------------

    def _answer(self, body: dict) -> tuple[str, str, list[dict]]:
        """(reasoning, content, tool calls) for this request in this mode."""
        cfg, mode = self.server.config, self.server.config.mode
        words = self._prompt_words(body)
        if body.get("ignore_eos"):
            return "", " ".join(str(i) for i in range(1, int(body.get("max_tokens", 16)) + 1)), []
        if mode == "bang" or (mode == "bang_short" and words < 50):
            return "", "!" * int(body.get("max_tokens", 16)), []
        if mode == "empty":
            return "", "", []
        if mode == "replacement":
            return "", "\ufffd" * 6, []
        if mode == "echo_key":
            return "", f"You sent {self.headers.get('Authorization')}", []
        if body.get("tools"):
            if mode == "tools_as_text":
                return "", TOOL_TEXT, []
            if mode == "no_tool":
                return "", "I cannot look up the weather, but Paris is often mild.", []
            return "", "", [{"name": "get_weather", "arguments": json.dumps({"city": "Paris"})}]
        thought, answer = "The user asks something simple; I should answer briefly.", "Hello! How can I help you today?"
        if mode == "think_leak":
            return "", f"<think>\n{thought}\n</think>\n\n{answer}", []
        if cfg.reasoning:
            return thought, answer, []
        return "", answer, []

    def _stream(self, body: dict, reasoning: str, content: str, calls: list[dict]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        cfg = self.server.config

        def send(obj) -> None:
            data = f"data: {obj if isinstance(obj, str) else json.dumps(obj)}\n\n".encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def delta(**d) -> dict:
            return {"object": "chat.completion.chunk", "model": cfg.model,
                    "choices": [{"index": 0, "delta": d, "finish_reason": None}]}

        send(delta(role="assistant", content=""))
        pieces = [("reasoning", w + " ") for w in reasoning.split()] + [("content", p) for p in _pieces(content)]
        if cfg.mode == "stall":
            send(delta(content="Hello"))
            self.server.stopping.wait(120)
            return
        for kind, piece in pieces:
            if cfg.token_delay:
                time.sleep(cfg.token_delay)
            send(delta(**{kind: piece}))
        for i, call in enumerate(calls):
            send(delta(tool_calls=[{"index": i, "id": f"call_{i}", "type": "function", "function": call}]))
        send({"object": "chat.completion.chunk", "model": cfg.model,
              "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls" if calls else "stop"}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            send({"object": "chat.completion.chunk", "model": cfg.model, "choices": [],
                  "usage": {"prompt_tokens": self._prompt_words(body), "completion_tokens": len(pieces) or 1}})
        send("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    # -- plumbing ---------------------------------------------------------------------------------

    def _authorised(self) -> bool:
        key = self.server.config.api_key
        if key is None or self.headers.get("Authorization") == f"Bearer {key}":
            return True
        self._json(401, {"error": "Unauthorized"})
        return False

    @staticmethod
    def _prompt_words(body: dict) -> int:
        messages = body.get("messages") or [{}]
        return len(str(messages[-1].get("content", "")).split())

    def _json(self, status: int, obj: dict) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _pieces(text: str) -> list[str]:
    """Stream text word by word, keeping the spaces and newlines (a token is about a word)."""
    out, word = [], ""
    for ch in text:
        word += ch
        if ch in " \n":
            out.append(word)
            word = ""
    if word:
        out.append(word)
    return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    config: FakeConfig
    stopping: threading.Event

    def handle_error(self, request, client_address) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)  # a client that hung up is not news


class FakeOpenAI:
    """`with FakeOpenAI(FakeConfig(mode="bang")) as url:` — a live server for the block."""

    def __init__(self, config: FakeConfig | None = None, port: int = 0) -> None:
        self.config = config or FakeConfig()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.config = self.config
        self._server.stopping = threading.Event()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> str:
        self._thread.start()
        return self.url

    def __exit__(self, *exc) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--mode", default="healthy")
    p.add_argument("--model", default="fake-model")
    p.add_argument("--max-model-len", type=int, default=4096)
    p.add_argument("--reasoning", action="store_true")
    a = p.parse_args()
    cfg = FakeConfig(mode=a.mode, model=a.model, max_model_len=a.max_model_len, reasoning=a.reasoning,
                     api_key=os.environ.get("VLLM_API_KEY") or None)
    server = FakeOpenAI(cfg, port=a.port)
    import signal

    signal.signal(signal.SIGINT, lambda *_: threading.Thread(target=server.__exit__).start())
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.__exit__).start())
    server._server.serve_forever()


if __name__ == "__main__":
    main()
