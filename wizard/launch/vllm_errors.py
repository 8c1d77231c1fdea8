"""vLLM's own error text → the plan contract's failure code and the fix to offer.

Used on what the installed vLLM's parser and engine configuration refuse (validation) and on the
start-up log of a server that died. The doctor's rules (wizard.doctor.rules: each wording read from
the wheels, with its release) decide first, so validation, a failed start and `vllm-wizard doctor`
give one answer; the table below only catches what they do not word exactly (patterns quoted in
shared/research/hw-quant-matrix.md §7 and vllm-memory-model.md §7, matched loosely because wording
drifts between releases).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Explanation:
    code: str  # one of the plan contract's failure codes
    fix: str
    quote: str  # the line of vLLM's text that matched, as vLLM printed it


# (pattern, code, fix), for what the doctor's rules do not word. The first match wins: put the specific
# before the general.
_RULES: tuple[tuple[str, str, str], ...] = (
    (r"Free memory on device.*is less than desired GPU memory utilization", "free_memory_below_request",
     "Other processes hold GPU memory: stop them or lower gpu-memory-utilization (re-plan: it reads the free memory)."),
    (r"CUDA out of memory|OutOfMemoryError|not enough GPU memory", "weights_exceed_memory",
     "The GPU ran out of memory: re-plan (vllm-wizard plan) with fewer tokens, enforce-eager=true, or more GPUs."),
    (r"is greater than the derived max_model_len", "max_model_len_exceeds_model",
     "Lower max-model-len to the model's limit (--set max-model-len=N); VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 forces it "
     "at the cost of output quality."),
    (r"must be divisible by tensor parallel size|not divisible by tensor.parallel", "tp_not_divisor",
     "Choose a tensor-parallel size that divides the attention heads (--set tensor-parallel-size=N), or use "
     "pipeline-parallel-size."),
    (r"Unknown quantization method|is not supported for the current GPU|Minimum capability",
     "unsupported_quantization", "Drop --quantization (--set quantization=none) or choose a checkpoint this GPU supports."),
    (r"[Qq]uantization method specified in the model config .* does not match|Mismatched quantization format|"
     r"Cannot find the config file for", "quantization_mismatch",
     "The checkpoint says how it is quantized: leave quantization unset (--set quantization=none)."),
    (r"[Bb]float16 is only supported|bfloat16 is not supported|float16 activations|not supported for quantization method",
     "unsupported_dtype", "Use --set dtype=float16 (this GPU or kernel has no bfloat16)."),
    (r"invalid choice: '([^']*)'", "other",
     "The installed vLLM does not accept that value: choose one of the values vLLM listed, or plan for the installed "
     "release (--vllm-version)."),
    (r"unrecognized arguments", "other",
     "The installed vLLM has no such option: plan for the installed release (--vllm-version) or upgrade vLLM."),
    (r"[Rr]easoning parser .* not found|invalid reasoning parser", "other",
     "The installed vLLM has no such reasoning parser: pick one it lists (--set reasoning-parser=NAME) or none."),
    (r"invalid tool call parser", "other",
     "The installed vLLM has no such tool-call parser: pick one it lists (--set tool-call-parser=NAME) or none."),
    (r"Python\.h: No such file", "other",
     "Install the Python headers for the Python that runs vLLM (apt-get install python3-dev, matching version)."),
    (r"trust_remote_code|--trust-remote-code", "other",
     "The model needs its own Python code: add --trust-remote-code only if you trust the repository."),
    (r"driver on your system is too old|libcudart\.so\.\d+: cannot open|no kernel image is available", "other",
     "The NVIDIA driver is older than the CUDA vLLM was built for: update the driver or install a vLLM built for "
     "your CUDA."),
    (r"Chunked prefill is required for mamba", "other",
     "This model's Mamba/linear-attention cache needs chunked prefill: --set enable-chunked-prefill=true."),
    (r"exceeds available Mamba cache blocks", "other",
     "Lower max-num-seqs (--set max-num-seqs=N) below the number of Mamba cache blocks vLLM printed."),
    (r"Unsupported CPU attention configuration", "other",
     "vLLM's CPU attention supports only some head sizes (32, 64, 80, 96, 112, 128, ...); this model cannot run on CPU."),
    (r"Address already in use", "other", "The port is taken: choose another with --port."),
    (r"(?:401|403).*(?:gated|Unauthorized|restricted)|GatedRepoError|Access to model .* is restricted", "other",
     "The model is gated: accept its licence on the Hub and set HF_TOKEN (or log in with `hf auth login`)."),
)
_COMPILED = tuple((re.compile(p), code, fix) for p, code, fix in _RULES)


def explain(text: str) -> Explanation | None:
    """The most decisive known failure in `text` (an exception message or a whole log), or None."""
    return _doctor(text) or _loose(text)


def _doctor(text: str) -> Explanation | None:
    from wizard.doctor import diagnose_text
    from wizard.doctor.diagnose import failure_code

    report = diagnose_text(text.splitlines())
    # The doctor's "unknown_failure" (an exception no rule names) is not an answer: the table below
    # may still know the wording.
    known = [d for d in report.diagnoses if d.code != "unknown_failure"]
    if not known:
        return None
    first = known[0]
    code = failure_code(first)
    if first.code == "cuda_oom" and first.phase is None:
        code = "weights_exceed_memory"  # no phase to tell: out of memory before the server ran
    return Explanation(code, first.fix, first.evidence[:500])  # the Message: each edge renders its language


def _loose(text: str) -> Explanation | None:
    for pattern, code, fix in _COMPILED:
        match = pattern.search(text)
        if match:
            line_start = text.rfind("\n", 0, match.start()) + 1
            line_end = text.find("\n", match.end())
            quote = text[line_start: line_end if line_end >= 0 else len(text)].strip()
            return Explanation(code, fix, quote[:500])
    return None


_ERROR_LINE = re.compile(r"error|exception|failed|refused|cannot|not found|too old", re.IGNORECASE)


def explain_log(log_text: str) -> Explanation | None:
    """Like `explain` on a whole log, the loose patterns only over its error lines: a start-up log also
    echoes settings such as 'trust_remote_code': True, which are not failures."""
    return _doctor(log_text) or _loose("\n".join(line for line in log_text.splitlines() if _ERROR_LINE.search(line)))
