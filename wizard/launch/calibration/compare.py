"""Predicted vs actual: the plan's figures next to what vLLM printed at start-up."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from wizard.i18n import localize, msg
from wizard.launch.calibration.parse import StartupFigures


@dataclass(frozen=True)
class Row:
    label: str
    predicted: float | None
    actual: float | None
    unit: str

    @property
    def error_pct(self) -> float | None:
        if self.predicted is None or self.actual is None or self.actual == 0:
            return None
        return 100.0 * (self.predicted - self.actual) / abs(self.actual)


def compare(predicted: dict | None, figures: StartupFigures) -> list[Row]:
    """`predicted` is the plan contract's "memory" block (also kept in a LaunchRecord)."""
    p = predicted or {}
    rows = [
        Row(msg("launch.compare.weights"), p.get("weights_gib"), figures.weights_gib, "GiB"),
        Row(msg("launch.compare.kv_memory"), p.get("kv_cache_gib"), figures.available_kv_gib, "GiB"),
        Row(msg("launch.compare.kv_tokens"), p.get("kv_cache_tokens"), figures.kv_cache_tokens, "tokens"),
        Row(msg("launch.compare.concurrency"), p.get("max_concurrency"), figures.max_concurrency, "x"),
        Row(msg("launch.compare.activation"), p.get("activation_gib"), figures.split_activation_gib, "GiB"),
        Row(msg("launch.compare.non_torch"), p.get("non_torch_gib"), figures.split_non_torch_gib, "GiB"),
        Row(msg("launch.compare.graphs"), p.get("cuda_graph_gib"), figures.cuda_graph_gib, "GiB"),
    ]
    return [r for r in rows if r.actual is not None or r.predicted is not None]


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "tokens":
        return f"{int(value):,}"
    return f"{value:.2f}"


def _pad(text: str, width: int, *, right: bool = False) -> str:
    """Padded to `width` terminal columns (a Chinese character takes two)."""
    gap = " " * max(0, width - sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text))
    return gap + text if right else text + gap


def render_comparison(rows: list[Row], lang: str | None = None) -> str:
    def t(key: str) -> str:
        return msg(key).render(lang)

    lines = [f"{'':30} {_pad(t('launch.compare.predicted'), 12, right=True)} "
             f"{_pad(t('launch.compare.actual'), 12, right=True)} {_pad(t('launch.compare.error'), 8, right=True)}"]
    for r in rows:
        err = "" if r.error_pct is None else f"{r.error_pct:+.1f}%"
        lines.append(f"{_pad(localize(r.label, lang), 30)} {_fmt(r.predicted, r.unit):>12} {_fmt(r.actual, r.unit):>12} "
                     f"{err:>8}")
    return "\n".join(lines)
