"""Snapshot pieces -> Rich Text for the monitor widgets. Presentation only: every figure, threshold
and sentence comes from wizard.monitor (format, levels, advice); this module picks glyphs and colours.

Colours are the 16 ANSI names (green/yellow/red/magenta/cyan + dim), so the view reads the same on a
16-colour console, over SSH at 256 colours, and in truecolor.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.text import Text
from textual.content import Content

from screens.i18n import core, t
from wizard.monitor import format as fmt
from wizard.monitor import levels
from wizard.monitor.snapshot import (
    GpuSample,
    HostSample,
    MonitorSnapshot,
    Percentiles,
    ProcessRow,
    ServerSample,
)

LEVEL_STYLE = {"na": "dim", "low": "green", "moderate": "yellow", "high": "red"}
STATE_STYLE = {"up": "green", "starting": "yellow", "down": "red", "unreachable": "red", "none": "dim"}
ROLE_STYLE = {"ours": "bold magenta", "vllm": "magenta", "other": ""}
SPARK = "▁▂▃▄▅▆▇█"
Piece = tuple[str, str]  # (text, style)


def sparkline(values: Sequence[float | None], width: int, top: float = 100.0) -> str:
    """The whole history squeezed into `width` cells (max per cell, so peaks survive), on a fixed
    0..top scale so 5 % never looks like a full bar. Gaps (N/A) stay blank."""
    if width <= 0:
        return ""
    if not values:
        return " " * width
    per = max(1, -(-len(values) // width))  # ceil
    cells = []
    for start in range(0, len(values), per):
        chunk = [v for v in values[start:start + per] if v is not None]
        if not chunk:
            cells.append(" ")
            continue
        frac = max(0.0, min(1.0, max(chunk) / top))
        cells.append(SPARK[min(len(SPARK) - 1, int(frac * len(SPARK)))])
    return "".join(cells[-width:]).rjust(width)


def memory_bar(gpu: GpuSample, width: int) -> list[Piece]:
    """Used | driver-reserved | free, over NVML's total framebuffer."""
    total = gpu.mem_total_bytes
    if width <= 0:
        return []
    if not total or gpu.mem_used_bytes is None:
        return [("·" * width, "dim")]
    used = round(width * gpu.mem_used_bytes / total)
    reserved = round(width * (gpu.mem_reserved_bytes or 0) / total)
    if gpu.mem_used_bytes > 0:
        used = max(used, 1)
    used = min(used, width)
    reserved = min(reserved, width - used)
    return [("█" * used, LEVEL_STYLE[levels.memory_level(gpu.mem_percent)]), ("▒" * reserved, "magenta"),
            ("░" * (width - used - reserved), "dim")]


def level_bar(percent: float | None, width: int, style: str) -> Text:
    if percent is None:
        return Text("·" * width, style="dim")
    filled = round(max(0.0, min(100.0, percent)) / 100 * width)
    return Text("█" * filled, style=style).append("░" * (width - filled), style="dim")


def _len(pieces: list[Piece]) -> int:
    return sum(len(chunk) for chunk, _ in pieces)


def _head(gpu: GpuSample) -> list[Piece]:
    return [(f"{gpu.index:>2} ", "bold"), (f"{fmt.short_gpu_name(gpu.name)[:15]:<15}", "bold")]


