"""`monitor --once` as plain text: an nvidia-smi-like table for scripts and pipes (ASCII only, no rich)."""

from __future__ import annotations

import time

from wizard.monitor import format as fmt
from wizard.monitor.snapshot import GpuSample, MonitorSnapshot, Percentiles, ProcessRow, ServerSample

ROLE_TAGS = {"ours": "  [our vLLM]", "vllm": "  [vLLM]", "other": ""}


def bar(percent: float | None, width: int = 10) -> str:
    if percent is None:
        return "[" + " " * width + "]"
    filled = round(max(0.0, min(100.0, percent)) / 100 * width)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def render_snapshot(snap: MonitorSnapshot) -> str:
    lines = [_header(snap), ""]
    lines += _gpus(snap)
    lines += ["", _host(snap), ""]
    lines += _processes(snap.processes)
    lines += [""] + _server(snap.server)
    if snap.notices:
        lines += ["", "NOTICES"] + [f"  ! {n.message}" for n in snap.notices]
    return "\n".join(lines).rstrip() + "\n"


def _header(snap: MonitorSnapshot) -> str:
    parts = ["vllm-wizard monitor"]
    if snap.host.hostname:
        parts.append(f"host {snap.host.hostname}")
    parts.append(time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(snap.taken_at)))
    parts.append(f"driver {snap.driver_version or fmt.NA}")
    parts.append(f"CUDA {snap.cuda_driver_version or fmt.NA}")
    if snap.gpu_source == "fake":
        parts.append("fake GPUs")
    return " | ".join(parts)


GPU_HEAD = (f"{'GPU':>3} {'NAME':<16} {'UTIL':>4}  {'MEMORY GiB':<15} {'TEMP':>4}  {'POWER W':<9} {'FAN':>4}  "
            f"{'SM/MEM MHz':<11} {'PCIe TX/RX MB/s':<15} PERF")


def _gpus(snap: MonitorSnapshot) -> list[str]:
    lines: list[str] = []
    if snap.gpu_error:
        lines.append(f"GPUs: {snap.gpu_error}")
    if not snap.gpus:
        return lines or ["GPUs: none found"]
    lines.append(GPU_HEAD)
    lines += [_gpu(g) for g in snap.gpus]
    return lines


def _gpu(g: GpuSample) -> str:
    head = f"{g.index:>3} {fmt.short_gpu_name(g.name)[:16]:<16}"
    if g.lost:
        return f"{head} LOST: fell off the bus (NVML: GPU is lost); the other GPUs are unaffected"
    total = fmt.usable_total(g.mem_total_bytes, g.mem_reserved_bytes)
    memory = f"{fmt.gib(g.mem_used_bytes)}/{fmt.gib(total)} {fmt.pct(g.mem_percent):>4}"
    power = f"{fmt.watts(g.power_w)}/{fmt.watts(g.power_limit_w)}"
    clocks = f"{fmt.mhz(g.sm_clock_mhz)}/{fmt.mhz(g.mem_clock_mhz)}"
    pcie = f"{fmt.mb_s(g.pcie_tx_bytes_s)}/{fmt.mb_s(g.pcie_rx_bytes_s)}"
    return (f"{head} {fmt.pct(g.util_percent):>4}  {memory:<15} {fmt.celsius(g.temperature_c, ascii_only=True):>4}  "
            f"{power:<9} {fmt.pct(g.fan_percent):>4}  {clocks:<11} {pcie:<15} {fmt.pstate(g.pstate)}")


def _host(snap: MonitorSnapshot) -> str:
    h = snap.host
    cpu = f"CPU {fmt.pct(h.cpu_percent)}" + (f" of {h.cpu_count} cores" if h.cpu_count else "")
    load = "load " + (" ".join(f"{x:.2f}" for x in h.load_avg) if h.load_avg else fmt.NA)
    ram = f"RAM {fmt.mem_pair(h.mem_used_bytes, h.mem_total_bytes)} ({fmt.pct(h.mem_percent)})"
    swap = f"swap {fmt.mem_pair(h.swap_used_bytes, h.swap_total_bytes)}"
    return "HOST  " + " | ".join((cpu, load, ram, swap))


def _processes(rows: tuple[ProcessRow, ...]) -> list[str]:
    if not rows:
        return ["PROCESSES  none on the GPUs"]
    lines = ["PROCESSES", f"{'GPU':>3} {'PID':>8} {'USER':<10} {'GPU-MEM':>9} {'%CPU':>6} {'%MEM':>5} "
                          f"{'TIME':>10}  COMMAND"]
    for r in rows:
        command = r.command if r.missing is None else f"[{r.missing}]"
        lines.append(f"{r.gpu_index:>3} {r.pid:>8} {(r.user or fmt.NA)[:10]:<10} "
                     f"{fmt.gib(r.gpu_mem_bytes) + ' GiB' if r.gpu_mem_bytes is not None else fmt.NA:>9} "
                     f"{fmt.number(r.cpu_percent, 1):>6} {fmt.number(r.mem_percent, 1):>5} "
                     f"{fmt.duration(r.elapsed_s):>10}  {command or fmt.NA}{ROLE_TAGS[r.role]}")
    return lines


def _latency_line(label: str, p: Percentiles | None) -> str:
    if p is None:
        return f"  {label:<9} N/A"
    span = "since start" if p.window_s is None else f"last {p.window_s:.0f} s"
    return (f"  {label:<9} p50 {fmt.latency(p.p50)} | p90 {fmt.latency(p.p90)} | p99 {fmt.latency(p.p99)}"
            f"  ({p.count:.0f} requests, {span})")


def _server(s: ServerSample) -> list[str]:
    f = s.figures
    if s.state == "none":
        return ["SERVER  none: pass --url http://HOST:PORT (or --launch-record FILE) to watch a vLLM server"]
    head = f"SERVER  {s.url}  {s.state.upper()}"
    if s.model:
        head += f" | model {s.model}"
    lines = [head]
    if s.detail:
        lines.append(f"  {s.detail}" + (f" (retrying in {s.retry_in_s:.0f} s)" if s.retry_in_s else ""))
    if s.state != "up" or f.running is None and f.kv_usage_percent is None:
        return lines
    preempted = fmt.number(f.preemptions_total)
    if f.preemptions_recent is not None:
        preempted += f" (+{f.preemptions_recent:.0f} recently)"
    rates = f"prompt {fmt.number(f.prompt_tokens_s, 1)} | generation {fmt.number(f.generation_tokens_s, 1)}"
    if f.prompt_tokens_s is None and f.generation_tokens_s is None:
        rates += "  (rates need two samples: the live view shows them)"
    lines += [
        f"  requests  running {fmt.number(f.running)} | waiting {fmt.number(f.waiting)} | preempted {preempted}",
        f"  KV cache  {fmt.pct(f.kv_usage_percent, 1)} {bar(f.kv_usage_percent)} | prefix-cache hits "
        f"{fmt.pct(f.prefix_hit_percent, 1)}",
        f"  tokens/s  {rates}",
        _latency_line("TTFT", f.ttft), _latency_line("ITL", f.itl), _latency_line("E2E", f.e2e),
    ]
    if s.advice:
        lines += ["ADVICE"] + [f"  * {a.message} [{a.setting}]" for a in s.advice]
    return lines
