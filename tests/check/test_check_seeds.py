"""`check` on every seed scenario (shared/seeds/): the commands and configs users really ran, on the
hardware they describe. Each verdict and every figure equals `plan --set` with the same settings,
and the JSON keeps the contract (docs/contracts/check.schema.json)."""

from __future__ import annotations

import json
from pathlib import Path

from contract_schemas import assert_valid

from wizard.cli import main
from wizard.planner.settings import SETTINGS

RTX3080_20G = ["--gpu", "RTX 3080", "--gpu-memory", "19.6", "--compute-capability", "8.6"]


def run_check(capsys, *argv: str) -> tuple[int, dict]:
    rc = main(["check", "--json", *argv])
    out = capsys.readouterr()
    assert rc in (0, 3), out.err
    return rc, json.loads(out.out)


def plan_with_same_settings(capsys, model: Path, hardware: list[str], version: str, data: dict) -> tuple[int, dict]:
    """`plan --set` with every planner setting the check predicted (what the chooser never changes)."""
    pins = []
    for name, value in data["settings"].items():
        if name not in SETTINGS or value is None and name not in {"quantization", "reasoning_parser", "tool_call_parser"}:
            continue  # the other None settings the planner leaves None itself
        if name in {"max_loras", "max_lora_rank", "max_cpu_loras"} and not data["settings"].get("enable_lora"):
            continue  # reported at their defaults, but `plan --set` takes LoRA sizes only with LoRA on
        if value is None:
            pins += ["--set", f"{name}=none"]
            continue
        text = str(value).lower() if isinstance(value, bool) else f"{value:g}" if isinstance(value, float) else str(value)
        pins += ["--set", f"{name}={text}"]
    rc = main(["plan", str(model), *hardware, "--vllm-version", version, *pins, "--json"])
    return rc, json.loads(capsys.readouterr().out)


def assert_same_as_plan(capsys, model: Path, hardware: list[str], version: str, rc: int, data: dict) -> None:
    plan_rc, plan = plan_with_same_settings(capsys, model, hardware, version, data)
    assert plan["memory"] == data["memory"]
    assert {k: v for k, v in plan["settings"].items()} == {k: v for k, v in data["settings"].items() if k in SETTINGS}
    if data["startup"]["failure"] is None or data["startup"]["failure"]["code"] != "unknown_argument":
        assert plan["startup"] == data["startup"]
        assert plan_rc == 3 or rc == 3 if not plan["startup"]["ok"] else plan_rc == 0


def codes(data: dict) -> set[str]:
    return {f["code"] for f in data["findings"]}


SEED000_FINAL = """vllm serve {model} \\
  --host 0.0.0.0 --port 8001 \\
  --gpu-memory-utilization 0.92 \\
  --max-model-len 65536 \\
  --served-model-name 9B \\
  --dtype float16 \\
  --quantization compressed-tensors \\
  --kv-cache-dtype int8_per_token_head \\
  --enable-auto-tool-choice \\
  --tool-call-parser qwen3_coder \\
  --reasoning-parser qwen3 \\
  --max-num-seqs 6 \\
  --enable-chunked-prefill \\
  --max-num-batched-tokens 8192 \\
  --enable-prefix-caching \\
  --default-chat-template-kwargs='{{"enable_thinking":true}}' \\
  --override-generation-config='{{"temperature":0.4,"top_p":0.5,"top_k":20,"min_p":0.05}}' \\
  --trust-remote-code"""


def test_seed000_final_command_as_pasted_starts_and_equals_plan(seed_models, capsys):
    model = seed_models["qwen35_9b_awq"]
    rc, data = run_check(capsys, *RTX3080_20G, "--vllm-version", "0.20.0", "--", SEED000_FINAL.format(model=model))
    assert_valid("check", data)
    assert rc == 0 and data["startup"]["ok"]
    assert data["settings"]["gpu_memory_utilization"] == 0.92 and data["settings"]["max_model_len"] == 65536
    assert data["settings"]["kv_cache_dtype"] == "int8_per_token_head" and data["settings"]["max_num_seqs"] == 6
    assert data["settings"]["served_model_name"] == "9B" and data["settings"]["port"] == "8001"
    assert {"public_host_without_api_key", "trust_remote_code_unneeded"} <= codes(data)
    assert not codes(data) & {"missing_reasoning_parser", "quantization_mismatch", "unknown_argument"}
    assert_same_as_plan(capsys, model, RTX3080_20G, "0.20.0", rc, data)


def test_seed000_first_attempt_awq_on_compressed_tensors_without_reasoning_parser(seed_models, capsys):
    """v1 of the write-up: --quantization awq on a compressed-tensors checkpoint, 0.95, no parser."""
    model = seed_models["qwen35_9b_awq"]
    rc, data = run_check(capsys, *RTX3080_20G, "--vllm-version", "0.20.0", "--", "vllm", "serve", str(model),
                         "--gpu-memory-utilization", "0.95", "--max-model-len", "65536", "--max-num-seqs", "16",
                         "--quantization", "awq")
    assert_valid("check", data)
    assert rc == 3 and data["startup"]["failure"]["code"] == "quantization_mismatch"
    assert {"quantization_mismatch", "missing_reasoning_parser", "gpu_memory_utilization_high"} <= codes(data)
    by_code = {s["code"]: s for s in data["suggestions"]}
    assert by_code["fix_quantization"]["set"] == {"quantization": "compressed-tensors"}
    assert by_code["set_reasoning_parser"]["set"] == {"reasoning_parser": "qwen3"}
    assert by_code["fix_quantization"]["predicted"]["ok"] is True
    assert_same_as_plan(capsys, model, RTX3080_20G, "0.20.0", rc, data)


