"""The plan's speed estimate as two lines of plain text, in the user's language."""

from __future__ import annotations

from wizard.i18n import join, localize, msg
from wizard.perf.estimate import Performance


def _num(value: float | None) -> str:
    if value is None:
        return localize(msg("common.na"))
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}" if value >= 1 else f"{value:.2f}"


def performance_lines(perf: Performance) -> list[str]:
    lines = [localize(msg("perf.report.header", prompt=perf.prompt_tokens))]
    if perf.decode_single is None and perf.prefill_tps is None:
        missing = [a for a in perf.assumptions() if a.key == "perf.assume.missing"]
        lines.append(localize(msg("perf.report.none", reason=join(missing) if missing else msg("common.na"))))
        return lines
    bound = {
        "memory_bandwidth": msg("perf.bound.memory_bandwidth"), "compute": msg("perf.bound.compute"),
        "pcie_offload": msg("perf.bound.pcie_offload"), "interconnect": msg("perf.bound.interconnect"),
    }.get(perf.bound or "", msg("common.na"))
    lines.append(localize(msg("perf.report.decode", single=_num(perf.decode_single), concurrency=perf.concurrency,
                              per_request=_num(perf.per_request), aggregate=_num(perf.aggregate), bound=bound)))
    lines.append(localize(msg("perf.report.prefill", prefill=_num(perf.prefill_tps),
                              ttft=_num(perf.ttft_ms))))
    return lines
