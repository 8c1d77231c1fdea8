"""`vllm-wizard plan` end to end in a subprocess: the JSON contract, exit codes, bad input."""

import json

import pytest
from support import run_cli

CONTRACT_KEYS = {"schema_version", "vllm_version", "model", "gpus", "settings", "pinned", "reasons", "memory",
                 "startup", "warnings", "command", "performance"}
PERFORMANCE_KEYS = {"decode_tokens_per_s_single", "decode_tokens_per_s_at_concurrency", "prefill_tokens_per_s",
                    "ttft_ms", "bound", "assumptions"}
MEMORY_KEYS = {"requested_gib", "weights_gib", "activation_gib", "non_torch_gib", "cuda_graph_gib", "kv_cache_gib",
               "kv_cache_tokens", "max_concurrency", "kv_bytes_per_token", "block_size"}
MODEL_KEYS = {"source", "id", "architecture", "model_type", "params", "checkpoint_dtype", "quantization",
              "max_position_embeddings"}
GPU_KEYS = {"index", "name", "total_gib", "used_gib", "compute_capability"}


def plan_json(folder, *args, env):
    result = run_cli("plan", str(folder), "--json", *args, env=env)
    assert "Traceback" not in result.stderr
    return result, (json.loads(result.stdout) if result.stdout.strip() else None)


def test_contract_shape_on_catalog_h100(llama_folder, cli_env):
    result, data = plan_json(llama_folder, "--gpu", "H100", "--vllm-version", "0.10.1",
                             "--set", "max-model-len=8192", env=cli_env)
    assert result.returncode == 0, result.stderr
    assert set(data) == CONTRACT_KEYS
    assert data["schema_version"] == 1 and data["vllm_version"] == "0.10.1"
    assert set(data["memory"]) == MEMORY_KEYS
    assert set(data["performance"]) == PERFORMANCE_KEYS
    assert set(data["model"]) == MODEL_KEYS
    assert data["model"]["params"] == 8_030_261_248
    assert data["model"]["architecture"] == "LlamaForCausalLM" and data["model"]["source"] == "local"
    assert set(data["gpus"][0]) == GPU_KEYS and data["gpus"][0]["total_gib"] == 79.19
    assert data["memory"]["weights_gib"] == 14.99 and data["memory"]["requested_gib"] == 71.27
    assert data["memory"]["kv_bytes_per_token"] == 131072 and data["memory"]["block_size"] == 16
    assert data["pinned"] == ["max_model_len"]
    assert data["settings"]["max_model_len"] == 8192
    assert all(name in data["reasons"] for name in data["settings"] if name not in data["pinned"])
    assert data["startup"] == {"ok": True, "failure": None}
    argv = data["command"]["argv"]
    assert argv[:3] == ["vllm", "serve", str(llama_folder.resolve())]
    assert argv[argv.index("--max-model-len") + 1] == "8192"
    assert data["settings"]["tool_call_parser"] == "llama3_json"


def test_predicted_failure_exits_3_with_memory_filled(llama_folder, cli_env):
    result, data = plan_json(llama_folder, "--gpu", "L4", "--vllm-version", "0.28.0",
                             "--set", "max-model-len=131072", "--set", "kv-cache-dtype=auto", env=cli_env)
    assert result.returncode == 3
    failure = data["startup"]["failure"]
    assert data["startup"]["ok"] is False and failure["code"] == "max_model_len_exceeds_kv_cache"
    assert "estimated maximum model length is" in failure["message"]
    assert data["memory"]["kv_cache_gib"] > 0 and data["memory"]["weights_gib"] == 14.99


def test_detected_fake_gpus_and_env(llama_folder, cli_env):
    cli_env["VLLM_WIZARD_FAKE_GPUS"] = "rtx3080-20gb-x2"
    result, data = plan_json(llama_folder, "--vllm-version", "0.11.0", "--context", "32768", env=cli_env)
    assert result.returncode == 0, result.stderr
    assert len(data["gpus"]) == 2
    env = data["command"]["env"]
    assert env["CUDA_VISIBLE_DEVICES"] == "0,1" and env["CUDA_DEVICE_ORDER"] == "PCI_BUS_ID"
    assert env["NCCL_P2P_DISABLE"] == "1"


