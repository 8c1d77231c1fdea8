"""The detached launch's events as lines of text, for `serve --detach` (the app renders the same
events its own way). Quiet by design: phase changes, vLLM's milestone and error lines, a progress
line every half minute, the comparison, each verify check, and the verdict with its fix."""

from __future__ import annotations

import re
from collections.abc import Callable

from wizard.i18n import localize, msg
from wizard.launch.calibration.compare import render_comparison
from wizard.launch.startup import is_milestone, short_line
from wizard.launch.usual import clock
from wizard.launch.watch import CheckDone, LogLine, PhaseChanged, StartupFinished, StartupView, Tick, Verdict
from wizard.verify.report import render_check

PROGRESS_EVERY_S = 30.0
# An error line of vLLM's logger, a traceback, or an exception line ("ValueError: ..."); a warning that
# merely mentions an error ("... can cause fd limit errors like `OSError: ...`") is not one.
_ERROR_LINE = re.compile(r"(?:^|\s)ERROR\s|^\s*Traceback \(most recent call last\)|^\s*(?:[\w.]+\.)?\w*(?:Error|Exception): ")
FAILED_START = {"start_failed", "start_timeout"}


def _is_error(line: str) -> bool:
    return _ERROR_LINE.search(line) is not None


class WatchPrinter:
    """Feed it every event; it writes what a person at a terminal should see to `out` / `err`."""

    def __init__(self, out: Callable[[str], None], err: Callable[[str], None], lang: str | None = None) -> None:
        self.out, self.err, self.lang = out, err, lang
        self._last_progress = 0.0
        self._warned_slow = False
        self._shown_usual = False

    def __call__(self, event: object) -> None:
        t = lambda m: localize(m, self.lang)  # noqa: E731
        if isinstance(event, PhaseChanged):
            usual = "" if self._shown_usual else self._usual(event.view)  # once; the progress lines repeat it
            self._shown_usual = True
            self.out(t(msg("startup.text.phase", elapsed=clock(event.view.elapsed_s), phase=event.view.phase.label(),
                           usual=usual)))
        elif isinstance(event, LogLine):
            if is_milestone(event.line) or _is_error(event.line):
                self.out(f"  vllm | {short_line(event.line)}")
        elif isinstance(event, Tick):
            self._tick(event.view)
        elif isinstance(event, StartupFinished):
            self._finished(event)
        elif isinstance(event, CheckDone):
            self.out(render_check(event.check, self.lang))
        elif isinstance(event, Verdict):
            self._verdict(event)

    def _usual(self, view: StartupView) -> str:
        if view.usual is None:
            return ""
        return localize(msg("startup.text.usual", low=clock(view.usual.low_s), high=clock(view.usual.high_s),
                            basis=view.usual.basis), self.lang)

    def _tick(self, view: StartupView) -> None:
        t = lambda m: localize(m, self.lang)  # noqa: E731
        if view.slower_than_usual and not self._warned_slow:
            self._warned_slow = True
            self.out(t(msg("startup.text.slow", elapsed=clock(view.elapsed_s), phase=view.phase.label(),
                           usual=self._usual(view))))
        elif view.elapsed_s - self._last_progress >= PROGRESS_EVERY_S:
            self._last_progress = view.elapsed_s
            self.out(t(msg("startup.text.still", elapsed=clock(view.elapsed_s), phase=view.phase.label(),
                           usual=self._usual(view))))

    def _finished(self, event: StartupFinished) -> None:
        t = lambda m: localize(m, self.lang)  # noqa: E731
        outcome = event.outcome
        if outcome.rows:
            self.out("\n" + t(msg("startup.text.comparison")) + "\n" + render_comparison(outcome.rows))
        if outcome.store_problem is not None:
            self.err(t(outcome.store_problem))
        elif outcome.calibration is not None:
            key = outcome.calibration.key
            self.out(t(msg("startup.text.calibrated", gpu=key.gpu_name, version=key.vllm_version, model=key.model_id)))
        if outcome.health.ok:
            self.out("\n" + t(msg("startup.text.healthy", seconds=outcome.health.seconds)))

    def _verdict(self, verdict: Verdict) -> None:
        t = lambda m: localize(m, self.lang)  # noqa: E731
        if verdict.code in FAILED_START:
            self.out("\n" + t(msg("startup.text.log_tail")) + "\n" + verdict.log_tail)
            for d in verdict.diagnoses:
                self.err(t(msg("startup.text.diagnosis", code=d.code, cause=d.cause, fix=d.fix)))
        line = t(verdict.headline)
        if not verdict.ok and verdict.fix and not verdict.diagnoses:
            line += " " + t(msg("startup.text.fix", fix=verdict.fix))
        (self.out if verdict.ok else self.err)("\n" + line)
        if verdict.code in {"serving", "started", "problems"}:
            self.out(t(msg("startup.text.stop_hint")))
