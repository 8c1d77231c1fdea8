"""The failures the doctor recognises: each a typed rule with a stable code, the message texts vLLM
(or the tool around it) prints, and the release and file each wording was read from.

Wordings were taken from the vLLM wheels themselves (`unzip -p vllm-X.whl <file>`); where a later
release changed a message, both spellings are matched. A rule matches the normalised message of one
line (wizard.doctor.normalise), so colours and process prefixes never get in the way; patterns are
anchored on literal words and use no nested quantifiers (bounded time on hostile lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_N = r"(\d[\d,]*)"
_F = r"(\d+(?:\.\d+)?)"


@dataclass(frozen=True)
class Rule:
    code: str  # stable snake_case, the contract's diagnosis code
    rank: int  # lower is more decisive: a bad flag explains a later OOM, not the other way round
    patterns: tuple[re.Pattern, ...]
    sources: tuple[str, ...]  # "vLLM <release> <file>" of each wording, or where else it comes from


def _rule(code: str, rank: int, patterns: tuple[str, ...], sources: tuple[str, ...]) -> Rule:
    return Rule(code, rank, tuple(re.compile(p) for p in patterns), sources)


RULES: tuple[Rule, ...] = (
    _rule("unknown_argument", 10, (r"error: unrecognized arguments: (?P<argument>.{1,300})",),
          ("argparse (every release): `vllm serve: error: unrecognized arguments: --flag`",)),
    _rule("invalid_argument", 11, (r"error: argument (?P<argument>[-\w/ ]{1,80}): (?P<problem>invalid (?:choice|\w+ value): .{0,300})",
                                   r"error: the following arguments are required: (?P<argument>.{1,200})"),
          ("argparse (every release): `error: argument --dtype: invalid choice: 'bf16' (choose from ...)`",)),
    _rule("invalid_tool_call_parser", 12, (r"invalid tool call parser: (?P<parser>[^\s(]{1,80})",),
          ("vLLM 0.6.4 entrypoints/openai/api_server.py:594 run_server: KeyError 'invalid tool call parser: X (chose "
           "from { ... })'; 0.8.5 api_server.py:1052; 0.10.2 :1881; 0.15.0 :854; 0.20.2 :519; 0.34.0 "
           "entrypoints/common/cli_args.py:630",)),
    _rule("invalid_reasoning_parser", 13, (r"invalid reasoning parser: (?P<parser>[^\s(]{1,80})",),
          ("vLLM 0.8.5 entrypoints/openai/api_server.py:1059 run_server: KeyError 'invalid reasoning parser: X (chose "
           "from { ... })'; 0.10.2 :1888; 0.15.0 :863; 0.20.2 :528; 0.34.0 entrypoints/common/cli_args.py:639",)),
    _rule("cuda_driver_too_old", 15, (
        r"The NVIDIA driver on your system is too old \(found version (?P<found>\d+)\)",
        r"(?P<library>libcudart\.so\.\d+): cannot open shared object file",
        r"no kernel image is available for execution on the device",
    ), ("PyTorch (c10/cuda, under every vLLM): 'The NVIDIA driver on your system is too old (found version "
        "12080)'; the dynamic loader: 'libcudart.so.13: cannot open shared object file'; CUDA: 'no kernel image "
        "is available for execution on the device' (shared/research/hw-quant-matrix.md, vLLM #44335, #19906)",)),
    _rule("model_not_found", 20, (
        r"(?:RepositoryNotFoundError|Repository Not Found for url: https?://\S{1,200}/api/models/(?P<repo>[\w.-]{1,96}/[\w.-]{1,96}))",
        r"(?:404 Client Error).{0,80}for url: https?://\S{0,200}/api/models/(?P<repo>[\w.-]{1,96}/[\w.-]{1,96})",
        r"(?P<repo>[\w./-]{1,200}) is not a local folder and is not a valid model identifier",
        r"Invalid repository ID or local directory specified: '?(?P<repo>[^'\s]{1,200})",
        r"The model repo (?P<repo>[\w./-]{1,200}) (?:does not exist|not found)",
    ), ("huggingface_hub (vLLM's downloader, every release): RepositoryNotFoundError / 404 Client Error",
        "transformers (AutoConfig, vLLM 0.4-0.6): '<repo> is not a local folder and is not a valid model identifier'",
        "vLLM 0.8.5+ transformers_utils/config.py: 'Invalid repository ID or local directory specified'")),
    _rule("gated_repo", 21, (
        r"(?:GatedRepoError|Cannot access gated repo for url \S{0,200}?/(?P<repo>[\w.-]{1,96}/[\w.-]{1,96})/|"
        r"Access to model (?P<repo2>[\w.-]{1,96}/[\w.-]{1,96}) is restricted|You are trying to access a gated repo)",
        r"(?:401|403) Client Error.{0,80}for url: https?://\S{0,200}?/(?:api/models/)?(?P<repo>[\w.-]{1,96}/[\w.-]{1,96})/",
        r"(?P<auth>Invalid user token|Invalid credentials in Authorization header|Unauthorized for url)",
    ), ("huggingface_hub (vLLM's downloader, every release): GatedRepoError, 'Access to model X is restricted', "
        "401/403 Client Error",)),
    _rule("trust_remote_code_required", 22, (
        r"consider setting `?trust_remote_code=True`? in LLM",
        r"requires you to execute the configuration file in that repo",
        r"contains custom code which must be executed to correctly load the model",
        r"Please pass the argument `?trust_remote_code=True`?",
    ), ("vLLM 0.4.3 transformers_utils/config.py get_config: 'Failed to load the model config. If the model is a "
        "custom model ... consider setting `trust_remote_code=True` in LLM or using the `--trust-remote-code` flag'",
        "vLLM 0.8.5 transformers_utils/config.py, tokenizer.py, processor.py (same sentence)",
        "transformers: 'The repository for X contains custom code which must be executed ...'")),
    _rule("quantization_mismatch", 30, (
        r"[Qq]uantization method specified in the model config \((?P<checkpoint>[\w-]{1,40})\) does not match the quantization "
        r"method specified in the .?quantization.? argument \((?P<flag>[\w-]{1,40})\)",
        r"Mismatched quantization format: expected (?P<flag>[\w-]{1,40}), got (?P<checkpoint>[\w-]{1,40})",
        # --quantization X on a checkpoint with no quantization config of that kind (unquantized, or another format).
        r"Cannot find the config file for (?P<flag>[\w-]{1,40})",
    ), ("vLLM 0.4.0.post1 model_executor/weight_utils.py:127 get_quant_config: 'Cannot find the config file for awq'; "
        "0.6.4 model_executor/model_loader/weight_utils.py:184; 0.8.5 :205; 0.10.2 :245; 0.15.0 :332; 0.20.2 :411; "
        "0.34.0 :410",
        "vLLM 0.4.3 config.py ModelConfig._verify_quantization; 0.6.4 config.py:408; 0.8.5 config.py:818; "
        "0.10.1.1 config/__init__.py:1159; 0.34.0 config/model.py:1479",
        "seed write-up 000 (Qwen3.5-9B-AWQ on an RTX 3080): 'Mismatched quantization format: expected awq, got "
        "compressed-tensors'")),
    _rule("unsupported_quantization", 31, (
        r"The quantization method (?P<method>[\w-]{1,40}) is not supported for the current GPU\. Minimum capability: (?P<minimum>\d+)\. "
        r"Current capability: (?P<current>\d+)",
        r"Unknown quantization method: (?P<method>[\w-]{1,40})",
        r"activation ordering \(desc_act=True\) is no longer supported",
    ), ("vLLM 0.4.3 model_executor/model_loader/loader.py _get_quantization_config; 0.6.4 config.py:2095; "
        "0.8.5 config.py:3807; 0.10.1.1 config/__init__.py:3455; 0.34.0 config/vllm.py:895",
        "vLLM 0.4.3 config.py: 'Unknown quantization method: X. Must be one of [...]'")),
    _rule("unsupported_dtype", 32, (
        r"Bfloat16 is only supported on GPUs with compute capability of at least 8\.0\. Your (?P<gpu>.{1,80}?) GPU has "
        r"compute capability (?P<capability>\d+\.\d+)",
        r"Bfloat16 is only supported on GPUs with compute capability of at least 8\.0",
        r"torch\.(?P<refused>b?float16|float32) is not supported for quantization method (?P<method>[\w-]{1,40})",
        r"The model type '(?P<model_type>[\w-]{1,40})' does not support float16",
        r"Exllama only supports float16 activations",
    ), ("vLLM 0.6.4 model_executor/layers/quantization/kernels/exllama.py:39 (the reason quoted under 'Failed to "
        "find a kernel that can implement the WNA16 linear layer'); 0.10.2 kernels/mixed_precision/exllama.py:42; "
        "0.34.0 model_executor/kernels/linear/mixed_precision/exllama.py:47",
        "vLLM 0.4.3 worker/worker.py _check_if_gpu_supports_dtype; 0.8.5 v1/worker/gpu_worker.py:346 and "
        "worker/worker.py:547; 0.10.1.1 v1/worker/gpu_worker.py:629; 0.34.0 platforms/cuda.py:692",
        "vLLM 0.4.3 model_executor/model_loader/loader.py: '<dtype> is not supported for quantization method awq'; "
        "0.34.0 config/vllm.py:902 (gpt_oss_mxfp4 refuses torch.float16)")),
    _rule("max_model_len_exceeds_model", 33, (
        r"User-specified max_model_len \((?P<max_len>\d+)\) is greater than (?:the derived max_model_len|max_model_len derived)"
        r".{0,200}?\(\w{1,60}=(?P<derived>\d+)",
    ), ("vLLM 0.4.3 config.py _get_and_verify_max_len: 'User-specified max_model_len (L) is greater than the "
        "derived max_model_len (key=N or model_max_length=None in model's config.json)'",)),
    _rule("tp_not_divisor", 34, (
        r"Total number of attention heads \((?P<heads>\d+)\) must be divisible by tensor parallel size \((?P<tp>\d+)\)",
    ), ("vLLM 0.4.3 config.py ModelConfig.verify_with_parallel_config (same text through 0.10.1.1 "
        "config/__init__.py)",)),
    _rule("mamba_cache_blocks", 35, (
        r"max_num_seqs \((?P<seqs>\d+)\) exceeds available Mamba cache blocks \((?P<blocks>\d+)\)",
    ), ("vLLM 0.34.0 config/compilation.py:1675 (CUDA graph capture of hybrid Mamba models); quoted from 0.24.0 in "
        "shared/calibration (Qwen3-Coder-Next on 4x L40S)",)),
    _rule("mamba_chunked_prefill", 36, (
        r"Chunked prefill is required for (?:mamba cache mode '(?P<mode>\w{1,20})'|Mamba prefix caching|[Mm]amba)",
    ), ("vLLM 0.15.0 model_executor/models/config.py:355 (assert: 'Chunked prefill is required for mamba cache "
        "mode 'align'.'); 0.20.2 :385; 0.34.0 :1104 ('Chunked prefill is required for Mamba prefix caching.')",)),
    _rule("unsupported_head_size", 37, (
        r"Unsupported CPU attention configuration: head_dim=(?P<head_dim>\d+)",
        r"Head size (?P<head_dim>\d+) is not supported by (?P<backend>\w{1,40})",
    ), ("vLLM 0.32.0+cpu csrc CPU attention kernel (C++ check, on the first request): 'RuntimeError: Unsupported "
        "CPU attention configuration: head_dim=16 isa=2 kv_cache_idx=0' (shared/research/vllm-cpu-lab.md)",
        "vLLM 0.4.0.post1 attention/backends/torch_sdpa.py:107 'Head size X is not supported by PagedAttention.'; "
        "0.6.4 attention/backends/flash_attn.py:630 ('... by FlashAttention.'); 0.10.2 "
        "v1/attention/backends/cpu_attn.py:51 ('... by {attn_type}.'; SUPPORT_HS at :740); 0.20.2 "
        "v1/attention/backends/cpu_attn.py:41 get_supported_head_sizes")),
    _rule("free_memory_below_request", 40, (
        r"Free memory on device(?: [\w:]{1,20})? \((?P<free>" + _F + ")/(?P<total>" + _F + r") GiB\) on startup is less than "
        r"(?:desired GPU memory utilization|the engine's budget after excluding external process's weights) "
        r"\((?P<utilization>" + _F + "), (?P<requested>" + _F + r") GiB\)",
    ), ("vLLM 0.10.1.1 v1/worker/gpu_worker.py:180 init_device (0.9.1+)",
        "vLLM 0.34.0 v1/worker/utils.py:790 (names the device: 'Free memory on device cuda:0 (...)') and :764 "
        "('... is less than the engine's budget after excluding external process's weights (u, X GiB)')")),
    _rule("max_model_len_exceeds_kv_cache", 41, (
        r"The model's max seq len \((?P<max_len>\d+)\) is larger than the maximum number of tokens that can be stored in KV "
        r"cache \((?P<kv_tokens>\d+)\)",
        r"To serve at least one request with the models?'s max seq len \((?P<max_len>\d+)\), \((?P<needed>" + _F + r") GiB KV cache is "
        r"needed, which is larger than the available KV cache memory \((?P<available>" + _F + r") GiB\)\.(?: ?Based on the "
        r"available memory, the estimated maximum model length is (?P<estimated>\d+)\.)?",
        # The same message wrapped or cut by a paste (the figures on the next line): the code without a fit.
        r"To serve at least one request with the models?'s max seq len \((?P<max_len>\d+)\)",
    ), ("V0: vLLM 0.4.3 worker/worker.py raise_if_cache_size_invalid; 0.6.4 worker/worker.py:499 (and "
        "v1/worker/gpu_worker.py:150); 0.8.5 worker/worker.py:566; 0.10.1.1 worker/worker.py:583",
        "V1: vLLM 0.8.5 v1/core/kv_cache_utils.py:546 (\"models's\", no estimate); 0.10.1.1 "
        "v1/core/kv_cache_utils.py:697 (with 'the estimated maximum model length is Z')")),
    _rule("no_kv_cache_memory", 42, (r"No available memory for the cache blocks",
                                      r"Cannot auto-fit max_model_len: not enough GPU memory available"),
          ("vLLM 0.4.3 worker/worker.py raise_if_cache_size_invalid; 0.8.5 v1/core/kv_cache_utils.py:527; "
           "0.10.1.1 v1/core/kv_cache_utils.py:682; 0.34.0 v1/core/kv_cache_planning.py:108 (a hint follows)",
           "vLLM 0.34.0 v1/core/kv_cache_planning.py:1437 (--max-model-len auto with nothing left)")),
    _rule("cuda_oom", 43, (
        r"CUDA out of memory occurred when warming up (?P<warmup>sampler|pooler)",
        r"(?:torch\.(?:cuda\.)?OutOfMemoryError: )?CUDA out of memory\. Tried to allocate (?P<alloc>" + _F + r" [MG]iB)",
        r"(?:CUDA out of memory|CUDA error: out of memory|OutOfMemoryError|Failed to load model - not enough GPU "
        r"memory|CUBLAS_STATUS_ALLOC_FAILED)",
    ), ("vLLM 0.8.5 v1/worker/gpu_model_runner.py:1549 and 0.10.1.1 :2465 ('CUDA out of memory occurred when "
        "warming up sampler with N dummy requests')",
        "PyTorch caching allocator: 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate ...'")),
    _rule("no_c_compiler", 50, (r"Failed to find C compiler",),
          ("Triton runtime/build.py (every vLLM with Triton): 'RuntimeError: Failed to find C compiler. Please "
           "specify via CC environment variable.'; seed write-up 000",)),
    _rule("missing_python_headers", 51, (r"(?:fatal error: )?Python\.h: No such file or directory",),
          ("gcc compiling Triton's cuda_utils.c (vLLM issues #2997, #27890)",)),
    _rule("port_in_use", 55, (
        r"error while attempting to bind on address \(['\"]?(?P<host>[^'\"]{0,64})['\"]?, (?P<port>\d+)\)",
        r"\[Errno 98\] (?:error while attempting to bind|Address already in use)",
        r"(?:OSError|RuntimeError).{0,40}[Aa]ddress already in use",
    ), ("uvicorn (vLLM's API server, every release): '[Errno 98] error while attempting to bind on address "
        "(('0.0.0.0', 8000)): address already in use'",)),
    _rule("nccl_error", 60, (
        r"(?P<shm>Error while creating shared memory segment|/dev/shm[^\s]{0,80}.{0,40}(?:No space left|Bus error)|"
        r"NCCL WARN.{0,80}(?:shm|Shm|SHM))",
        r"(?P<p2p>NCCL WARN.{0,80}(?:P2P|peer access)|peer access is not supported between these two devices|P2P.{0,40}(?:failed|not supported).{0,40}NCCL|NCCL.{0,80}P2P.{0,40}(?:failed|error))",
        r"(?P<detail>(?:NCCL error|ncclSystemError|ncclUnhandledCudaError|ncclInternalError|ncclRemoteError|"
        r"ncclInvalidUsage|NCCL communicator was aborted|Watchdog caught collective operation timeout))",
    ), ("torch.distributed / NCCL (vLLM's tensor parallelism, every release): 'NCCL error ... "
        "ncclUnhandledCudaError', 'NCCL WARN Error while creating shared memory segment /dev/shm/nccl-*'",)),
    _rule("startup_timeout", 70, (
        r"(?P<unit>[\w@.-]{1,128})\.service: start operation timed out\. Terminating",
        r"(?P<unit>[\w@.-]{1,128})\.service: Failed with result 'timeout'",
        r"Job for (?P<unit>[\w@.-]{1,128})\.service failed because a timeout was exceeded",
    ), ("systemd (service manager): '<unit>.service: start operation timed out. Terminating.' after "
        "TimeoutStartSec (default 90 s); seed write-up 000",)),
    _rule("process_killed", 75, (
        r"(?P<unit>[\w@.-]{1,128})\.service: Main process exited, code=killed, status=9/KILL",
        r"Out of memory: Killed process \d+ \((?P<oom_killed>[\w.-]{1,64})\)",
    ), ("systemd / the kernel OOM killer: 'Main process exited, code=killed, status=9/KILL', 'Out of memory: "
        "Killed process N (python3)'",)),
)

BY_CODE = {rule.code: rule for rule in RULES}

# Words at least one of which every wording of a rule contains: a plain substring test (C speed) skips
# the rule's regexes on the lines that cannot match, which is nearly every line of a log.
NEEDLES: dict[str, tuple[str, ...]] = {
    "unknown_argument": ("unrecognized arguments",),
    "invalid_argument": ("error: argument", "arguments are required"),
    "invalid_tool_call_parser": ("invalid tool call parser",),
    "invalid_reasoning_parser": ("invalid reasoning parser",),
    "cuda_driver_too_old": ("driver on your system is too old", "libcudart", "no kernel image"),
    "model_not_found": ("Repository", "404 Client Error", "not a local folder", "Invalid repository", "model repo"),
    "gated_repo": ("gated", "restricted", "401 Client Error", "403 Client Error", "Invalid user token",
                   "Invalid credentials", "Unauthorized for url"),
    "trust_remote_code_required": ("trust_remote_code=True", "configuration file", "custom code"),
    "quantization_mismatch": ("does not match the quantization", "Mismatched quantization", "Cannot find the config file"),
    "unsupported_quantization": ("not supported for the current GPU", "Unknown quantization", "desc_act=True"),
    "unsupported_dtype": ("Bfloat16 is only", "is not supported for quantization method", "does not support float16",
                          "float16 activations"),
    "max_model_len_exceeds_model": ("User-specified max_model_len",),
    "tp_not_divisor": ("attention heads",),
    "mamba_cache_blocks": ("Mamba cache blocks",),
    "mamba_chunked_prefill": ("Chunked prefill is required",),
    "unsupported_head_size": ("CPU attention configuration", "Head size"),
    "free_memory_below_request": ("Free memory on device",),
    "max_model_len_exceeds_kv_cache": ("max seq len",),
    "no_kv_cache_memory": ("cache blocks", "Cannot auto-fit"),
    "cuda_oom": ("out of memory", "OutOfMemory", "not enough GPU memory", "ALLOC_FAILED"),
    "no_c_compiler": ("C compiler",),
    "missing_python_headers": ("Python.h",),
    "port_in_use": ("bind on address", "Errno 98", "ddress already in use"),
    "nccl_error": ("NCCL", "nccl", "shared memory segment", "/dev/shm", "Watchdog", "peer access"),
    "startup_timeout": ("timed out", "'timeout'", "timeout was exceeded"),
    "process_killed": ("code=killed", "Killed process"),
}
_CHECKS = tuple((rule, NEEDLES[rule.code]) for rule in RULES)


@dataclass(frozen=True)
class Match:
    rule: Rule
    values: dict  # the named groups the wording printed (strings as printed)


def match_line(text: str) -> Match | None:
    """The first rule matching one normalised message, with the values it printed."""
    for rule, needles in _CHECKS:
        for needle in needles:
            if needle in text:
                break
        else:
            continue
        for pattern in rule.patterns:
            m = pattern.search(text)
            if m:
                values = {name: value for name, value in m.groupdict().items() if value}
                return Match(rule, values)
    return None