def gpu_text(gpu: GpuSample, history: dict[str, tuple[float | None, ...]], width: int,
             compact: bool) -> Content:
    """Two lines (compact) or three (with a sparkline row) for one GPU. Built as Textual Content
    straight from (text, style) pieces: eight of these render every second."""
    if gpu.lost:
        return Content.assemble(*_head(gpu), ("  " + t("mon.lost"), "bold red"),
                                "\n   ", (t("mon.lost_fix"), "red"))
    util_style = LEVEL_STYLE[levels.util_level(gpu.util_percent)]
    total = fmt.usable_total(gpu.mem_total_bytes, gpu.mem_reserved_bytes)
    mem_figure = f"{fmt.gib(gpu.mem_used_bytes)}/{fmt.gib(total)} GiB"
    mem_pct = (f" {fmt.pct(gpu.mem_percent):>4}", LEVEL_STYLE[levels.memory_level(gpu.mem_percent)])
    pieces = _head(gpu) + [("  util ", "dim"), (f"{fmt.pct(gpu.util_percent):>4} ", util_style)]
    fixed = _len(pieces) + len("  mem ") + 1 + len(mem_figure) + len(mem_pct[0])
    room = max(0, width - fixed)
    bar_w = room
    if compact:  # the util history rides on line 1
        spark_w = max(0, min(room // 3, 20))
        pieces.append((sparkline(history.get("util", ()), spark_w), util_style))
        bar_w = room - spark_w
    pieces += [("  mem ", "dim"), *memory_bar(gpu, max(0, bar_w - 1)), (" " + mem_figure, ""), mem_pct, ("\n", "")]
    pieces += _details(gpu)
    if not compact:
        pieces += [("\n", ""), *_history_row(history, width)]
    return Content.assemble(*((text, style) for text, style in pieces if text))


def _details(gpu: GpuSample) -> list[Piece]:
    temp_style = LEVEL_STYLE[levels.temperature_level(gpu.temperature_c)]
    power_style = LEVEL_STYLE[levels.power_level(gpu.power_percent)]
    power = "N/A" if gpu.power_w is None and gpu.power_limit_w is None else \
        f"{fmt.watts(gpu.power_w)}/{fmt.watts(gpu.power_limit_w)}W"
    return [
        ("  ", ""), (f"{fmt.celsius(gpu.temperature_c):>5}", temp_style), (" ", ""), (power, power_style),
        (" fan ", "dim"), (fmt.pct(gpu.fan_percent), ""),
        (" clk ", "dim"), (_clocks(gpu), ""),
        (" PCIe ", "dim"), (fmt.rate_pair(gpu.pcie_tx_bytes_s, gpu.pcie_rx_bytes_s), ""),
        (" ", ""), (fmt.pstate(gpu.pstate), "cyan"),
    ]


def _clocks(gpu: GpuSample) -> str:
    """SM/memory clocks; one N/A when NVML reports neither (not `N/A/N/AMHz`)."""
    if gpu.sm_clock_mhz is None and gpu.mem_clock_mhz is None:
        return fmt.NA
    return f"{fmt.mhz(gpu.sm_clock_mhz)}/{fmt.mhz(gpu.mem_clock_mhz)}MHz"


def _history_row(history: dict[str, tuple[float | None, ...]], width: int) -> list[Piece]:
    labels = (("util", "util", "green"), ("mem", "mem", "cyan"), ("power", "power", "yellow"))
    spark_w = max(0, (width - 3 - sum(len(label) + 3 for _, label, _ in labels)) // 3)
    pieces: list[Piece] = [("   ", "")]
    for key, label, style in labels:
        pieces += [(f"{label} ", "dim"), (sparkline(history.get(key, ()), spark_w), style), ("  ", "")]
    return pieces


def host_text(host: HostSample, width: int) -> Text:
    """One line when it fits (stacked layout), else CPU and memory on two lines (side column)."""
    cpu_style = LEVEL_STYLE[levels.util_level(host.cpu_percent)]
    mem_style = LEVEL_STYLE[levels.memory_level(host.mem_percent)]
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("CPU ", "dim").append(f"{fmt.pct(host.cpu_percent):>4}", cpu_style)
    if host.cpu_count:
        text.append(t("mon.cpu_of", count=host.cpu_count), "dim")
    if host.load_avg:
        text.append("  load ", "dim").append(" ".join(f"{x:.2f}" for x in host.load_avg))
    text.append("  " if width >= 76 else "\n")
    text.append("RAM ", "dim").append(fmt.mem_pair(host.mem_used_bytes, host.mem_total_bytes), mem_style)
    text.append(f" {fmt.pct(host.mem_percent)}", mem_style)
    text.append("  swap ", "dim").append(fmt.mem_pair(host.swap_used_bytes, host.swap_total_bytes))
    return text


def _ms(seconds: float | None) -> str:
    return fmt.latency(seconds).replace(" ", "")


def _latency(label: str, p: Percentiles | None) -> Text:
    text = Text().append(f"{label:<5}", "dim")
    if p is None:
        return text.append(fmt.NA, "dim")
    for name, value in (("p50", p.p50), ("p90", p.p90), ("p99", p.p99)):
        text.append(f"{name} ", "dim").append(f"{_ms(value):<7}")
    return text


def _window(server: ServerSample) -> str:
    p = server.figures.ttft or server.figures.itl or server.figures.e2e
    if p is None:
        return ""
    return t("mon.since_start") if p.window_s is None else t("mon.last_seconds", seconds=f"{p.window_s:.0f}")


def server_text(server: ServerSample, width: int, compact: bool = False) -> Text:
    """The server's state, load, cache, throughput, latency and advice. `compact` (the stacked
    80-column layout) packs it into ~5 lines; otherwise one figure per line for the side column."""
    f = server.figures
    style = STATE_STYLE[server.state]
    if server.state == "none":
        return Text.assemble((t("mon.no_server") + "  ", "dim"), t("mon.pass_url_before"),
                             ("--url http://HOST:PORT", "bold"), t("mon.pass_url_after"))
    text = Text.assemble(("● ", style), (t(f"mon.state.{server.state}"), f"bold {style}"), "  ", (server.url or "", ""))
    if server.model:
        text.append("  " if compact else "\n").append(server.model, "bold")
    if server.detail:
        text.append("\n" + core(server.detail), "dim" if server.state == "up" else style)
    if server.state in ("down", "unreachable"):
        retry = t("mon.retry_in", seconds=f"{server.retry_in_s:.0f}") if server.retry_in_s else t("mon.retrying")
        text.append(f" ({retry})" if server.detail else f"\n{retry}", "dim")
    if server.state != "up" or (f.running is None and f.kv_usage_percent is None):
        return text
    kv_style = LEVEL_STYLE[levels.kv_level(f.kv_usage_percent)]
    nl = "  " if compact else "\n"
    preempt = fmt.number(f.preemptions_total)
    if f.preemptions_recent:
        preempt += f" (+{f.preemptions_recent:.0f})"
    text.append("\n" + t("mon.requests") + " ", "dim").append(t("mon.running", count=fmt.number(f.running)), "bold")
    text.append(" · ", "dim").append(t("mon.waiting", count=fmt.number(f.waiting)), "yellow" if f.waiting else "")
    text.append(nl).append(t("mon.preempted") + " ", "dim").append(preempt, "red" if f.preemptions_recent else "")
    text.append("\n" + t("mon.kv_cache") + " ", "dim").append_text(
        level_bar(f.kv_usage_percent, 10 if compact else 20, kv_style))
    text.append(f" {fmt.pct(f.kv_usage_percent)}", kv_style)
    text.append(nl).append(t("mon.prefix_hits") + " ", "dim").append(fmt.pct(f.prefix_hit_percent))
    text.append(nl).append("tokens/s ", "dim").append(t("mon.prompt") + " ", "dim").append(fmt.number(f.prompt_tokens_s))
    text.append(" " + t("mon.gen") + " ", "dim").append(fmt.number(f.generation_tokens_s))
    if compact:
        text.append("\n").append_text(_latency("TTFT", f.ttft)).append(" ").append_text(
            _latency("ITL", f.itl))
    else:
        text.append("\n" + t("mon.latency", window=_window(server)), "dim")
        for label, p in (("TTFT", f.ttft), ("ITL", f.itl), ("E2E", f.e2e)):
            text.append("\n").append_text(_latency(label, p))
    for advice in server.advice:
        mark = "red" if advice.severity == "error" else "yellow" if advice.severity == "warning" else "cyan"
        if compact and advice.summary:
            text.append("\n! ", f"bold {mark}").append(core(advice.summary)).append(" → ", "dim")
            text.append(advice.setting, f"bold {mark}")
        else:
            text.append("\n! ", f"bold {mark}").append(core(advice.message))
            text.append(f" [{advice.setting}]", f"bold {mark}")
    return text


def status_text(snap: MonitorSnapshot | None, paused: bool) -> Text:
    """Most telling first, so an 80-column terminal cuts only the driver details."""
    text = Text(no_wrap=True, overflow="ellipsis").append(" vllm-wizard monitor", "bold")
    if paused:
        text.append("  ").append(f" {t('mon.paused')} ", "reverse bold yellow")
    if snap is None:
        return text.append("  " + t("mon.sampling"), "dim")
    if snap.host.hostname:
        text.append("  ").append(snap.host.hostname, "bold")
    text.append("  " + time.strftime("%H:%M:%S", time.localtime(snap.taken_at)))
    text.append(" " + t("mon.every", seconds=f"{snap.interval_s:g}"), "dim")
    if snap.notices:
        key = "mon.notices" if len(snap.notices) > 1 else "mon.notice"
        text.append("  " + t(key, count=len(snap.notices)), "yellow")
    if snap.gpu_source == "fake":
        text.append("  " + t("mon.fake_gpus"), "yellow")
    text.append("  " + t("mon.driver", driver=snap.driver_version or fmt.NA, cuda=snap.cuda_driver_version or fmt.NA),
                "dim")
    return text


def process_cells(row: ProcessRow) -> tuple[Text, ...]:
    style = ROLE_STYLE[row.role]
    mem = fmt.NA if row.gpu_mem_bytes is None else f"{fmt.gib(row.gpu_mem_bytes)} GiB"
    if row.missing:
        command = Text(core(row.missing), style="dim italic")
    else:
        tag = {"ours": "  ◀ " + t("mon.ours"), "vllm": "  vLLM", "other": ""}[row.role]
        command = Text(row.command or fmt.NA, style=style).append(tag, "bold magenta")
    cells = (str(row.gpu_index), str(row.pid), row.user or fmt.NA, mem, fmt.number(row.cpu_percent, 1),
             fmt.number(row.mem_percent, 1), fmt.duration(row.elapsed_s))
    return tuple(Text(c, style=style, justify="right" if i in (1, 3, 4, 5, 6) else "left")
                 for i, c in enumerate(cells)) + (command,)
