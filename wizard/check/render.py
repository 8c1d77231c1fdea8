"""The human output of `check`: verdict, memory table, findings, suggestions, the diff and the
corrected command, in the user's language (plain text: the headless core never imports rich)."""

from __future__ import annotations

from wizard.check.result import CheckResult
from wizard.i18n import localize, msg

GIB = 1 << 30
_MARK = {"error": "ERROR", "warning": "WARN ", "info": "info "}


def _gib(value: int) -> str:
    return f"{value / GIB:7.2f}"


def render_check(result: CheckResult, lang: str) -> str:
    def t(key: str, **params: object) -> str:
        return msg(key, **params).render(lang)

    plan, parsed = result.plan, result.parsed
    gpus = plan.request.hardware.gpus
    used = plan.ranks
    lines = [t("check.render.title", model=parsed.model or plan.request.model.id, count=len(gpus),
               gpu=gpus[0].name if gpus else "?", version=plan.version,
               source=t(f"check.render.source_{result.table.source}")), ""]
    failure = result.parse_failure
    if failure is not None:
        lines += [t("check.render.verdict_refused", code=failure[0]), f"  {failure[1]}"]
    elif plan.ok:
        lines.append(t("check.render.verdict_ok"))
    else:
        lines += [t("check.render.verdict_fail", code=plan.failure_code), f"  {localize(plan.failure_message, lang)}"]
    lines += ["", t("check.render.memory_title"),
              "  " + t("check.render.memory_header")]
    for r in used:
        lines.append(f"  {r.gpu_index:>3} {_gib(r.total)} {_gib(r.others)} {_gib(r.requested)} {_gib(r.weights)} "
                     f"{_gib(r.activation)} {_gib(r.cuda_graph)} {_gib(r.non_torch)} {_gib(r.kv_cache)}")
    lines.append(t("check.render.kv_line", tokens=plan.kv_cache_tokens, concurrency=plan.max_concurrency,
                   length=plan.settings.max_model_len, fit=plan.max_fitting_len))
    if result.findings:
        lines += ["", t("check.render.findings_title")]
        for f in result.findings:
            flag = f" ({f.flag})" if f.flag else ""
            lines.append(f"  {_MARK.get(f.severity, f.severity)} {f.code}{flag}: {localize(f.message, lang)}")
    if result.suggestions:
        lines += ["", t("check.render.suggestions_title")]
        for s in result.suggestions:
            change = " ".join([f"{k.replace('_', '-')}={v}" for k, v in s.set.items()]
                              + [t("check.render.unset", name=n.replace("_", "-")) for n in s.unset])
            verdict = (t("check.render.predicted_ok", tokens=s.predicted.kv_cache_tokens,
                         concurrency=s.predicted.max_concurrency) if s.ok
                       else t("check.render.predicted_fail", code=s.predicted.failure_code or "unknown_argument"))
            lines.append(f"  - {s.code}: {localize(s.message, lang)}")
            lines.append(f"      {change}  → {verdict}")
    fixed = result.corrected
    if fixed.diff:
        lines += ["", t("check.render.diff_title")]
        lines += [f"  {sign} {text}" for sign, text in fixed.diff]
        lines += ["", t("check.render.corrected_ok") if result.corrected_ok
                  else t("check.render.corrected_fail", code=result.corrected_plan.failure_code or "unknown_argument"),
                  "", "  " + fixed.line]
        if fixed.config_text is not None:
            lines += ["", t("check.render.config_title", path=parsed.config_file), ""]
            lines += ["  " + line for line in fixed.config_text.rstrip().splitlines()]
    else:
        lines += ["", t("check.render.nothing_to_change")]
    return "\n".join(lines)
