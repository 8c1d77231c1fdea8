"""Warnings for the traps users fall into, judged from the final prediction (codes are stable)."""

from __future__ import annotations

from wizard.hardware.facts import GpuFacts
from wizard.i18n import msg
from wizard.planner.inputs import PlanRequest
from wizard.planner.predict import Prediction
from wizard.planner.versions import NEWEST_KNOWN, VllmVersion

GIB = 1 << 30


def collect(
    request: PlanRequest, pred: Prediction, version: VllmVersion, gpus: list[GpuFacts], no_p2p: bool
) -> list[tuple[str, str]]:
    model, s = request.model, pred.settings
    cc = gpus[0].cc_tuple if gpus else None
    out: list[tuple[str, str]] = []
    quant = model.quantization
    method = s.quantization or (quant.method if quant else None)
    if method and method.startswith("gptq") and cc and (cc < (8, 0) or not version.at_least(0, 6, 4)):
        # FP8 checkpoints are an Ampere-or-newer recommendation: never suggest one to a T4 (issue 14).
        fp8_runs = cc >= (8, 0)
        out.append(("gptq_exclamation", msg("chooser.warn.gptq_exclamation_fp8" if fp8_runs
                                            else "chooser.warn.gptq_exclamation")))
    if s.quantization == "gptq" and quant and quant.method == "gptq":
        out.append(("gptq_forced_exllama", "quantization=gptq forces the old exllama kernel instead of gptq_marlin; "
                                           "that path is the usual cause of '!!!!' output. Remove the setting."))
    ckpt = (model.arch.torch_dtype or "").replace("torch.", "")
    if cc and cc < (8, 0) and ckpt == "bfloat16":
        out.append(("bf16_on_old_gpu", f"The checkpoint is bfloat16 but compute capability {cc[0]}.{cc[1]} has no "
                                       "bfloat16: it runs in float16, which can overflow to NaN ('!!!!') on some "
                                       "models."))
    if version.engine == "V0":
        out.append(("v0_engine_estimate", f"vLLM {version} uses the V0 engine; its memory figures are estimated "
                                          "with less certainty than V1's."))
    if version.newer_than_known:
        out.append(("version_newer_than_known", f"vLLM {version} is newer than the newest release the planner "
                                                f"knows ({NEWEST_KNOWN}); it is planned with {NEWEST_KNOWN}'s rules."))
    if model.weights.source == "architecture":
        out.append(("weights_from_architecture", "The folder has no weights; weight memory is computed from "
                                                 "config.json alone."))
    if model.has_remote_code and not s.trust_remote_code:
        out.append(("remote_code", "config.json names custom code (auto_map). If vLLM does not support this "
                                   "architecture natively, read the code and pin trust-remote-code=true."))
    if s.trust_remote_code:
        out.append(("remote_code_enabled", "trust-remote-code runs Python from the model repository on this server."))
    if not model.parsers.chat_template and model.has_tokenizer:
        out.append(("no_chat_template", "The tokenizer has no chat template: /v1/chat/completions needs "
                                        "--chat-template, or use /v1/completions."))
    if no_p2p and s.tensor_parallel_size * s.pipeline_parallel_size > 1:
        out.append(("no_p2p", "These GPUs have no peer-to-peer path: NCCL_P2P_DISABLE=1 is set and custom all-reduce "
                              "is off, avoiding hangs and garbage output."))
    if s.max_model_len > pred.derived_max_len:
        out.append(("context_beyond_training", f"max-model-len {s.max_model_len:,} exceeds the {pred.derived_max_len:,} "
                                               "tokens the model was trained for."))
    if request.nodes > 1:
        out += _multinode_warnings(request, s)
    worst = pred.worst
    if pred.ok and worst.kv_cache > 0 and pred.concurrency < 1.2:
        out.append(("kv_tight", f"Only {pred.concurrency:.2f} full-length requests fit in the KV cache; long requests "
                                "will queue or be preempted."))
    if not version.subtracts_cuda_graphs and pred.ok:
        headroom = worst.total - worst.others - worst.context - worst.requested
        if worst.cuda_graph > 0 and headroom < worst.cuda_graph + GIB // 4:
            out.append(("graph_headroom_tight", "CUDA graphs are captured outside gpu-memory-utilization in this "
                                                "release and barely fit; if start-up fails in graph capture, lower "
                                                "the utilization or set enforce-eager=true."))
    return out


def _multinode_warnings(request: PlanRequest, s) -> list[tuple[str, str]]:
    per_node = len(request.hardware.gpus) if request.gpu_indices is None else len(request.gpu_indices)
    out = []
    if s.tensor_parallel_size > per_node:
        out.append(("tp_across_nodes", f"Tensor parallel {s.tensor_parallel_size} spans nodes of {per_node} GPUs: "
                                       "every layer's all-reduce crosses the network. Without InfiniBand/RDMA "
                                       "expect it to be very slow; keep TP inside a node and use PP across nodes."))
    if request.rdma is not True:
        known = "No InfiniBand/RDMA was found" if request.rdma is False else "InfiniBand/RDMA between nodes is unknown"
        out.append(("no_rdma", f"{known}: pipeline parallel across nodes works over TCP, but expect "
                               "lower throughput; set NCCL_SOCKET_IFNAME/GLOO_SOCKET_IFNAME to the fast interface."))
    return out
