"""What verify found: one result per check (stable codes), the measured speed, and the exit code.

The JSON keeps the contract's keys (`checks[].code/ok/evidence/fix`, `speed.ttft_ms/
decode_tokens_per_s/predicted_decode_tokens_per_s`) in English; additions are new keys only
(`cause`, `skipped`, the prompt sizes). The human text renders every sentence in the chosen language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.i18n import localize, msg

CODES = ("reachable", "model_listed", "context_length", "degenerate_output", "reasoning_leak", "tool_call", "speed")
EXIT_OK, EXIT_PROBLEM, EXIT_UNREACHABLE = 0, 3, 2


@dataclass(frozen=True)
class CheckResult:
    code: str
    ok: bool
    evidence: str  # a Message in practice: English text that also renders in Chinese
    fix: str | None = None
    cause: str | None = None
    skipped: bool = False  # not applicable to this server (e.g. no tool parser set); counts as passed

    def as_json(self) -> dict:
        out = {"code": self.code, "ok": self.ok, "evidence": str(self.evidence),
               "fix": None if self.fix is None else str(self.fix)}
        if self.cause is not None:
            out["cause"] = str(self.cause)
        if self.skipped:
            out["skipped"] = True
        return out


@dataclass(frozen=True)
class SpeedFigures:
    """Concurrency 1. Measured over a streamed reply: TTFT from sending to the first generated text,
    decode rate over the tokens after the first."""

    ttft_ms: float | None = None
    ttft_prompt_tokens: int | None = None
    decode_tokens_per_s: float | None = None
    decode_tokens: int | None = None
    predicted_decode_tokens_per_s: float | None = None
    predicted_ttft_ms: float | None = None
    predicted_ttft_prompt_tokens: int | None = None

    def as_json(self) -> dict:
        def r(value: float | None, digits: int = 1) -> float | None:
            return None if value is None else round(value, digits)

        return {"ttft_ms": r(self.ttft_ms), "decode_tokens_per_s": r(self.decode_tokens_per_s),
                "predicted_decode_tokens_per_s": r(self.predicted_decode_tokens_per_s),
                "ttft_prompt_tokens": self.ttft_prompt_tokens, "decode_tokens": self.decode_tokens,
                "predicted_ttft_ms": r(self.predicted_ttft_ms),
                "predicted_ttft_prompt_tokens": self.predicted_ttft_prompt_tokens}


@dataclass(frozen=True)
class VerifyReport:
    url: str
    model: str | None
    checks: tuple[CheckResult, ...]
    speed: SpeedFigures = field(default_factory=SpeedFigures)
    seconds: float = 0.0
    source: str | None = None  # the launch whose plan gave the expectations

    def check(self, code: str) -> CheckResult | None:
        return next((c for c in self.checks if c.code == code), None)

    @property
    def reachable(self) -> bool:
        first = self.check("reachable")
        return first is not None and first.ok

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if not c.ok)

    @property
    def ok(self) -> bool:
        return self.reachable and not self.failed

    @property
    def exit_code(self) -> int:
        if not self.reachable:
            return EXIT_UNREACHABLE
        return EXIT_OK if not self.failed else EXIT_PROBLEM

    def as_json(self) -> dict:
        return {"url": self.url, "model": self.model, "plan": self.source, "ok": self.ok,
                "checks": [c.as_json() for c in self.checks], "speed": self.speed.as_json(),
                "seconds": round(self.seconds, 2)}

    def headline(self) -> str:
        """One sentence: serving correctly at N tokens/s, or how many problems."""
        if not self.reachable:
            return msg("verify.headline.unreachable", url=self.url)
        if self.failed:
            return msg("verify.headline.problems", count=len(self.failed),
                       codes=", ".join(c.code for c in self.failed))
        rate = self.speed.decode_tokens_per_s
        if rate is None:
            return msg("verify.headline.ok_no_speed")
        return msg("verify.headline.ok", rate=rate)

    def header(self, lang: str | None = None) -> str:
        return render_header(self.url, self.model, self.source, lang)

    def render(self, lang: str | None = None) -> str:
        lines = [self.header(lang), *(render_check(c, lang) for c in self.checks), localize(self.headline(), lang)]
        return "\n".join(lines)


WIDTH = max(len(code) for code in CODES)


def render_header(url: str, model: str | None, source: str | None, lang: str | None = None) -> str:
    title = msg("verify.render.title", url=url, model=model) if model else msg("verify.render.title_url", url=url)
    lines = [localize(title, lang)]
    if source:
        lines.append(localize(msg("verify.render.plan", source=source), lang))
    return "\n".join(lines)


def render_check(c: CheckResult, lang: str | None = None) -> str:
    """One check as `  [ok  ] code  evidence`, with the cause and the fix under a failure."""
    mark = "skip" if c.skipped else ("ok  " if c.ok else "FAIL")
    lines = [f"  [{mark}] {c.code:<{WIDTH}}  {localize(c.evidence, lang)}"]
    if not c.ok:
        pad = " " * (WIDTH + 11)
        if c.cause:
            lines.append(pad + localize(msg("verify.render.cause", cause=c.cause), lang))
        if c.fix:
            lines.append(pad + localize(msg("verify.render.fix", fix=c.fix), lang))
    return "\n".join(lines)
