"""`monitor --once` as plain text: an nvidia-smi-like table for scripts and pipes (ASCII only, no rich)."""

from __future__ import annotations

import time

from wizard.i18n import localize, msg
from wizard.monitor import format as fmt
from wizard.monitor.snapshot import GpuSample, MonitorSnapshot, Percentiles, ProcessRow, ServerSample

ROLE_TAGS = {"ours": "monitor.text.tag_ours", "vllm": "monitor.text.tag_vllm"}


def _t(lang: str | None, key: str, **params: object) -> str:
    return msg(key, **params).render(lang)


def bar(percent: float | None, width: int = 10) -> str:
    if percent is None:
        return "[" + " " * width + "]"
    filled = round(max(0.0, min(100.0, percent)) / 100 * width)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def render_snapshot(snap: MonitorSnapshot, lang: str | None = None) -> str:
    """The snapshot as text in `lang` (default: the language the edge chose); numbers and units as is."""
    lines = [_header(snap, lang), ""]
    lines += _gpus(snap, lang)
    lines += ["", _host(snap, lang), ""]
    lines += _processes(snap.processes, lang)
    lines += [""] + _server(snap.server, lang)
    if snap.notices:
        lines += ["", _t(lang, "monitor.text.notices_title")] + [f"  ! {localize(n.message, lang)}" for n in snap.notices]
    return "\n".join(lines).rstrip() + "\n"


def _header(snap: MonitorSnapshot, lang: str | None) -> str:
    parts = ["vllm-wizard monitor"]
    if snap.host.hostname:
        parts.append(_t(lang, "monitor.text.host", name=snap.host.hostname))
    parts.append(time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(snap.taken_at)))
    parts.append(_t(lang, "monitor.text.driver", version=snap.driver_version or fmt.NA))
    parts.append(f"CUDA {snap.cuda_driver_version or fmt.NA}")
    if snap.gpu_source == "fake":
        parts.append(_t(lang, "monitor.text.fake_gpus"))
    return " | ".join(parts)


GPU_HEAD = (f"{'GPU':>3} {'NAME':<16} {'UTIL':>4}  {'MEMORY GiB':<15} {'TEMP':>4}  {'POWER W':<9} {'FAN':>4}  "
            f"{'SM/MEM MHz':<11} {'PCIe TX/RX MB/s':<15} PERF")


def _gpus(snap: MonitorSnapshot, lang: str | None) -> list[str]:
    lines: list[str] = []
    if snap.gpu_error:
        lines.append(_t(lang, "monitor.text.gpu_error", error=snap.gpu_error))
    if not snap.gpus:
        return lines or [_t(lang, "monitor.text.no_gpus")]
    lines.append(GPU_HEAD)
    lines += [_gpu(g, lang) for g in snap.gpus]
    return lines


def _gpu(g: GpuSample, lang: str | None) -> str:
    head = f"{g.index:>3} {fmt.short_gpu_name(g.name)[:16]:<16}"
    if g.lost:
        return f"{head} {_t(lang, 'monitor.text.gpu_lost')}"
    total = fmt.usable_total(g.mem_total_bytes, g.mem_reserved_bytes)
    memory = f"{fmt.gib(g.mem_used_bytes)}/{fmt.gib(total)} {fmt.pct(g.mem_percent):>4}"
    power = f"{fmt.watts(g.power_w)}/{fmt.watts(g.power_limit_w)}"
    clocks = f"{fmt.mhz(g.sm_clock_mhz)}/{fmt.mhz(g.mem_clock_mhz)}"
    pcie = f"{fmt.mb_s(g.pcie_tx_bytes_s)}/{fmt.mb_s(g.pcie_rx_bytes_s)}"
    return (f"{head} {fmt.pct(g.util_percent):>4}  {memory:<15} {fmt.celsius(g.temperature_c, ascii_only=True):>4}  "
            f"{power:<9} {fmt.pct(g.fan_percent):>4}  {clocks:<11} {pcie:<15} {fmt.pstate(g.pstate)}")


