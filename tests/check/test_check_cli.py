"""`vllm-wizard check` as a user runs it: exit codes, the human output in both languages, secrets
never echoed, the corrected command, and the contract of --json."""

from __future__ import annotations

import json
import shlex

import pytest
from contract_schemas import assert_valid

from wizard.check import check_command, pins_from_argv
from wizard.check.command import parse_command
from wizard.check.flags import table_flags
from wizard.cli import main
from wizard.hardware.catalog import catalog_hardware

L4 = ["--gpu", "L4", "--vllm-version", "0.20.0"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(["check", *argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_a_command_that_fits_exits_0_and_says_so(llama_folder, capsys):
    rc, out, _ = run(capsys, *L4, "--lang", "en", "--", "vllm", "serve", str(llama_folder), "--max-model-len", "8192")
    assert rc == 0
    assert "predicted to START" in out and "Nothing to change." in out


def test_a_command_that_does_not_fit_exits_3_with_a_verified_correction(llama_folder, capsys):
    argv = ["vllm", "serve", str(llama_folder), "--max-model-len", "131072", "--gpu-memory-utilization", "0.95"]
    rc, out, _ = run(capsys, *L4, "--lang", "en", "--", *argv)
    assert rc == 3
    assert "predicted to FAIL" in out and "max_model_len_exceeds_kv_cache" in out
    assert "+ --gpu-memory-utilization 0.92" in out and "- --max-model-len 131072" in out
    corrected = out.rstrip().splitlines()[-1].strip()
    assert "Corrected command (predicted to start)" in out
    # The corrected command, checked again, is predicted to start.
    rc2, out2, _ = run(capsys, *L4, "--lang", "en", "--", *shlex.split(corrected))
    assert rc2 == 0, out2


def test_human_output_follows_the_locale_and_lang(llama_folder, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    rc, out, _ = run(capsys, *L4, "--", "vllm", "serve", str(llama_folder), "--max-model-len", "131072")
    assert rc == 3 and "结论：预测这条命令启动会失败" in out and "对你命令的改动" in out
    rc, out, _ = run(capsys, *L4, "--lang", "en", "--", "vllm", "serve", str(llama_folder), "--max-model-len", "131072")
    assert "predicted to FAIL" in out


def test_unknown_flag_is_exit_3_with_unknown_argument(llama_folder, capsys):
    rc, out, _ = run(capsys, *L4, "--json", "--", "vllm", "serve", str(llama_folder), "--max-model-len", "8192",
                     "--turbo-mode", "on")
    data = json.loads(out)
    assert rc == 3
    assert_valid("check", data)
    assert data["startup"]["failure"]["code"] == "unknown_argument" and "--turbo-mode" in data["startup"]["failure"]["message"]
    finding = next(f for f in data["findings"] if f["code"] == "unknown_argument")
    assert finding["flag"] == "--turbo-mode" and finding["severity"] == "error"
    remove = next(s for s in data["suggestions"] if s["code"] == "remove_unknown_argument")
    assert remove["unset"] == ["turbo_mode"] and remove["predicted"]["ok"] is True


@pytest.mark.parametrize("secret_args", [
    ["--api-key", "sk-live-SECRET"], ["--api-key=sk-live-SECRET"], ["--hf-token", "hf_SECRET"],
    ["--api_key", "sk-live-SECRET"],
])
def test_secrets_never_come_back_in_any_output(llama_folder, capsys, secret_args):
    argv = ["HUGGING_FACE_HUB_TOKEN=hf_ENVSECRET", "vllm", "serve", str(llama_folder), "--host", "0.0.0.0",
            *secret_args, "--max-model-len", "8192"]
    for mode in (["--json"], ["--lang", "en"], ["--lang", "zh_CN"]):
        rc, out, err = run(capsys, *L4, *mode, "--", *argv)
        assert "SECRET" not in out + err
        assert rc in (0, 3)
    rc, out, _ = run(capsys, *L4, "--json", "--", *argv)
    data = json.loads(out)
    assert_valid("check", data)
    codes = {f["code"] for f in data["findings"]}
    assert "secret_in_command" in codes
    assert codes & {"api_key_in_command", "hf_token_in_command"}
    assert data["command"]["env"]["HUGGING_FACE_HUB_TOKEN"] == "<set>"


def test_public_host_without_a_key_is_a_finding(llama_folder, capsys):
    rc, out, _ = run(capsys, *L4, "--json", "--", "vllm", "serve", str(llama_folder), "--host", "0.0.0.0",
                     "--max-model-len", "8192")
    data = json.loads(out)
    assert rc == 0
    assert any(f["code"] == "public_host_without_api_key" and f["flag"] == "--host" for f in data["findings"])
    rc, out, _ = run(capsys, *L4, "--json", "--", "VLLM_API_KEY=x", "vllm", "serve", str(llama_folder), "--host",
                     "0.0.0.0", "--max-model-len", "8192")
    assert not any(f["code"] == "public_host_without_api_key" for f in json.loads(out)["findings"])


def test_pinned_bf16_on_a_t4_and_tp_not_dividing_heads(llama_folder, capsys):
    rc, out, _ = run(capsys, "--gpu", "T4", "--vllm-version", "0.20.0", "--json", "--", "vllm", "serve",
                     str(llama_folder), "--dtype", "bfloat16", "--max-model-len", "4096")
    data = json.loads(out)
    assert rc == 3 and data["startup"]["failure"]["code"] == "unsupported_dtype"
    assert next(s for s in data["suggestions"] if s["code"] == "change_dtype")["set"] == {"dtype": "float16"}
    rc, out, _ = run(capsys, "--gpu", "H100", "--gpu-count", "3", "--vllm-version", "0.20.0", "--json", "--",
                     "vllm", "serve", str(llama_folder), "-tp", "3")
    data = json.loads(out)
    assert rc == 3 and data["startup"]["failure"]["code"] == "tp_not_divisor"
    assert next(s for s in data["suggestions"] if s["code"] == "fix_tensor_parallel_size")["set"] == \
        {"tensor_parallel_size": 2}


def test_missing_tool_parser_with_auto_tool_choice_is_an_error(llama_folder, capsys):
    rc, out, _ = run(capsys, *L4, "--json", "--", "vllm", "serve", str(llama_folder), "--max-model-len", "8192",
                     "--enable-auto-tool-choice")
    data = json.loads(out)
    assert rc == 3 and data["startup"]["ok"] is True
    assert any(f["code"] == "missing_tool_call_parser" and f["severity"] == "error" for f in data["findings"])


@pytest.mark.parametrize("argv", [
    [], ["--", "ls"], ["--", "vllm", "serve"], ["--lang", "klingon", "--", "vllm", "serve", "m"],
    ["--", "vllm", "serve", "/no/such/model"], ["--config", "/no/such.yaml"], ["--gpu", "NoSuchGPU", "--", "vllm", "serve", "m"],
    ["--vllm-version", "banana", "--", "vllm", "serve", "m"],
])
def test_bad_input_is_exit_2_with_one_line(capsys, argv):
    rc, out, err = run(capsys, "--gpu", "L4", *argv) if "--gpu" not in argv else run(capsys, *argv)
    assert rc == 2
    assert err.startswith("vllm-wizard: ") and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_the_api_for_the_app(llama_folder):
    hardware = catalog_hardware("L4")
    result = check_command(["vllm", "serve", str(llama_folder), "--max-model-len", "200000"], hardware,
                           vllm_version="0.20.0")
    assert not result.ok and result.plan.failure_code == "max_model_len_exceeds_model"
    assert result.edits.set["max_model_len"] <= 131072 and result.corrected_ok
    parsed, cp = pins_from_argv(["vllm", "serve", "m", "-tp", "2", "--kv-cache-dtype", "fp8"], "0.20.0")
    assert parsed.model == "m" and cp.pins == {"tensor_parallel_size": 2, "kv_cache_dtype": "fp8"}
    assert parse_command(["vllm", "serve", "m"], table_flags("0.20.0")).options == ()


def test_max_model_len_auto_is_said_not_crashed(llama_folder, capsys):
    rc, out, _ = run(capsys, *L4, "--json", "--", "vllm", "serve", str(llama_folder), "--max-model-len", "auto")
    data = json.loads(out)
    assert_valid("check", data)
    assert any(f["code"] == "max_model_len_auto" and f["severity"] == "info" for f in data["findings"])
    assert data["settings"]["max_model_len"] == 131072 and rc == 3  # predicted at the model's full length


def test_the_console_command_end_to_end(llama_folder, cli_env):
    from support import run_cli

    done = run_cli("check", "--gpu", "L4", "--vllm-version", "0.20.0", "--json", "--",
                   f"vllm serve {llama_folder} --max-model-len 8192 --api-key sk-live-XYZ", env=cli_env)
    assert done.returncode == 0, done.stderr
    assert "sk-live-XYZ" not in done.stdout + done.stderr
    assert_valid("check", json.loads(done.stdout))
