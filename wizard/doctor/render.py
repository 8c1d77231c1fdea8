"""The doctor's human output, in the user's language: the verdict, then each diagnosis with its
evidence, cause and fix (and the corrected command when the log showed it), or the calibration
figures of a healthy start."""

from __future__ import annotations

import shlex

from wizard.doctor.diagnose import Diagnosis, DoctorReport
from wizard.i18n import localize, msg

_FIGURES = (("vllm_version", "vLLM"), ("model", "model"), ("weights_gib", "weights GiB"),
            ("available_kv_gib", "KV cache GiB"), ("kv_cache_tokens", "KV cache tokens"),
            ("max_concurrency", "max concurrency"), ("cuda_graph_gib", "CUDA graphs GiB"),
            ("init_seconds", "engine init s"))


def corrected_command(report: DoctorReport, diagnosis: Diagnosis) -> str | None:
    """`vllm serve MODEL --flag value ...`: the log's settings with the fix applied, or None when the log
    did not show the command."""
    if diagnosis.set is None or not report.command.model:
        return None
    settings = {k: v for k, v in report.command.settings.items() if k not in {"model", "host", "port"}}
    for key, value in diagnosis.set.items():
        if value is None:
            settings.pop(key, None)
        else:
            settings[key] = value
    words = ["vllm", "serve", report.command.model]
    for key, value in settings.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            words.append(flag)
        elif value is False or value is None:
            continue
        else:
            words += [flag, str(value)]
    return shlex.join(words)


def render_report(report: DoctorReport, lang: str) -> str:
    if report.ok:
        out = [localize(msg("doctor.title.ok"), lang)]
        figures = report.figures.as_dict() if report.figures else {}
        figures["cuda_graph_gib"] = report.figures.cuda_graph_gib if report.figures else None
        rows = [(label, figures.get(name)) for name, label in _FIGURES if figures.get(name) is not None]
        if rows:
            out.append(localize(msg("doctor.label.figures"), lang))
            out += [localize(msg("doctor.figure.line", name=label, value=value), lang) for label, value in rows]
        return "\n".join(out)
    out = [localize(msg("doctor.title.failed", count=len(report.diagnoses)), lang)]
    for d in report.diagnoses:
        out.append("")
        out.append(f"[{d.code}] {localize(d.cause, lang)}")
        out.append(f"  {localize(msg('doctor.label.evidence', line=d.line), lang)}: {d.evidence}")
        out.append(f"  {localize(msg('doctor.label.fix'), lang)}: {localize(d.fix, lang)}")
        command = corrected_command(report, d)
        if command:
            out.append(f"  {localize(msg('doctor.label.command'), lang)}: {command}")
        if d.verified and d.predicted_kv_tokens is not None:
            summary = msg("doctor.verified.summary", tokens=f"{d.predicted_kv_tokens:,}")
            out.append(f"  {localize(msg('doctor.label.verified', summary=summary), lang)}")
    return "\n".join(out)