def test_seed001_r1_distill_gptq_on_four_t4(seed_models, capsys):
    model = seed_models["r1_qwen_32b_gptq"]
    hw = ["--gpu", "T4", "--gpu-count", "4"]
    rc, data = run_check(capsys, *hw, "--vllm-version", "0.7.3", "--", "python", "-m",
                         "vllm.entrypoints.openai.api_server", "--model", str(model), "--tensor-parallel-size", "4",
                         "--gpu-memory-utilization", "0.9", "--max-model-len", "8192")
    assert_valid("check", data)
    assert data["command"]["argv"][:3] == ["vllm", "serve", str(model)]
    assert data["settings"]["tensor_parallel_size"] == 4
    assert {"gptq_exclamation", "missing_reasoning_parser"} <= codes(data)
    assert_same_as_plan(capsys, model, hw, "0.7.3", rc, data)


def test_seed002_qwen25_gptq_on_0_5_1_warns_of_exclamation_marks(seed_models, capsys):
    """The write-up names vLLM 0.5.1, run as `python -m vllm.entrypoints.openai.api_server`."""
    model = seed_models["qwen25_32b_gptq"]
    hw = ["--gpu", "A100-80GB"]
    rc, data = run_check(capsys, *hw, "--vllm-version", "0.5.1", "--", "python", "-m",
                         "vllm.entrypoints.openai.api_server", "--model", str(model), "--max-model-len", "8192")
    assert_valid("check", data)
    assert rc == 0 and data["startup"]["ok"]
    assert "gptq_exclamation" in codes(data)
    assert_same_as_plan(capsys, model, hw, "0.5.1", rc, data)


def test_seed004_two_gpus_tp1_kv_shortfall_suggests_tp2(seed_models, capsys):
    """"max seq len (32768) is larger than the maximum number of tokens that can be stored in KV
    cache (15248)" with NUM_GPUs=2 and TENSOR_PARALLEL_SIZE=1."""
    model = seed_models["qwen15_14b"]
    hw = ["--gpu", "RTX A6000", "--gpu-count", "2"]
    rc, data = run_check(capsys, *hw, "--vllm-version", "0.4.3", "--", "python", "-m",
                         "vllm.entrypoints.openai.api_server", "--model", str(model), "--tensor-parallel-size", "1")
    assert_valid("check", data)
    assert rc == 3 and data["startup"]["failure"]["code"] == "max_model_len_exceeds_kv_cache"
    assert data["settings"]["max_model_len"] == 32768  # the release default: the model's own length
    # The write-up's vLLM (0.4.x, api-for-open-llm) logged 15248 tokens: the V0 0.4-0.6.3 budget
    # (free-memory delta since init_device) with the profile of max(32768, 2048) tokens.
    assert abs(data["memory"]["kv_cache_tokens"] - 15248) / 15248 < 0.01
    assert "tensor_parallel_size_mismatch" in codes(data)
    by_code = {s["code"]: s for s in data["suggestions"]}
    assert by_code["use_all_gpus"]["set"]["tensor_parallel_size"] == 2
    assert by_code["use_all_gpus"]["predicted"]["ok"] is True
    assert by_code["lower_max_model_len"]["predicted"]["ok"] is True
    assert_same_as_plan(capsys, model, hw, "0.4.3", rc, data)


SEED003_CONFIG = """# config.yaml
model: "{model}"
served-model-name: "DeepSeek-R1"
host: "0.0.0.0"
port: 6333
api-key: "ltingzx"
dtype: "bfloat16"
quantization: "bitsandbytes"
gpu-memory-utilization: 0.9
cpu-offload-gb: 20
swap-space: 4
max-num-seqs: 256
tensor-parallel-size: 1
max-num-batched-tokens: 8192
max-model-len: 8192
enable-prefix-caching: true
block-size: 32
max-seq-len-to-capture: 8192
disable-custom-all-reduce: true
disable-log-requests: true
trust-remote-code: true
"""


def test_seed003_yaml_config_with_api_key_never_echoes_the_key(seed_models, capsys, tmp_path):
    model = seed_models["r1_llama_70b"]
    config = tmp_path / "config.yaml"
    config.write_text(SEED003_CONFIG.format(model=model), encoding="utf-8")
    hw = ["--gpu", "V100-32GB"]
    rc = main(["check", *hw, "--vllm-version", "0.7.3", "--json", "--config", str(config)])
    out = capsys.readouterr()
    assert "ltingzx" not in out.out + out.err
    data = json.loads(out.out)
    assert_valid("check", data)
    assert data["command"]["env"]["VLLM_API_KEY"] == "<set>"
    assert "api_key" in data["pinned"] and "api_key" not in data["settings"]
    assert {"api_key_in_command", "trust_remote_code_unneeded"} <= codes(data)
    assert data["settings"]["cpu_offload_gb"] == 20 and data["settings"]["block_size"] == 32
    assert data["settings"]["quantization"] == "bitsandbytes"
    assert data["startup"]["failure"]["code"] == "unsupported_dtype"  # bfloat16 on a V100 (7.0)
    assert rc == 3
    assert_same_as_plan(capsys, model, hw, "0.7.3", rc, data)
    rc_human = main(["check", *hw, "--vllm-version", "0.7.3", "--lang", "en", "--config", str(config)])
    human = capsys.readouterr().out
    assert rc_human == 3 and "ltingzx" not in human
    assert "- api-key: ***" in human and "+ dtype: float16" in human
    assert "+ reasoning-parser: deepseek_r1" in human  # new settings go into the YAML, not the command line
    assert f"vllm serve --config {config}" in human
