"""Warnings for the traps users fall into, judged from the final prediction (codes are stable)."""

from __future__ import annotations

from wizard.hardware.facts import GpuFacts
from wizard.i18n import msg
from wizard.planner import mm_warnings
from wizard.planner.inputs import PlanRequest
from wizard.planner.predict import Prediction
from wizard.planner.versions import VllmVersion
from wizard.releases import rules
from wizard.releases.facts import newest_known

GIB = 1 << 30


def collect(
    request: PlanRequest, pred: Prediction, version: VllmVersion, gpus: list[GpuFacts], no_p2p: bool
) -> list[tuple[str, str]]:
    model, s = request.model, pred.settings
    cc = gpus[0].cc_tuple if gpus else None
    out: list[tuple[str, str]] = []
    quant = model.quantization
    method = s.quantization or (quant.method if quant else None)
    if method and method.startswith("gptq") and cc and (cc < (8, 0) or not version.has(rules.GPTQ_MARLIN_SAFE)):
        # FP8 checkpoints are an Ampere-or-newer recommendation: never suggest one to a T4 (issue 14).
        fp8_runs = cc >= (8, 0)
        out.append(("gptq_exclamation", msg("chooser.warn.gptq_exclamation_fp8" if fp8_runs
                                            else "chooser.warn.gptq_exclamation")))
    if s.quantization == "gptq" and quant and quant.method == "gptq":
        out.append(("gptq_forced_exllama", msg("planner.warn.gptq_forced_exllama")))
    ckpt = (model.arch.torch_dtype or "").replace("torch.", "")
    if cc and cc < (8, 0) and ckpt == "bfloat16":
        out.append(("bf16_on_old_gpu", msg("planner.warn.bf16_on_old_gpu", cc=f"{cc[0]}.{cc[1]}")))
    if version.engine == "V0":
        out.append(("v0_engine_estimate", msg("planner.warn.v0_engine_estimate", version=str(version))))
    if not version.facts.serve_command:
        out.append(("no_serve_command", msg("releases.warn.no_serve_command", version=str(version))))
    if version.newer_than_known:
        out.append(("version_newer_than_known", msg("planner.warn.version_newer", version=str(version),
                                                    newest=newest_known())))
    if model.weights.source == "architecture":
        out.append(("weights_from_architecture", msg("planner.warn.weights_from_architecture")))
    if model.has_remote_code and not s.trust_remote_code:
        out.append(("remote_code", msg("planner.warn.remote_code")))
    if s.trust_remote_code:
        out.append(("remote_code_enabled", msg("planner.warn.remote_code_enabled")))
    if not model.parsers.chat_template and model.has_tokenizer:
        out.append(("no_chat_template", msg("planner.warn.no_chat_template")))
    if no_p2p and s.tensor_parallel_size * s.pipeline_parallel_size > 1:
        out.append(("no_p2p", msg("planner.warn.no_p2p")))
    if s.max_model_len > pred.derived_max_len:
        out.append(("context_beyond_training", msg("planner.warn.context_beyond_training", len=s.max_model_len,
                                                   derived=pred.derived_max_len)))
    if request.nodes > 1:
        out += _multinode_warnings(request, s)
    out += mm_warnings.collect(pred)
    worst = pred.worst
    if pred.ok and worst.kv_cache > 0 and pred.concurrency < 1.2:
        out.append(("kv_tight", msg("planner.warn.kv_tight", concurrency=pred.concurrency)))
    if not version.subtracts_cuda_graphs and pred.ok:
        headroom = worst.total - worst.others - worst.context - worst.requested
        if worst.cuda_graph > 0 and headroom < worst.cuda_graph + GIB // 4:
            out.append(("graph_headroom_tight", msg("planner.warn.graph_headroom_tight")))
    return out


def _multinode_warnings(request: PlanRequest, s) -> list[tuple[str, str]]:
    per_node = len(request.hardware.gpus) if request.gpu_indices is None else len(request.gpu_indices)
    out: list[tuple[str, str]] = []
    if s.tensor_parallel_size > per_node:
        out.append(("tp_across_nodes", msg("planner.warn.tp_across_nodes", tp=s.tensor_parallel_size, per_node=per_node)))
    if request.rdma is not True:
        out.append(("no_rdma", msg("planner.warn.no_rdma_found" if request.rdma is False
                                   else "planner.warn.no_rdma_unknown")))
    return out
