"""Finding the installed vLLM, the cached parser dump, validation results and vLLM's errors mapped."""

from pathlib import Path

import pytest

from wizard.errors import InputError
from wizard.i18n import msg
from wizard.launch.introspect import VllmProbeError, introspect, validate
from wizard.doctor.explain import explain, explain_log
from wizard.vllm_env import find_vllm


def test_find_vllm_through_the_variable(fake_vllm):
    install = find_vllm()
    assert install.version == "0.32.0+cpu" and install.python == fake_vllm / "python"
    assert install.vllm_exe == fake_vllm / "vllm"


def test_find_vllm_through_path(fake_vllm, monkeypatch, tmp_path):
    monkeypatch.delenv("VLLM_WIZARD_VLLM_PYTHON")
    script = tmp_path / "bin" / "vllm"
    script.parent.mkdir()
    script.write_text(f"#!{fake_vllm / 'python'}\n")
    script.chmod(0o755)
    install = find_vllm({"PATH": str(script.parent)})
    assert install is not None and install.python == fake_vllm / "python"


def test_a_variable_pointing_nowhere_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("VLLM_WIZARD_VLLM_PYTHON", str(tmp_path / "missing" / "python"))
    with pytest.raises(InputError, match="VLLM_WIZARD_VLLM_PYTHON"):
        find_vllm()


def test_the_dump_is_cached_per_version(fake_vllm, wizard_dirs):
    install = find_vllm()
    first = introspect(install)
    second = introspect(install)
    calls = (fake_vllm / "probe-calls.log").read_text().split()
    assert calls == ["dump"] and first.raw == second.raw
    assert (wizard_dirs["cache"] / "vllm-options" / "0.32.0+cpu.json").is_file()
    assert "--max-model-len" in first.flags().options and first.python_include
    introspect(install, refresh=True)
    assert (fake_vllm / "probe-calls.log").read_text().split() == ["dump", "dump"]


def test_a_broken_vllm_is_reported_in_one_line(fake_vllm, monkeypatch):
    monkeypatch.setenv("FAKE_VLLM_BROKEN", "1")
    with pytest.raises(VllmProbeError, match="could not be imported: ImportError: libcudart"):
        introspect(find_vllm())


def test_validation_maps_vllms_refusal_to_a_code_and_fix(fake_vllm, monkeypatch):
    install = find_vllm()
    assert validate(install, [["vllm", "serve", "/m"]])[0].ok
    monkeypatch.setenv("FAKE_VLLM_REFUSE", "User-specified max_model_len (100000) is greater than the derived "
                                           "max_model_len (max_position_embeddings=512)")
    result = validate(install, [["vllm", "serve", "/m", "--max-model-len", "100000"]])[0]
    assert not result.ok and result.code == "max_model_len_exceeds_model" and "max-model-len" in result.fix
    assert "100000" in result.error


@pytest.mark.parametrize("text, code", [
    ("ValueError: To serve at least one request with the model's max seq len (131072), (16.0 GiB KV cache is "
     "needed, which is larger than the available KV cache memory (4.2 GiB).", "max_model_len_exceeds_kv_cache"),
    ("No available memory for the cache blocks. Try increasing `gpu_memory_utilization`", "no_kv_cache_memory"),
    ("Free memory on device cuda:0 (10.0/79.19 GiB) on startup is less than desired GPU memory utilization (0.9, "
     "71.27 GiB).", "free_memory_below_request"),
    ("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 784.00 MiB", "weights_exceed_memory"),
    ("Total number of attention heads (4) must be divisible by tensor parallel size (3).", "tp_not_divisor"),
    ("Unknown quantization method: nope. Must be one of ['awq']", "unsupported_quantization"),
    ("Quantization method specified in the model config (gptq) does not match the quantization method specified "
     "in the `quantization` argument (awq).", "quantization_mismatch"),
    ("Bfloat16 is only supported on GPUs with compute capability of at least 8.0.", "unsupported_dtype"),
    ("vllm serve: error: argument --kv-cache-dtype: invalid choice: 'fp9' (choose from 'auto', 'fp8')", "other"),
    ("RuntimeError: Failed to find C compiler. Please specify via CC environment variable.", "other"),
    # An exception the doctor's rules do not name: its "unknown failure" must not hide this table's fix.
    ("Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\n"
     "ValueError: Chunked prefill is required for mamba models", "other"),
    # Wordings the launcher's own table held before the doctor's rules took them over (one table).
    ("ValueError: Cannot find the config file for awq", "quantization_mismatch"),
    ("KeyError: 'invalid tool call parser: qwen3_xml (chose from { hermes,mistral })'", "other"),
    ("KeyError: 'invalid reasoning parser: qwen4 (chose from { deepseek_r1,qwen3 })'", "other"),
    ("RuntimeError: The NVIDIA driver on your system is too old (found version 12020).", "other"),
    ("ImportError: libcudart.so.13: cannot open shared object file: No such file or directory", "other"),
    ("RuntimeError: Unsupported CPU attention configuration: head_dim=16 isa=2 kv_cache_idx=0", "other"),
    ("ValueError: Failed to find a kernel that can implement the WNA16 linear layer. Reasons: Exllama only "
     "supports float16 activations", "unsupported_dtype"),
    ("max_num_seqs (256) exceeds available Mamba cache blocks (134)", "other"),
    ("OSError: [Errno 98] Address already in use", "other"),
    ("Access to model meta-llama/Llama-3.1-8B is restricted. You must have access to it.", "other"),
    ("fatal error: Python.h: No such file or directory", "other"),
])
def test_vllm_messages_map_to_contract_codes(text, code):
    why = explain(text)
    assert why is not None and why.code == code and why.fix and why.quote
    assert why.fix != msg("doctor.fix.unknown_failure")


def test_log_explanations_ignore_settings_echoed_at_start_up():
    log = ("INFO non-default args: {'trust_remote_code': True}\nINFO Model loading took 1 GiB\n"
           "ERROR [core.py] ValueError: No available memory for the cache blocks.\n")
    assert explain_log(log).code == "no_kv_cache_memory"
    assert explain_log("INFO non-default args: {'trust_remote_code': True}\n") is None


@pytest.mark.parametrize("log", sorted((Path(__file__).resolve().parents[1] / "doctor" / "fixtures").glob("*.log")),
                         ids=lambda p: p.stem)
def test_a_failed_starts_explanation_is_the_doctors_answer(log):
    """One answer per failure: what a failed start's outcome (and validation) says is the doctor's
    most decisive diagnosis of the same log, in the plan contract's codes."""
    from wizard.doctor import diagnose_text
    from wizard.doctor.diagnose import failure_code

    text = log.read_text(encoding="utf-8")
    report = diagnose_text(text.splitlines())
    why = explain_log(text)
    known = [d for d in report.diagnoses if d.code != "unknown_failure"]  # not an answer (see explain)
    if not known:
        return
    first = known[0]
    assert why is not None and why.quote == first.evidence and why.fix == str(first.fix)
    assert why.code == ("weights_exceed_memory" if first.code == "cuda_oom" and first.phase is None
                        else failure_code(first))
