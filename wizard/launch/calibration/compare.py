"""Predicted vs actual: the plan's figures next to what vLLM printed at start-up."""

from __future__ import annotations

from dataclasses import dataclass

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
        Row("weights (Model loading took)", p.get("weights_gib"), figures.weights_gib, "GiB"),
        Row("KV cache memory", p.get("kv_cache_gib"), figures.available_kv_gib, "GiB"),
        Row("KV cache tokens", p.get("kv_cache_tokens"), figures.kv_cache_tokens, "tokens"),
        Row("max concurrency", p.get("max_concurrency"), figures.max_concurrency, "x"),
        Row("peak activation", p.get("activation_gib"), figures.split_activation_gib, "GiB"),
        Row("non-torch memory", p.get("non_torch_gib"), figures.split_non_torch_gib, "GiB"),
        Row("CUDA graphs", p.get("cuda_graph_gib"), figures.cuda_graph_gib, "GiB"),
    ]
    return [r for r in rows if r.actual is not None or r.predicted is not None]


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "tokens":
        return f"{int(value):,}"
    return f"{value:.2f}"


def render_comparison(rows: list[Row]) -> str:
    lines = [f"{'':30} {'predicted':>12} {'actual':>12} {'error':>8}"]
    for r in rows:
        err = "" if r.error_pct is None else f"{r.error_pct:+.1f}%"
        lines.append(f"{r.label:30} {_fmt(r.predicted, r.unit):>12} {_fmt(r.actual, r.unit):>12} {err:>8}")
    return "\n".join(lines)
