"""One watched vLLM server: fetch, parse, compute figures and advice, as a `ServerSample`.

Down and unreachable servers are retried: at every poll while the failure is instant (connection
refused), with a growing pause (up to `max_backoff_s`) while each try costs a full timeout.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from wizard.monitor.advice import AdviceEngine
from wizard.monitor.metrics_client import FetchResult, MetricsClient
from wizard.monitor.prom import parse_metrics
from wizard.monitor.server_stats import ServerStats
from wizard.monitor.snapshot import ServerSample
from wizard.monitor.target import ServerTarget


class ServerWatch:
    def __init__(self, target: ServerTarget, *, client: MetricsClient | None = None, timeout: float = 2.0,
                 window_s: float = 60.0, sustain: int = 3, max_backoff_s: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.target = target
        self.client = client or MetricsClient(target.url, pid=target.pid, log_path=target.log_path,
                                              timeout=timeout, pid_started=target.pid_started)
        self.stats = ServerStats(window_s=window_s)
        self.advice = AdviceEngine(sustain=sustain)
        self.max_backoff_s = max_backoff_s
        self._clock = clock
        self._backoff = 0.0
        self._next_try = 0.0
        self._last: ServerSample | None = None
        self._model: str | None = None

    def _base(self, state: str, detail: str | None, retry: float | None = None) -> ServerSample:
        t = self.target
        return ServerSample(state=state, url=t.url, detail=detail, model=self._model, pid=t.pid,  # type: ignore[arg-type]
                            log_path=t.log_path, retry_in_s=retry)

    def poll(self) -> ServerSample:
        now = self._clock()
        if self._last is not None and now < self._next_try:
            return _with_retry(self._last, self._next_try - now)
        result = self.client.fetch()
        if result.state == "unreachable":
            # Each try waited a whole timeout: back off so the server thread is not stuck in timeouts.
            self._backoff = min(self.max_backoff_s, max(1.0, self._backoff * 2))
            self._next_try = now + self._backoff
        else:
            self._backoff, self._next_try = 0.0, 0.0
        self._last = self._sample(now, result)
        return self._last

    def _sample(self, now: float, result: FetchResult) -> ServerSample:
        if result.state != "up":
            self.stats.reset()
            self.advice.reset()
            retry = self._backoff if result.state == "unreachable" else None
            return self._base(result.state, result.detail, retry)
        if result.metrics_text is None:
            return self._base("up", result.metrics_error)

        try:
            frame = parse_metrics(result.metrics_text)
        except ValueError as exc:
            return self._base("up", f"/metrics is not Prometheus text ({exc})")
        self._model = frame.model or self._model
        figures = self.stats.add(now, frame)
        return ServerSample(
            state="up", url=self.target.url, model=self._model, pid=self.target.pid,
            log_path=self.target.log_path, metric_names=frame.generation,
            figures=figures, advice=self.advice.evaluate(figures),
        )


def _with_retry(sample: ServerSample, retry_in: float) -> ServerSample:
    return dataclasses.replace(sample, retry_in_s=round(retry_in, 1))