def _host(snap: MonitorSnapshot, lang: str | None) -> str:
    h = snap.host
    cpu = (_t(lang, "monitor.text.cpu_cores", pct=fmt.pct(h.cpu_percent), cores=h.cpu_count) if h.cpu_count
           else _t(lang, "monitor.text.cpu", pct=fmt.pct(h.cpu_percent)))
    load = _t(lang, "monitor.text.load", values=" ".join(f"{x:.2f}" for x in h.load_avg) if h.load_avg else fmt.NA)
    ram = _t(lang, "monitor.text.ram", pair=fmt.mem_pair(h.mem_used_bytes, h.mem_total_bytes), pct=fmt.pct(h.mem_percent))
    swap = _t(lang, "monitor.text.swap", pair=fmt.mem_pair(h.swap_used_bytes, h.swap_total_bytes))
    return _t(lang, "monitor.text.host_title") + "  " + " | ".join((cpu, load, ram, swap))


def _processes(rows: tuple[ProcessRow, ...], lang: str | None) -> list[str]:
    if not rows:
        return [_t(lang, "monitor.text.no_processes")]
    lines = [_t(lang, "monitor.text.processes_title"), f"{'GPU':>3} {'PID':>8} {'USER':<10} {'GPU-MEM':>9} {'%CPU':>6} {'%MEM':>5} "
                          f"{'TIME':>10}  COMMAND"]
    for r in rows:
        command = r.command if r.missing is None else f"[{localize(r.missing, lang)}]"
        tag = "  " + _t(lang, ROLE_TAGS[r.role]) if r.role in ROLE_TAGS else ""
        lines.append(f"{r.gpu_index:>3} {r.pid:>8} {(r.user or fmt.NA)[:10]:<10} "
                     f"{fmt.gib(r.gpu_mem_bytes) + ' GiB' if r.gpu_mem_bytes is not None else fmt.NA:>9} "
                     f"{fmt.number(r.cpu_percent, 1):>6} {fmt.number(r.mem_percent, 1):>5} "
                     f"{fmt.duration(r.elapsed_s):>10}  {command or fmt.NA}{tag}")
    return lines


def _latency_line(label: str, p: Percentiles | None, lang: str | None) -> str:
    if p is None:
        return f"  {label:<9} N/A"
    span = (_t(lang, "monitor.text.since_start") if p.window_s is None
            else _t(lang, "monitor.text.last_window", seconds=p.window_s))
    return (f"  {label:<9} p50 {fmt.latency(p.p50)} | p90 {fmt.latency(p.p90)} | p99 {fmt.latency(p.p99)}"
            f"  {_t(lang, 'monitor.text.latency_count', count=p.count, span=span)}")


def _server(s: ServerSample, lang: str | None) -> list[str]:
    f = s.figures
    if s.state == "none":
        return [_t(lang, "monitor.text.no_server")]
    head = f"{_t(lang, 'monitor.text.server_title')}  {s.url}  {_t(lang, 'monitor.state.' + s.state)}"
    if s.model:
        head += " | " + _t(lang, "monitor.text.model", model=s.model)
    lines = [head]
    if s.detail:
        lines.append(f"  {localize(s.detail, lang)}"
                     + (_t(lang, "monitor.text.retrying", seconds=s.retry_in_s) if s.retry_in_s else ""))
    if s.state != "up" or f.running is None and f.kv_usage_percent is None:
        return lines
    preempted = fmt.number(f.preemptions_total)
    if f.preemptions_recent is not None:
        preempted += _t(lang, "monitor.text.recent", count=f.preemptions_recent)
    rates = _t(lang, "monitor.text.rates", prompt=fmt.number(f.prompt_tokens_s, 1),
               generation=fmt.number(f.generation_tokens_s, 1))
    if f.prompt_tokens_s is None and f.generation_tokens_s is None:
        rates += _t(lang, "monitor.text.rates_need_two")
    lines += [
        _t(lang, "monitor.text.requests", running=fmt.number(f.running), waiting=fmt.number(f.waiting),
           preempted=preempted),
        _t(lang, "monitor.text.kv_cache", pct=fmt.pct(f.kv_usage_percent, 1), bar=bar(f.kv_usage_percent),
           hits=fmt.pct(f.prefix_hit_percent, 1)),
        _t(lang, "monitor.text.tokens", rates=rates),
        _latency_line("TTFT", f.ttft, lang), _latency_line("ITL", f.itl, lang), _latency_line("E2E", f.e2e, lang),
    ]
    if s.advice:
        lines += [_t(lang, "monitor.text.advice_title")] + [f"  * {localize(a.message, lang)} [{a.setting}]"
                                                             for a in s.advice]
    return lines
