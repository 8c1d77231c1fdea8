"""Plain-text rendering of GPU facts and the catalog for the headless CLI.

No rich or textual here: `vllm-wizard gpus` must run on a bare server. Memory is shown in GiB
(2^30 bytes) with two decimals, the unit vLLM's own log uses; None is shown as N/A.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from wizard.hardware.catalog import GIB, CatalogGpu

if TYPE_CHECKING:
    # A pydantic model, needed here for its type only: `gpus --catalog` starts without pydantic.
    from wizard.hardware.facts import HardwareFacts

NA = "N/A"


def fmt_gib(value: int | None) -> str:
    return NA if value is None else f"{value / GIB:.2f}"


def fmt_value(value: object) -> str:
    if value is None:
        return NA
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces, a dashed rule under the header."""
    body = [list(map(str, row)) for row in rows]
    widths = [len(h) for h in headers]
    for row in body:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=False)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=False)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in body)])


def _link_cell(facts: HardwareFacts, a: int, b: int) -> str:
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
    return "no P2P"


def render_links(facts: HardwareFacts) -> str:
    """A GPU x GPU matrix like `nvidia-smi topo -m`: NVLink, P2P (over PCIe), no P2P, N/A."""
    indices = [g.index for g in facts.gpus]
    headers = ["", *(f"GPU{i}" for i in indices)]
    rows = [[f"GPU{a}", *(_link_cell(facts, a, b) for b in indices)] for a in indices]
    return table(headers, rows)


def _process_text(facts: HardwareFacts, index: int) -> str:
    gpu = next(g for g in facts.gpus if g.index == index)
    parts = []
    for proc in gpu.processes:
        name = os.path.basename(proc.name) if proc.name else "?"
        parts.append(f"{proc.pid} {name} {fmt_gib(proc.used_bytes)} GiB")
    return "; ".join(parts) or "-"


def render_hardware(facts: HardwareFacts) -> str:
    """The `vllm-wizard gpus` report for detected (or catalog) GPUs."""
    header = (
        f"Source: {facts.source}   Driver: {fmt_value(facts.driver_version)}   "
        f"CUDA (driver): {fmt_value(facts.cuda_driver_version)}"
    )
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
            fmt_value(g.mig_mode),
            fmt_value(g.pci_bus_id),
        ]
        for g in facts.gpus
    ]
    parts = [
        header,
        "",
        table(["GPU", "Name", "Total GiB", "Used GiB", "Free GiB", "CC", "MIG", "PCI bus"], rows),
    ]
    busy = [g for g in facts.gpus if g.processes]
    if busy:
        parts += ["", "Processes holding GPU memory:"]
        parts += [f"  GPU{g.index}: {_process_text(facts, g.index)}" for g in busy]
    if len(facts.gpus) > 1:
        parts += ["", "Links:", render_links(facts)]
    return "\n".join(parts)


def render_catalog(entries: Iterable[CatalogGpu]) -> str:
    rows = [
        [
            e.key,
            e.name,
            f"{e.total_gib:.2f}",
            e.compute_capability,
            fmt_value(e.bf16),
            fmt_value(e.fp8),
            fmt_value(e.fp4),
            e.interconnect,
        ]
        for e in entries
    ]
    return table(["Key", "Name (as NVML reports it)", "CUDA GiB", "CC", "bf16", "fp8", "fp4", "Links"], rows)
