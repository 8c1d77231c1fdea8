"""Plain-text rendering of GPU facts and the catalog for the headless CLI.

No rich or textual here: `vllm-wizard gpus` must run on a bare server. Memory is shown in GiB
(2^30 bytes) with two decimals, the unit vLLM's own log uses; None is shown as N/A.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from wizard.hardware.catalog import GIB, CatalogGpu
from wizard.i18n import msg

if TYPE_CHECKING:
    # A pydantic model, needed here for its type only: `gpus --catalog` starts without pydantic.
    from wizard.hardware.facts import HardwareFacts

NA = "N/A"


def fmt_gib(value: int | None) -> str:
    return NA if value is None else f"{value / GIB:.2f}"


def fmt_value(value: object, lang: str | None = None) -> str:
    if value is None:
        return NA
    if isinstance(value, bool):
        return msg("hardware.report.yes" if value else "hardware.report.no").render(lang)
    return str(value)


def _width(text: str) -> int:
    """Terminal columns: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces, a dashed rule under the header."""
    body = [list(map(str, row)) for row in rows]
    widths = [_width(h) for h in headers]
    for row in body:
        widths = [max(w, _width(cell)) for w, cell in zip(widths, row, strict=False)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(cells, widths, strict=False)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in body)])


def _link_cell(facts: HardwareFacts, a: int, b: int, lang: str | None = None) -> str:
    if a == b:
        return "X"
    link = facts.link(a, b)
    if link is None:
        return NA
    if link.nvlink:
        return "NVLink"
    if link.p2p:
        return "P2P"
    if link.p2p is None:
        return NA
    return msg("hardware.report.no_p2p").render(lang)


def render_links(facts: HardwareFacts, lang: str | None = None) -> str:
    """A GPU x GPU matrix like `nvidia-smi topo -m`: NVLink, P2P (over PCIe), no P2P, N/A."""
    indices = [g.index for g in facts.gpus]
    headers = ["", *(f"GPU{i}" for i in indices)]
    rows = [[f"GPU{a}", *(_link_cell(facts, a, b, lang) for b in indices)] for a in indices]
    return table(headers, rows)


def _process_text(facts: HardwareFacts, index: int) -> str:
    gpu = next(g for g in facts.gpus if g.index == index)
    parts = []
    for proc in gpu.processes:
        name = os.path.basename(proc.name) if proc.name else "?"
        parts.append(f"{proc.pid} {name} {fmt_gib(proc.used_bytes)} GiB")
    return "; ".join(parts) or "-"


def render_hardware(facts: HardwareFacts, lang: str | None = None) -> str:
    """The `vllm-wizard gpus` report for detected (or catalog) GPUs, in `lang` (default: the edge's)."""
    def t(key: str, **params: object) -> str:
        return msg(key, **params).render(lang)

    header = t("hardware.report.header", source=facts.source, driver=fmt_value(facts.driver_version),
               cuda=fmt_value(facts.cuda_driver_version))
    if facts.visible_devices is not None:
        header += f"   CUDA_VISIBLE_DEVICES={facts.visible_devices!r}"
    rows = [
        [
            str(g.index),
            g.name,
            fmt_gib(g.total_bytes),
            fmt_gib(g.used_bytes),
            fmt_gib(g.free_bytes),
            fmt_value(g.compute_capability),
            fmt_value(g.mig_mode, lang),
            fmt_value(g.pci_bus_id),
        ]
        for g in facts.gpus
    ]
    parts = [
        header,
        "",
        table([t("hardware.report.col_gpu"), t("hardware.report.col_name"), t("hardware.report.col_total"),
               t("hardware.report.col_used"), t("hardware.report.col_free"), "CC", "MIG", t("hardware.report.col_pci")],
              rows),
    ]
    busy = [g for g in facts.gpus if g.processes]
    if busy:
        parts += ["", t("hardware.report.processes")]
        parts += [f"  GPU{g.index}: {_process_text(facts, g.index)}" for g in busy]
    if len(facts.gpus) > 1:
        parts += ["", t("hardware.report.links"), render_links(facts, lang)]
    return "\n".join(parts)


def render_catalog(entries: Iterable[CatalogGpu], lang: str | None = None) -> str:
    def t(key: str) -> str:
        return msg(key).render(lang)

    rows = [
        [
            e.key,
            e.name,
            f"{e.total_gib:.2f}",
            e.compute_capability,
            fmt_value(e.bf16, lang),
            fmt_value(e.fp8, lang),
            fmt_value(e.fp4, lang),
            e.interconnect,
        ]
        for e in entries
    ]
    return table([t("hardware.report.col_key"), t("hardware.report.col_nvml_name"), "CUDA GiB", "CC", "bf16", "fp8", "fp4",
                  t("hardware.report.col_links")], rows)
