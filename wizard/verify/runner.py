"""Run verify: a handful of small requests against the OpenAI API, all inside one deadline.

Order: /v1/models (reachable, model_listed, context_length); a very short chat and a long one
(degenerate_output, reasoning_leak, TTFT); a thinking request when a reasoning parser is set; a
tool request when a tool-call parser is set; a 64-token stream at concurrency 1 for the decode rate
(speed). Nothing runs in parallel and nothing is a load test. When the time runs out, the checks not
reached fail as "not run" so a slow server is never reported as a good one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from wizard.i18n import msg
from wizard.verify import causes, checks
from wizard.verify.checks import ModelEntry, Outcome
from wizard.verify.expect import Expectations
from wizard.verify.form import think_tags
from wizard.verify.http import ApiClient, Deadline, Endpoint, HttpStatus, TimedOut, VerifyHttpError
from wizard.verify.replies import SHORT_PROMPT, TOOL, Reply, chat_body, complete_chat, long_prompt, stream_chat
from wizard.verify.report import CODES, CheckResult, SpeedFigures, VerifyReport

DEFAULT_TIMEOUT = 120.0
SHORT_TOKENS, LONG_TOKENS, THINK_TOKENS, TOOL_TOKENS, SPEED_TOKENS = 24, 32, 96, 256, 64
LONG_PROMPT_TOKENS = 400  # "long" for the GPTQ fast-path bug means over ~50 tokens; 400 is plenty
TEMPLATE_ALLOWANCE = 48  # tokens a chat template adds around the prompt
SPEED_PROMPT = "Count from 1 to 200, separated by spaces."


@dataclass(frozen=True)
class VerifyTarget:
    url: str
    api_key: str | None = field(default=None, repr=False)
    model: str | None = None  # --model: the name to ask for (else the plan's, else the first listed)
    expectations: Expectations = Expectations()


def run_verify(target: VerifyTarget, *, timeout: float = DEFAULT_TIMEOUT,
               on_check: Callable[[CheckResult], None] | None = None) -> VerifyReport:
    """Every check, in order; `on_check` sees each result as soon as it is known (for a live view)."""
    started = time.monotonic()
    endpoint = Endpoint.parse(target.url)
    client = ApiClient(endpoint, target.api_key, Deadline(timeout))
    run = _Run(client, target.expectations, timeout, on_check)
    model = run.models(target.model or target.expectations.model)
    figures = SpeedFigures()
    if model is not None:
        figures = run.chats(model)
    return VerifyReport(url=endpoint.url, model=model.id if model else (target.model or target.expectations.model),
                        checks=tuple(run.results), speed=figures, seconds=time.monotonic() - started,
                        source=target.expectations.source)


class _Run:
    def __init__(self, client: ApiClient, exp: Expectations, timeout: float,
                 on_check: Callable[[CheckResult], None] | None) -> None:
        self.client, self.exp, self.timeout, self.on_check = client, exp, timeout, on_check
        # A reply may pause while the server is busy; a pause longer than this is a stall.
        self.stall_s = max(5.0, min(60.0, timeout / 2))
        self.results: list[CheckResult] = []

    def add(self, result: CheckResult) -> None:
        result = _redacted(result, self.client)
        self.results.append(result)
        if self.on_check is not None:
            self.on_check(result)

    def rest(self, reason: str, *, skipped: bool, fix: str | None = None) -> None:
        """Close every check not reported yet."""
        done = {c.code for c in self.results}
        for code in CODES:
            if code not in done:
                self.add(CheckResult(code, True, reason, skipped=True) if skipped else checks.not_run(code, reason, fix))

    def models(self, wanted: str | None) -> ModelEntry | None:
        sent = time.monotonic()
        try:
            data = self.client.get_json("/v1/models")
        except HttpStatus as exc:
            if exc.status == 404:
                self.add(CheckResult("reachable", False, msg("verify.reachable.no_models"), msg("verify.fix.not_openai"),
                                     msg("verify.cause.not_openai")))
                return None
            d = causes.refused(exc.status)
            self.add(CheckResult("reachable", False, exc.reason, d.fix, d.cause))
            return None
        except VerifyHttpError as exc:
            self.add(CheckResult("reachable", False, exc.reason, msg("verify.fix.unreachable"),
                                 msg("verify.cause.unreachable")))
            return None
        entries = _entries(data)
        if entries is None:
            self.add(CheckResult("reachable", False, msg("verify.reachable.not_openai"), msg("verify.fix.not_openai")))
            return None
        self.add(CheckResult("reachable", True, msg("verify.reachable.ok", ms=1000 * (time.monotonic() - sent))))
        listed, entry = checks.model_listed(entries, wanted)
        self.add(listed)
        if entry is None:
            self.rest(msg("verify.not_run_no_model"), skipped=True)
            return None
        self.add(checks.context_length(entry, self.exp))
        return entry

    def chats(self, model: ModelEntry) -> SpeedFigures:
        short = self.stream(chat_body(model.id, SHORT_PROMPT, SHORT_TOKENS, stream=True))
        long = short if self.stalled(short) else \
            self.stream(chat_body(model.id, long_prompt(self.long_chars(model)), LONG_TOKENS, stream=True))
        self.add(checks.degenerate_output(short, long, self.exp))
        if self.stop_after(short, long):
            return SpeedFigures()
        probe = None
        if self.exp.reasoning_parser:
            probe = self.stream(chat_body(model.id, "What is 17 + 25? Think it through, then answer.", THINK_TOKENS,
                                          stream=True, chat_template_kwargs={"enable_thinking": True, "thinking": True}),
                                enough=_seen_reasoning)
        self.add(checks.reasoning_leak([short, long], probe, self.exp))
        if self.stop_after(probe):
            return SpeedFigures()
        tool = None
        if self.exp.tool_call_parser:
            tool = self.call(lambda: complete_chat(self.client, chat_body(
                model.id, "What is the weather in Paris right now? Use the get_weather tool.", TOOL_TOKENS,
                stream=False, tools=[TOOL], tool_choice="auto", chat_template_kwargs={"enable_thinking": False})))
        self.add(checks.tool_call(tool, self.exp))
        if self.stop_after(tool):
            return SpeedFigures()
        decode = self.stream(chat_body(model.id, SPEED_PROMPT, SPEED_TOKENS, stream=True, ignore_eos=True))
        if isinstance(decode, HttpStatus) and decode.status == 400 and "ignore_eos" in decode.detail:
            decode = self.stream(chat_body(model.id, SPEED_PROMPT, SPEED_TOKENS, stream=True))  # not a vLLM server
        floor = short.ttft_s if isinstance(short, Reply) else None
        result, figures = checks.speed(long, decode, self.exp, first_token_s=floor)
        self.add(result)
        return figures

    def long_chars(self, model: ModelEntry) -> int:
        """The long prompt's size: near the plan's TTFT prompt when there is one, always within the
        served context (a character is at most one token for the byte-level tokenizers of chat models)."""
        target = self.exp.speed.ttft_prompt_tokens or LONG_PROMPT_TOKENS
        chars = 4 * target
        if model.max_model_len:
            chars = min(chars, model.max_model_len - LONG_TOKENS - TEMPLATE_ALLOWANCE)
        return max(chars, 60)

    def stream(self, body: dict, enough: Callable[[Reply], bool] | None = None) -> Outcome:
        return self.call(lambda: stream_chat(self.client, body, stall_s=self.stall_s, enough=enough))

    def call(self, request: Callable[[], Reply]) -> Outcome:
        try:
            return request()
        except VerifyHttpError as exc:
            return exc

    @staticmethod
    def stalled(outcome: Outcome | None) -> bool:
        return isinstance(outcome, TimedOut)

    def stop_after(self, *outcomes: Outcome | None) -> bool:
        """After a stall (a hung engine stalls every later request too) or when the time is up, the
        checks not reached are reported as not run instead of waiting again."""
        if any(self.stalled(o) for o in outcomes):
            self.rest(msg("verify.not_run_stalled"), skipped=False, fix=causes.stalled().fix)
            return True
        if self.client.deadline.expired:
            self.rest(msg("verify.out_of_time", seconds=self.timeout), skipped=False)
            return True
        return False


def _seen_reasoning(reply: Reply) -> bool:
    """Enough of the thinking request: some reasoning arrived, tags leaked, or a plain answer is long."""
    return len(reply.reasoning) >= 24 or think_tags(reply.content) is not None or len(reply.content) >= 400


def _entries(data: object) -> list[ModelEntry] | None:
    """/v1/models as a list of entries; None when the body is not the OpenAI list shape."""
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return None
    out = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            length = item.get("max_model_len")
            out.append(ModelEntry(item["id"], length if isinstance(length, int) and not isinstance(length, bool)
                                  else None))
    return out


def _redacted(result: CheckResult, client: ApiClient) -> CheckResult:
    """Evidence quotes the server; a server that echoes the key must not make verify print it."""
    fields: dict[str, Any] = {}
    for name in ("evidence", "cause", "fix"):
        value = getattr(result, name)
        if value is not None and client.redact(str(value)) != str(value):
            fields[name] = client.redact(str(value))
    return replace(result, **fields) if fields else result
