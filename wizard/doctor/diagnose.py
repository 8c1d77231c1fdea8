"""Scan results → diagnoses: the cause in one sentence and the fix, with the changed settings
computed from the figures the log printed (as vLLM computes them), most decisive first."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from wizard.doctor.command import LoggedCommand
from wizard.doctor.scan import Attempt, Found, ScanResult, scan
from wizard.i18n import Message, msg
from wizard.launch.calibration.parse import StartupFigures, parse_startup_log
from wizard.redact import mask_text

GIB_ROUNDING = 0.005  # vLLM prints GiB with two decimals: a printed figure is within this of the real one
DEFAULT_BLOCK_SIZE = 16  # CacheConfig's default block size (0.4 through 0.10), raised only by MLA back-ends


@dataclass(frozen=True)
class Diagnosis:
    code: str
    evidence: str  # the line as printed, secrets masked
    cause: Message
    fix: Message
    set: dict | None = None  # vLLM option name (underscores) → the value that fixes it; None: no setting does
    line: int = 0
    rank: int = 100
    verified: bool = False  # the fix was re-planned by the planner with the log's settings
    predicted_kv_tokens: int | None = None  # the planner's KV cache for the fixed command
    phase: str | None = None  # for CUDA OOM: loading, profiling, kv_cache, graph_capture, sampler_warmup, ready

    def contract(self) -> dict:
        return {"code": self.code, "evidence": self.evidence, "cause": str(self.cause), "fix": str(self.fix),
                "set": dict(self.set) if self.set is not None else None}


@dataclass(frozen=True)
class DoctorReport:
    diagnoses: tuple[Diagnosis, ...]
    ready: bool  # the log shows the server answering (start-up finished)
    figures: StartupFigures | None
    command: LoggedCommand = field(default_factory=LoggedCommand)
    lines: int = 0

    @property
    def ok(self) -> bool:
        return self.ready and not self.diagnoses

    @property
    def conclusive(self) -> bool:
        """False when the log shows neither a failure nor a finished start (not a vLLM log, or cut short)."""
        return bool(self.diagnoses) or self.ready

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 3

    def contract(self) -> dict:
        first = self.diagnoses[0] if self.diagnoses else None
        failure = {"code": failure_code(first), "message": str(first.cause)} if first else None
        startup = {"ok": True, "failure": None} if self.ok else {"ok": False, "failure": failure}
        figures = self.figures.as_dict() if self.ok and self.figures is not None else None
        return {"diagnoses": [d.contract() for d in self.diagnoses], "startup": startup, "figures": figures}


# The plan contract's failure codes (docs/contracts/plan.schema.json "failure_code"): `startup.failure`
# speaks the plan's language, the diagnoses keep the doctor's finer codes.
PLAN_FAILURE_CODES = frozenset({
    "weights_exceed_memory", "free_memory_below_request", "no_kv_cache_memory", "max_model_len_exceeds_kv_cache",
    "max_model_len_exceeds_model", "tp_not_divisor", "unsupported_dtype", "unsupported_quantization",
    "quantization_mismatch", "unknown_argument"})


def failure_code(diagnosis: Diagnosis) -> str:
    if diagnosis.code in PLAN_FAILURE_CODES:
        return diagnosis.code
    if diagnosis.code == "cuda_oom" and diagnosis.phase == "loading":
        return "weights_exceed_memory"
    return "other"


def _num(text: str | None) -> float | None:
    try:
        return float(str(text).replace(",", "")) if text is not None else None
    except ValueError:
        return None


def _int_setting(command: LoggedCommand, key: str) -> int | None:
    value = command.settings.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def fitting_max_model_len(values: dict, command: LoggedCommand) -> int | None:
    """The largest max_model_len the KV cache holds, as vLLM computes it.

    V0 printed it: the tokens the cache stores, block_size × (num_gpu_blocks // pp). V1 from 0.9
    printed its binary search's answer ("the estimated maximum model length is Z"). V1 0.8 printed
    only the bytes needed for L tokens and the bytes available: full attention needs cdiv(L, bs)
    blocks of equal size, so the blocks that fit are floor(available / (needed / cdiv(L, bs))),
    taken with the printed figures' rounding against us."""
    if values.get("kv_tokens"):
        fit = int(_num(values["kv_tokens"]) or 0)
        return fit if fit > 0 else None
    if values.get("estimated"):
        fit = int(_num(values["estimated"]) or 0)
        return fit if fit > 0 else None
    length, needed, available = (_num(values.get(k)) for k in ("max_len", "needed", "available"))
    if not length or not needed or available is None:
        return None
    block = _int_setting(command, "block_size") or DEFAULT_BLOCK_SIZE
    blocks_needed = math.ceil(length / block)
    per_block = (needed + GIB_ROUNDING) / blocks_needed
    fit = int(max(0.0, available - GIB_ROUNDING) // per_block) * block
    return min(fit, int(length) - 1) if fit > 0 else None


def fitting_utilization(values: dict) -> float | None:
    """The largest gpu-memory-utilization vLLM's start-up check accepts: requested = total × u must
    not exceed the free memory it measured (the printed GiB rounded against us, u to 0.01 below)."""
    free, total = _num(values.get("free")), _num(values.get("total"))
    if not free or not total:
        return None
    u = math.floor((free - GIB_ROUNDING) / (total + GIB_ROUNDING) * 100) / 100
    return u if u > 0 else None


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _change(settings: dict) -> str:
    parts = []
    for key, value in settings.items():
        if value is None:
            parts.append(f"drop {_flag(key)}")
        elif value is True:
            parts.append(_flag(key))
        else:
            parts.append(f"{_flag(key)} {value}")
    return " ".join(parts)


def _diagnose(found: Found, command: LoggedCommand) -> Diagnosis:
    code = found.match.rule.code
    # Values quoted from the log reach the cause and fix sentences: mask them as the evidence is.
    values = {k: mask_text(v) if isinstance(v, str) else v for k, v in found.match.values.items()}
    settings: dict | None = None
    fix_key, cause_key = f"doctor.fix.{code}", f"doctor.cause.{code}"
    params: dict = {k: v for k, v in values.items()}
    params.setdefault("model", command.model or "MODEL")
    if code == "max_model_len_exceeds_kv_cache":
        fit = fitting_max_model_len(values, command)
        if fit is not None:
            settings = {"max_model_len": fit}
            fix_key += ".fit"
            params["fit"] = fit
    elif code == "free_memory_below_request":
        u = fitting_utilization(values)
        if u is not None:
            settings = {"gpu_memory_utilization": u}
            fix_key += ".fit"
            params["fit"] = u
    elif code == "mamba_cache_blocks" and values.get("blocks"):
        settings = {"max_num_seqs": int(values["blocks"])}
    elif code == "max_model_len_exceeds_model" and values.get("derived"):
        settings = {"max_model_len": int(values["derived"])}
    elif code == "unsupported_dtype":
        if values.get("model_type"):
            settings, fix_key = {"dtype": "float32"}, fix_key + ".float32"
        elif values.get("refused") == "float16":  # the method runs in bfloat16 only (gpt_oss_mxfp4)
            settings, fix_key = {"dtype": "bfloat16"}, fix_key + ".bfloat16"
        else:
            settings = {"dtype": "float16"}
    elif code == "quantization_mismatch":
        settings = {"quantization": None}
        if "checkpoint" not in values:  # "Cannot find the config file for X": no such quantization config at all
            cause_key, fix_key = cause_key + ".no_config", fix_key + ".no_config"
        params.setdefault("checkpoint", "?")
        params.setdefault("flag", str(command.settings.get("quantization") or "?"))
    elif code == "mamba_chunked_prefill":
        settings = {"enable_chunked_prefill": True}
    elif code in {"invalid_tool_call_parser", "invalid_reasoning_parser"}:
        params.setdefault("parser", "?")
    elif code == "unsupported_head_size":
        params.setdefault("head_dim", "?")
    elif code == "cuda_driver_too_old":
        detail = ("found" if values.get("found") else "library" if values.get("library") else "kernel")
        cause_key += f".{detail}"
    elif code == "trust_remote_code_required":
        settings = {"trust_remote_code": True}
    elif code == "cuda_oom":
        phase = found.phase or "unknown"
        cause_key += f".{phase}" if phase in {"loading", "graph_capture", "sampler_warmup", "ready"} else ""
        if phase == "graph_capture":
            settings, fix_key = {"enforce_eager": True}, fix_key + ".graph_capture"
        elif phase == "sampler_warmup":
            seqs = _int_setting(command, "max_num_seqs")
            if seqs and seqs > 1:
                settings = {"max_num_seqs": max(1, seqs // 2)}
            fix_key += ".sampler_warmup"
        elif phase == "loading":
            fix_key += ".loading"
    elif code == "nccl_error":
        if values.get("shm"):
            cause_key, fix_key = cause_key + ".shm", fix_key + ".shm"
        elif values.get("p2p"):
            cause_key, fix_key = cause_key + ".p2p", fix_key + ".p2p"
            settings = {"disable_custom_all_reduce": True}
    elif code == "gated_repo":
        params["repo"] = values.get("repo") or values.get("repo2") or command.model or "MODEL"
    elif code == "model_not_found":
        params["repo"] = values.get("repo") or command.model or "MODEL"
    elif code == "port_in_use":
        params["port"] = values.get("port") or command.settings.get("port") or 8000
    elif code in {"startup_timeout", "process_killed"}:
        params.setdefault("unit", "vllm")
        if code == "process_killed" and values.get("oom_killed"):
            cause_key, fix_key = cause_key + ".oom", fix_key + ".oom"
    if code in {"no_kv_cache_memory", "max_model_len_exceeds_kv_cache"} and "VLLM_CPU_KVCACHE_SPACE" in found.line.text:
        # vLLM's CPU back-end sizes its cache from VLLM_CPU_KVCACHE_SPACE (GiB), not a GPU fraction.
        fix_key = f"doctor.fix.{code}.cpu"
    if settings is not None:
        params["change"] = _change(settings)
    return Diagnosis(code=code, evidence=found.line.shown, cause=msg(cause_key, **params), fix=msg(fix_key, **params),
                     set=settings, line=found.line.number, rank=found.match.rule.rank, phase=found.phase)


def _unknown(attempt: Attempt) -> Diagnosis | None:
    line = attempt.first_exception
    if line is None or attempt.ready:
        return None
    return Diagnosis(code="unknown_failure", evidence=line.shown, cause=msg("doctor.cause.unknown_failure"),
                     fix=msg("doctor.fix.unknown_failure"), line=line.number, rank=99)


def report_for(result: ScanResult, command: LoggedCommand | None = None) -> DoctorReport:
    attempt = result.attempt
    logged = attempt.command
    if command is not None:  # the launch record: what the wizard itself started
        logged = logged.merged(command) if logged.source else command
    diagnoses = [_diagnose(found, logged) for found in attempt.found.values()]
    if not diagnoses:
        unknown = _unknown(attempt)
        if unknown is not None:
            diagnoses.append(unknown)
    diagnoses.sort(key=lambda d: (d.rank, d.line))
    figures = parse_startup_log("\n".join(attempt.calibration)) if attempt.calibration else None
    return DoctorReport(tuple(diagnoses), attempt.ready, figures, logged, result.lines)


def diagnose_text(lines: Iterable[str], command: LoggedCommand | None = None) -> DoctorReport:
    """The doctor's verdict on a log given as lines (any iterable: a file read lazily, a list, a
    string's splitlines()). `command`: the settings of the wizard's launch record, when known."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    return report_for(scan(lines), command)


def start_diagnoses(log_text: str):
    """The doctor as `wizard.launch.watch.watch_launch(diagnose=...)` takes it: a failed detached
    launch's log → its diagnoses, most decisive first (English text; the edge renders Messages)."""
    from wizard.launch.watch import StartDiagnosis  # noqa: PLC0415 - wizard.launch.watch pulls psutil and pydantic: kept off start-up

    report = diagnose_text(log_text.splitlines())
    return [StartDiagnosis(d.code, d.evidence, d.cause, d.fix) for d in report.diagnoses]