def test_human_output_names_settings_memory_and_command(llama_folder, cli_env):
    result = run_cli("plan", str(llama_folder), "--gpu", "A100-40GB", "--vllm-version", "0.15.1", env=cli_env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for needle in ("predicted to START", "Settings", "max-model-len", "Memory per GPU", "KV cache:", "vllm serve"):
        assert needle in out


@pytest.mark.parametrize("args, needle", [
    (["--gpu", "NoSuchGPU-9000"], "NoSuchGPU-9000"),
    (["--gpu", "H100", "--set", "max-model-len"], "NAME=VALUE"),
    (["--gpu", "H100", "--set", "gpu-memory-utilization=1.5"], "gpu-memory-utilization=1.5"),
    (["--gpu", "H100", "--set", "warp-speed=9"], "unknown setting"),
    (["--gpu", "H100", "--vllm-version", "0.3.3"], "0.3.3"),
    (["--gpu", "H100", "--vllm-version", "banana"], "banana"),
    (["--gpu", "H100", "--context", "0"], "--context"),
])
def test_bad_input_exits_2_with_one_line(llama_folder, cli_env, args, needle):
    result = run_cli("plan", str(llama_folder), "--json", *args, env=cli_env)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in result.stderr


def test_unreadable_model_exits_2(tmp_path, cli_env):
    (tmp_path / "config.json").write_text("{not json")
    result = run_cli("plan", str(tmp_path), "--gpu", "H100", env=cli_env)
    assert result.returncode == 2 and "config.json" in result.stderr and "Traceback" not in result.stderr
    missing = run_cli("plan", str(tmp_path / "nope"), "--gpu", "H100", env=cli_env)
    assert missing.returncode == 2 and "no such model folder" in missing.stderr


def test_nvml_error_exits_2_and_points_to_catalog(llama_folder, cli_env):
    cli_env["VLLM_WIZARD_FAKE_GPUS"] = "nvml-driver-not-loaded"
    result = run_cli("plan", str(llama_folder), env=cli_env)
    assert result.returncode == 2 and "--gpu" in result.stderr and "Traceback" not in result.stderr


def test_plan_json_does_not_import_the_ui(llama_folder, cli_env):
    code = ("import sys, io, contextlib; from wizard.cli import main\n"
            f"with contextlib.redirect_stdout(io.StringIO()): main(['plan', {str(llama_folder)!r}, '--gpu', 'H100', '--json'])\n"
            "bad = [m for m in ('textual', 'rich', 'screens') if m in sys.modules]\n"
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli_env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_human_output_offers_verified_fixes(llama_folder, cli_env):
    result = run_cli("plan", str(llama_folder), "--gpu", "L4", "--vllm-version", "0.28.0",
                     "--set", "max-model-len=131072", "--set", "kv-cache-dtype=auto", env=cli_env)
    assert result.returncode == 3
    assert "predicted to FAIL" in result.stdout and "Fixes" in result.stdout
    assert "cap context at" in result.stdout and "--set max-model-len=" in result.stdout


def test_host_memory_bounds_cpu_offload(llama_folder, cli_env):
    # 15 GiB of bf16 weights on a 12 GiB card under the quality priority: offload is the lossless way,
    # but only if host RAM (less a margin) holds it; otherwise a lossy load is the honest answer.
    common = ("--gpu", "RTX 3060", "--vllm-version", "0.11.0", "--priority", "quality", "--context", "4096")
    big, data = plan_json(llama_folder, *common, "--host-memory", "64", env=cli_env)
    assert big.returncode == 0, big.stderr
    assert data["settings"]["cpu_offload_gb"] > 0 and data["settings"]["quantization"] is None
    small, data = plan_json(llama_folder, *common, "--host-memory", "6", env=cli_env)
    assert data["settings"]["cpu_offload_gb"] * 2 ** 30 <= (6 - 4) * 2 ** 30
    assert data["settings"]["quantization"] in {"fp8", "bitsandbytes"}
    bad = run_cli("plan", str(llama_folder), "--gpu", "RTX 3060", "--host-memory", "0", env=cli_env)
    assert bad.returncode == 2 and "--host-memory" in bad.stderr and "Traceback" not in bad.stderr


def test_latency_priority_is_accepted(llama_folder, cli_env):
    result, data = plan_json(llama_folder, "--gpu", "L4", "--gpu-count", "2", "--vllm-version", "0.11.0",
                             "--priority", "latency", env=cli_env)
    assert result.returncode == 0, result.stderr
    assert "for one request" in data["reasons"]["tensor_parallel_size"]


def test_pipeline_reason_on_even_heads_names_the_tensor_parallel_rival(cli_env):
    """Qwen3-14B's 40 heads split over 2 GPUs, so the reason for TP1 x PP2 must not say they do not; it says
    what tensor parallel 2 was predicted to hold instead (the demo's own setup, on the V1 engine)."""
    from pathlib import Path
    demo = Path(__file__).resolve().parents[2] / "assets" / "demo" / "Qwen3-14B"
    result, data = plan_json(demo, "--gpu", "RTX 3080 20GB", "--gpu-count", "2", "--gpu-memory", "19.6",
                             "--vllm-version", "0.33.0", env=cli_env)
    assert result.returncode == 0, result.stderr
    assert (data["settings"]["tensor_parallel_size"], data["settings"]["pipeline_parallel_size"]) == (1, 2)
    why = data["reasons"]["pipeline_parallel_size"]
    assert "do not split evenly" not in why
    assert "Tensor parallel 2 was predicted to hold only" in why
    fit = int(why.split("hold only ")[1].split(" tokens")[0].replace(",", ""))
    assert fit < data["settings"]["max_model_len"] <= data["memory"]["kv_cache_tokens"]
