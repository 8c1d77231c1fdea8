"""The physically empirical terms of the performance model, all in one place.

Everything else in wizard/perf is counted from the model's geometry, the checkpoint's bytes, the
GPU's datasheet and the release's kernel choice. These few terms cannot be counted: they are what
real hardware and vLLM's runtime achieve, set once for every model (never per model) and shown in
the plan's `assumptions`. Where a value was checked against public measurements
(shared/perf/vllm_perf_public.jsonl, scored by benchmarks/perf_accuracy.py), the comment says so.
"""

from __future__ import annotations

# -- how close kernels get to the datasheet -------------------------------------------------------

# Fraction of the datasheet DRAM bandwidth that streaming kernels (GEMV at small batch, paged
# attention over the KV cache) sustain. STREAM-like copies reach 80-90 % on HBM parts; decode
# kernels, with their short launches and tails, about three quarters (Qwen2.5 7B/14B bf16 at batch
# 1 on A100: 0.75-0.78).
BANDWIDTH_EFFICIENCY = 0.78

# Fraction of the dense tensor-core peak that serving GEMMs reach at large batch (cuBLAS on big
# square GEMMs reaches 0.8-0.9; serving mixes thin and oddly shaped GEMMs and clock throttling).
COMPUTE_EFFICIENCY = 0.6

# Fused weight-only kernels (Marlin, Machete, Triton matmul_ogs) dequantize in the GEMM's inner
# loop: at large batch they reach this fraction of a 16-bit GEMM's throughput (Marlin's published
# large-batch results; the GPUStack A100 study: GPTQ-Marlin / bf16 = 0.79 when compute-bound).
WEIGHT_ONLY_COMPUTE_EFFICIENCY = 0.75

# Fixed cost of one quantized-GEMM call beyond its bytes (Marlin's global reduction across thread
# blocks and pipeline ramp at one row): why int4 decode at batch 1 falls short of the bandwidth
# roofline (Qwen2.5 7B/14B GPTQ-Int4 on A100: 5-9 us per call).
QUANT_GEMM_CALL_S = 6e-6

# -- host and interconnect links ------------------------------------------------------------------

# Fraction of a link's per-direction peak that bulk transfers reach (pinned host-to-device copies
# over PCIe: ~25 of 31.5 GB/s on Gen4 x16; NCCL bus bandwidth over NVLink and PCIe P2P is similar).
LINK_EFFICIENCY = 0.8

# Latency of one all-reduce of a decode step's activations (a few KB to a few MB), by backend and
# path: vLLM's custom all-reduce over NVLink / P2P, NCCL over NVLink, NCCL over PCIe P2P, and
# NCCL through host memory when GPUs cannot reach each other.
ALLREDUCE_LATENCY_S = {"custom": 8e-6, "nccl_nvlink": 15e-6, "nccl_pcie": 25e-6, "nccl_host": 45e-6}

# Latency of handing one micro-batch's activations to the next pipeline stage (NCCL send/recv
# plus the stage's own scheduling hand-off).
PP_SEND_LATENCY_S = 40e-6

# -- per-step overheads ---------------------------------------------------------------------------

# CPU time per engine step that the GPU waits for (scheduling, input preparation, sampling
# bookkeeping, output processing), by engine. V0 is a single Python loop: Qwen2.5-0.5B at batch 1
# on A100 with vLLM 0.6.3 runs 3.2 ms per token with only ~0.7 ms of GPU work. V1 moved
# detokenisation to another process and batches its bookkeeping.
STEP_CPU_S = {"V0": 2.0e-3, "V1": 0.6e-3}

# Additional CPU time per running sequence per step (per-request scheduling, block tables, sampling
# parameters, output objects).
SEQ_CPU_S = {"V0": 35e-6, "V1": 12e-6}

# GPU idle gap between consecutive kernels replayed from a CUDA graph.
GRAPH_KERNEL_GAP_S = 2e-6

# CPU cost of launching one kernel from PyTorch eager mode (Python, dispatcher, launch); the GPU
# waits when its kernels are shorter than this.
EAGER_KERNEL_LAUNCH_S = 10e-6

# Piecewise CUDA graphs (V1 before 0.11) leave attention outside the graph: per layer the CPU
# replays graph pieces and launches attention itself.
PIECEWISE_LAYER_CPU_S = 30e-6

# -- counts (structure of vLLM's model code, not fitted) -----------------------------------------

# Kernels per decoder layer: 2 norms (fused with the residual), qkv GEMM, rotary + cache write,
# attention, o_proj, gate_up GEMM, activation, down GEMM, and one spare for bias / quant steps.
KERNELS_PER_LAYER = 10
# An MoE layer adds the router GEMM, top-k, token sorting and the expert-output reduction.
MOE_EXTRA_KERNELS = 4
# Embedding, final norm, lm_head, logits processing and sampling.
KERNELS_PER_STEP = 10
# Quantized GEMM calls per layer: qkv, o, gate_up, down (MoE layers: two fused expert calls
# replace gate_up/down, plus the shared expert's).
QUANT_CALLS_PER_LAYER = 4

# Bytes moved per logit per sampled token: fp32 logits written by lm_head, then read and written
# by temperature / softmax / top-p-top-k and read by the sampler.
SAMPLER_BYTES_PER_LOGIT = 16
