"""The few requests verify sends, and what came back, with the timings of a streamed reply.

Sampling is left at the server's defaults (what its users get), with a fixed seed so a run can be
repeated; no temperature is forced, because greedy decoding of a weak or random model loops on one
token (a tiny test model answers "\\n\\n\\n..." at temperature 0), which would look like the
degenerate output verify hunts for. Chat-template switches (`enable_thinking`, `thinking`) are sent
only where a check needs them; a template that does not use a variable ignores it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from wizard.verify.http import ApiClient

SEED = 1234
SHORT_PROMPT = "Hi"  # GPTQ's exllama path broke on prompts under ~50 tokens: the shortest chat there is
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}},
                       "required": ["city"]},
    },
}
# Plain, varied English: every tokenizer splits it into about one token per 4-5 characters.
_LONG_TEXT = (
    "The harbour town wakes early. Fishing boats return before sunrise, and the market fills with "
    "crates of mackerel, crabs and squid. Traders argue about prices while gulls circle overhead. "
    "By nine o'clock the cafes are full of farmers who drove in from the hills with cheese, honey and "
    "apples. A ferry leaves for the islands twice a day, carrying tourists, post and building supplies. "
    "In winter the storms close the harbour for days at a time, and the town turns quiet; the library "
    "and the small cinema become the places where people meet. "
)


def long_prompt(max_chars: int) -> str:
    """A summarising task whose text is at most `max_chars` characters (and at least one sentence)."""
    head = "Summarise the following description in two sentences.\n\n"
    text = head
    while len(text) + len(_LONG_TEXT) <= max_chars:
        text += _LONG_TEXT
    if text == head:
        cut = _LONG_TEXT[: max(60, max_chars - len(head))]
        text += cut[: cut.rfind(".") + 1] or cut
    return text


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: str


@dataclass
class Reply:
    """One chat completion as it arrived. Times are monotonic seconds; None when not measured."""

    content: str = ""
    reasoning: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    sent_at: float | None = None
    first_token_at: float | None = None
    last_token_at: float | None = None
    token_events: int = 0  # stream chunks that carried generated text
    stopped_early: bool = False  # verify closed the stream once it had seen enough

    @property
    def text(self) -> str:
        """Everything the model generated as text (answer and reasoning), for judging its form."""
        return self.reasoning + self.content

    @property
    def ttft_s(self) -> float | None:
        if self.sent_at is None or self.first_token_at is None:
            return None
        return self.first_token_at - self.sent_at

    @property
    def generated_tokens(self) -> int:
        return self.completion_tokens if self.completion_tokens is not None else self.token_events

    def decode_tokens_per_s(self, first_token_s: float | None = None) -> float | None:
        """Tokens after the first over the time they took: from the first token (sent time plus
        `first_token_s`, the shortest time to a first token seen, else this reply's own) to the last.
        Measured from the send time, not from the first chunk's arrival: a busy client that reads
        late finds many tokens in one read, and arrival spans would then inflate the rate; this way
        any delay on the client only lowers it."""
        if self.sent_at is None or self.last_token_at is None:
            return None
        own = self.ttft_s
        start = min(t for t in (first_token_s, own) if t is not None) if (first_token_s or own) is not None else None
        if start is None:
            return None
        span = self.last_token_at - self.sent_at - start
        tokens = self.generated_tokens - 1
        return tokens / span if span > 0 and tokens > 0 else None


def chat_body(model: str, prompt: str, max_tokens: int, *, stream: bool, **extra) -> dict:
    body = {"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": max_tokens,
            "seed": SEED, "stream": stream}
    if stream:
        body["stream_options"] = {"include_usage": True}
    body.update(extra)
    return body


def stream_chat(client: ApiClient, body: dict, *, stall_s: float,
                enough: Callable[[Reply], bool] | None = None) -> Reply:
    """Stream one chat completion into a Reply; stop early once `enough(reply)` is true."""
    reply = Reply(sent_at=time.monotonic())

    def on_event(event: dict, at: float) -> bool:
        usage = event.get("usage")
        if isinstance(usage, dict):
            reply.prompt_tokens = _int(usage.get("prompt_tokens"), reply.prompt_tokens)
            reply.completion_tokens = _int(usage.get("completion_tokens"), reply.completion_tokens)
        for choice in event.get("choices") or ():
            if not isinstance(choice, dict):
                continue
            delta = choice.get("delta") or {}
            piece = _str(delta.get("content"))
            thought = _str(delta.get("reasoning")) or _str(delta.get("reasoning_content"))
            calls = delta.get("tool_calls") or []
            if piece or thought or calls:
                reply.first_token_at = reply.first_token_at or at
                reply.last_token_at = at
                reply.token_events += 1
            reply.content += piece
            reply.reasoning += thought
            _merge_tool_deltas(reply, calls)
            reply.finish_reason = choice.get("finish_reason") or reply.finish_reason
        if enough is not None and enough(reply):
            reply.stopped_early = True
            return False
        return True

    client.stream("/v1/chat/completions", body, on_event, stall_s=stall_s)
    return reply


def complete_chat(client: ApiClient, body: dict) -> Reply:
    """One non-streamed chat completion (tool calls arrive whole this way)."""
    data = client.post_json("/v1/chat/completions", {**body, "stream": False})
    reply = Reply()
    choices = data.get("choices") if isinstance(data, dict) else None
    if choices and isinstance(choices[0], dict):
        message = choices[0].get("message") or {}
        reply.content = _str(message.get("content"))
        reply.reasoning = _str(message.get("reasoning")) or _str(message.get("reasoning_content"))
        for call in message.get("tool_calls") or ():
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict):
                reply.tool_calls.append(ToolCall(_str(function.get("name")), _arguments(function.get("arguments"))))
        reply.finish_reason = choices[0].get("finish_reason")
    usage = data.get("usage") if isinstance(data, dict) else None
    if isinstance(usage, dict):
        reply.prompt_tokens = _int(usage.get("prompt_tokens"), None)
        reply.completion_tokens = _int(usage.get("completion_tokens"), None)
    return reply


def _merge_tool_deltas(reply: Reply, calls: list) -> None:
    """Streamed tool calls come as fragments keyed by index: the name first, then argument pieces."""
    for call in calls:
        if not isinstance(call, dict):
            continue
        index = call.get("index", len(reply.tool_calls)) if isinstance(call.get("index"), int) else len(reply.tool_calls)
        function = call.get("function") or {}
        while len(reply.tool_calls) <= index:
            reply.tool_calls.append(ToolCall("", ""))
        old = reply.tool_calls[index]
        reply.tool_calls[index] = ToolCall(old.name + _str(function.get("name")),
                                           old.arguments + _arguments(function.get("arguments")))


def _arguments(value: object) -> str:
    if isinstance(value, str):
        return value
    return "" if value is None else json.dumps(value)


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _int(value: object, default: int | None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else default
