"""Every known trap in a command, each a finding with a stable code (check-doctor-verify.md).

Findings come from three places: the parse (flags the release refuses), the prediction (the start-up
failure the planner predicts for exactly this command, and the planner's own warnings), and the
traps no start-up shows (a thinking model without a reasoning parser, a public port without a key,
a secret written into the command).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard.check.command import ParsedCommand
from wizard.check.flags import FlagTable
from wizard.check.pins import CommandPins
from wizard.i18n import msg
from wizard.planner.plan import Plan
from wizard.planner.utilization import above_ceiling
from wizard.planner.versions import VllmVersion
from wizard.releases import profile as rp

GIB = 1 << 30

PUBLIC_HOSTS = {"0.0.0.0", "::", "[::]", "*"}
# --quantization values that quantize an unquantized checkpoint at load time; every other method
# reads scales a quantized checkpoint must ship (vLLM: "Cannot find the config file for awq").
ONLINE_METHODS = {"fp8", "bitsandbytes", "experts_int8", "deepspeedfp", "ptpc_fp8", "torchao", "fbgemm_fp8",
                  "fp8_per_tensor", "fp8_per_channel", "fp8_per_block", "int8_per_channel_weight_only", "online",
                  "mxfp8", "inc"}
# Planner warnings that describe the estimate, not the command.
_INFO_WARNINGS = {"v0_engine_estimate", "version_newer_than_known", "weights_from_architecture"}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # error | warning | info
    message: str  # a Message (renders in the user's language) or the planner's sentence
    flag: str | None = None

    def contract(self) -> dict:
        return {"code": self.code, "severity": self.severity, "message": str(self.message), "flag": self.flag}


def flag_name(option: str | None) -> str | None:
    """An option as the contract names it (`--max-model-len`), or None when it cannot be one."""
    if not option:
        return None
    name = option.split("=", 1)[0].lower()
    name = "--" + name.lstrip("-").replace("_", "-") if name.startswith("--") else name
    return name if re.fullmatch(r"--?[a-z0-9][a-z0-9-]*", name) else None


def visible_gpus(parsed: ParsedCommand, total: int) -> int:
    """GPUs the command can see: CUDA_VISIBLE_DEVICES in the command limits them."""
    for name, value in parsed.env:
        if name == "CUDA_VISIBLE_DEVICES":
            ids = [v for v in value.split(",") if v.strip()]
            return min(total, len(ids))
    return total


def collect(parsed: ParsedCommand, cp: CommandPins, plan: Plan, table: FlagTable) -> list[Finding]:
    out: list[Finding] = []
    s, model = plan.settings, plan.request.model
    for unknown in parsed.unknown:
        out.append(Finding("unknown_argument", "error",
                           msg("check.finding.unknown_argument", flag=unknown.option, version=table.version),
                           flag_name(unknown.option)))
    for extra in parsed.extra_positionals:
        out.append(Finding("unknown_argument", "error", msg("check.finding.extra_positional", value=extra[:80]), None))
    for bad in cp.bad_values:
        out.append(Finding("invalid_value", "error",
                           msg("check.finding.invalid_value", flag=bad.option, value=bad.value[:80], reason=bad.reason),
                           flag_name(bad.option)))
    for written in cp.not_modelled:
        out.append(Finding("max_model_len_auto", "info", msg("check.finding.max_model_len_auto", flag=written),
                           flag_name(written)))
    if parsed.model is None:
        out.append(Finding("no_model", "error", msg("check.finding.no_model"), "--model"))
    if not plan.ok:
        out.append(Finding(plan.failure_code or "other", "error",
                           msg("check.finding.predicted_failure", detail=plan.failure_message or ""),
                           _failure_flag(plan.failure_code)))
    out += _memory(parsed, plan)
    out += _quantization(parsed, plan)
    out += _parsers(parsed, plan, table)
    gpus = visible_gpus(parsed, len(plan.request.hardware.gpus) if plan.request.gpu_indices is None
                        else len(plan.request.gpu_indices))
    used = s.tensor_parallel_size * s.pipeline_parallel_size
    if used < gpus and plan.request.nodes == 1:
        out.append(Finding("tensor_parallel_size_mismatch", "warning",
                           msg("check.finding.gpus_unused", used=used, gpus=gpus), "--tensor-parallel-size"))
    elif used > gpus and plan.failure_code != "other":
        out.append(Finding("tensor_parallel_size_mismatch", "error",
                           msg("check.finding.gpus_missing", used=used, gpus=gpus), "--tensor-parallel-size"))
    out += _security(parsed, cp)
    if s.trust_remote_code and "trust_remote_code" in cp.pins and not model.has_remote_code:
        out.append(Finding("trust_remote_code_unneeded", "info", msg("check.finding.trust_remote_code_unneeded",
                                                                     arch=model.architecture or model.model_type or "?"),
                           "--trust-remote-code"))
    seen = {f.code for f in out}
    for w in plan.warnings:
        if w.code not in seen and w.code != "remote_code_enabled":
            out.append(Finding(w.code, "info" if w.code in _INFO_WARNINGS else "warning", w.message, None))
    return _dedupe(out)


def _failure_flag(code: str | None) -> str | None:
    return {"max_model_len_exceeds_kv_cache": "--max-model-len", "max_model_len_exceeds_model": "--max-model-len",
            "free_memory_below_request": "--gpu-memory-utilization", "no_kv_cache_memory": "--gpu-memory-utilization",
            "tp_not_divisor": "--tensor-parallel-size", "unsupported_dtype": "--dtype",
            "quantization_mismatch": "--quantization", "unsupported_quantization": "--quantization"}.get(code or "")


def _memory(parsed: ParsedCommand, plan: Plan) -> list[Finding]:
    s = plan.settings
    if VllmVersion.parse(plan.version).sizes_kv_after_warmup(s.kv_cache_memory_bytes):
        return _withheld(plan) if "gpu_memory_utilization" in plan.pinned else []
    if "gpu_memory_utilization" in plan.pinned and above_ceiling(s.gpu_memory_utilization) \
            and plan.failure_code != "free_memory_below_request":
        return [Finding("gpu_memory_utilization_high", "warning",
                        msg("check.finding.util_high", util=s.gpu_memory_utilization), "--gpu-memory-utilization")]
    return []


def _withheld(plan: Plan) -> list[Finding]:
    """0.34's measured KV cache needs no headroom below 1.0; a pinned value under it keeps memory out
    of the cache. vLLM itself warns from 1 GiB withheld at 0.7 < u < 1.0 (extensible_kv_cache.py
    measure_kv_cache_blocks); the finding says how much, so the user can keep it only on purpose."""
    util = plan.settings.gpu_memory_utilization
    if not 0.7 < util < 1.0:
        return []
    w = plan.ranks[plan.worst_rank]
    whole = rp.extensible_kv_bytes(total=w.total, requested=w.total, others=w.others, context=w.context,
                                   weights=w.weights, non_torch=w.non_torch, graphs=w.cuda_graph,
                                   activation=w.activation)
    withheld = whole - max(0, w.kv_cache)
    if withheld < GIB:
        return []
    return [Finding("gpu_memory_utilization_withholds", "info",
                    msg("check.finding.util_withholds", util=util, gib=withheld / GIB, version=plan.version),
                    "--gpu-memory-utilization")]


def _quantization(parsed: ParsedCommand, plan: Plan) -> list[Finding]:
    s, model = plan.settings, plan.request.model
    if s.quantization and model.quantization is None and s.quantization not in ONLINE_METHODS \
            and plan.failure_code != "quantization_mismatch":
        return [Finding("quantization_mismatch", "error",
                        msg("check.finding.quantization_without_checkpoint", method=s.quantization), "--quantization")]
    return []


def _parsers(parsed: ParsedCommand, plan: Plan, table: FlagTable) -> list[Finding]:
    s, model = plan.settings, plan.request.model
    out: list[Finding] = []
    known_reasoning = table.registries.get("reasoning_parser")
    known_tools = table.registries.get("tool_call_parser")
    wanted_reasoning = model.parsers.reasoning_parser
    if s.reasoning_parser and known_reasoning and s.reasoning_parser not in known_reasoning:
        out.append(Finding("unknown_reasoning_parser", "error",
                           msg("check.finding.unknown_parser", flag="--reasoning-parser", name=s.reasoning_parser,
                               version=table.version), "--reasoning-parser"))
    elif not s.reasoning_parser and wanted_reasoning and (not known_reasoning or wanted_reasoning in known_reasoning):
        out.append(Finding("missing_reasoning_parser", "warning",
                           msg("check.finding.missing_reasoning_parser", parser=wanted_reasoning), "--reasoning-parser"))
    if s.tool_call_parser and known_tools and s.tool_call_parser not in known_tools:
        out.append(Finding("unknown_tool_call_parser", "error",
                           msg("check.finding.unknown_parser", flag="--tool-call-parser", name=s.tool_call_parser,
                               version=table.version), "--tool-call-parser"))
    if s.enable_auto_tool_choice and not s.tool_call_parser:
        out.append(Finding("missing_tool_call_parser", "error", msg("check.finding.auto_tool_without_parser"),
                           "--tool-call-parser"))
    elif not s.tool_call_parser and model.parsers.tool_call_parser and (
            not known_tools or model.parsers.tool_call_parser in known_tools):
        out.append(Finding("no_tool_call_parser", "info",
                           msg("check.finding.no_tool_call_parser", parser=model.parsers.tool_call_parser),
                           "--tool-call-parser"))
    return out


def _security(parsed: ParsedCommand, cp: CommandPins) -> list[Finding]:
    out: list[Finding] = []
    where = "config" if parsed.config_file and any(o.secret and o.start < 0 for o in parsed.options) else "command"
    if "api_key" in cp.kept:
        out.append(Finding("api_key_in_command", "warning", msg(f"check.finding.api_key_in_{where}"), "--api-key"))
    if "hf_token" in cp.kept:
        out.append(Finding("hf_token_in_command", "warning", msg("check.finding.hf_token_in_command"), "--hf-token"))
    for name in parsed.secret_env:
        out.append(Finding("secret_in_command", "warning", msg("check.finding.secret_env", name=name), None))
    for flag in parsed.secret_flags:
        out.append(Finding("secret_in_command", "warning", msg("secrets.finding.flag_value", flag=flag), flag))
    host = cp.kept.get("host")
    has_key = "api_key" in cp.kept or any(n == "VLLM_API_KEY" for n, _ in parsed.env)
    if isinstance(host, str) and host.strip() in PUBLIC_HOSTS and not has_key:
        out.append(Finding("public_host_without_api_key", "warning", msg("check.finding.public_host", host=host),
                           "--host"))
    return out


def _dedupe(items: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str | None, str]] = set()
    out = []
    for f in items:
        key = (f.code, f.flag, str(f.message))
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
