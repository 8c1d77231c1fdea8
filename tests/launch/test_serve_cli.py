"""`vllm-wizard serve` and `calibrate` end to end, against the fake vLLM environment."""

import subprocess
import sys

import pytest

from wizard.cli import main
from wizard.launch import execute

SECRET = "sk-serve-secret-9"


@pytest.fixture
def exec_calls(monkeypatch):
    calls = []
    monkeypatch.setattr(execute, "execvpe", lambda f, argv, env: calls.append((f, argv, env)))
    return calls


def serve(llama_folder, *extra):
    return ["serve", str(llama_folder), "--gpu", "L40S", *extra]


def test_dry_run_masks_the_key(llama_folder, fake_vllm, monkeypatch, capsys, port):
    monkeypatch.setenv("MY_KEY", SECRET)
    assert main(serve(llama_folder, "--dry-run", "--api-key-env", "MY_KEY", "--port", str(port))) == 0
    out = capsys.readouterr().out
    assert "VLLM_API_KEY=<set> vllm serve" in out and SECRET not in out
    assert "[ok  ] vLLM: vLLM 0.32.0+cpu" in out


def test_yes_execs_the_validated_command(llama_folder, fake_vllm, monkeypatch, exec_calls, capsys, port):
    monkeypatch.setenv("MY_KEY", SECRET)
    assert main(serve(llama_folder, "--yes", "--api-key-env", "MY_KEY", "--port", str(port))) == 0
    (file, argv, env), = exec_calls
    assert file == str(fake_vllm / "vllm") and argv[1:3] == ["serve", str(llama_folder.resolve())]
    assert env["VLLM_API_KEY"] == SECRET and all(SECRET not in a for a in argv)
    assert (fake_vllm / "probe-calls.log").read_text().split() == ["dump", "validate"]
    assert "vLLM accepts it" in capsys.readouterr().out


def test_vllm_refusal_is_shown_with_the_fix(llama_folder, fake_vllm, monkeypatch, exec_calls, capsys, port):
    monkeypatch.setenv("FAKE_VLLM_REFUSE", "Unknown quantization method: nope. Must be one of ['awq']")
    assert main(serve(llama_folder, "--yes", "--port", str(port))) == 3
    err = capsys.readouterr().err
    assert "unsupported_quantization" in err and "Unknown quantization method: nope" in err and "fix:" in err
    assert not exec_calls


def test_open_server_without_key_is_refused(llama_folder, fake_vllm, exec_calls, capsys, port):
    assert main(serve(llama_folder, "--yes", "--host", "0.0.0.0", "--port", str(port))) == 2
    assert "preflight refused" in capsys.readouterr().err and not exec_calls
    assert main(serve(llama_folder, "--yes", "--host", "0.0.0.0", "--port", str(port), "--allow-no-api-key")) == 0


def test_failing_plan_is_not_launched(llama_folder, fake_vllm, exec_calls, capsys):
    rc = main(["serve", str(llama_folder), "--gpu", "T4", "--set", "max-model-len=131072", "--set",
               "gpu-memory-utilization=0.5", "--set", "cpu-offload-gb=0", "--yes"])
    assert rc == 3 and "not launching" in capsys.readouterr().err and not exec_calls


def test_without_yes_and_without_a_terminal_nothing_starts(llama_folder, cli_env):
    from support import ROOT

    proc = subprocess.run([sys.executable, "-m", "wizard", *serve(llama_folder)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=cli_env, cwd=ROOT, timeout=60)
    assert proc.returncode == 2 and "pass --yes" in proc.stderr and "Traceback" not in proc.stderr


def test_detach_follows_start_up_then_stop(llama_folder, fake_vllm, capsys, port, wizard_dirs):
    # This fake vLLM serves /health only; the verify step has its own tests (tests/verify).
    assert main(serve(llama_folder, "--yes", "--detach", "--no-verify", "--port", str(port), "--wait", "30")) == 0
    out = capsys.readouterr().out
    assert "Predicted vs actual" in out and "Calibration saved for NVIDIA L40S / vLLM 0.32.0" in out
    assert "vllm | " in out and f"http://127.0.0.1:{port}" in out
    assert main(["serve", "--stop"]) == 0
    assert "Stopped the server" in capsys.readouterr().out
    assert main(["serve", "--stop"]) == 0 and "is not running" in capsys.readouterr().out


def test_detach_that_dies_exits_1_with_the_reason(llama_folder, fake_vllm, monkeypatch, capsys, port):
    monkeypatch.setenv("FAKE_VLLM_FAIL", "To serve at least one request with the model's max seq len (131072), "
                                         "(16.0 GiB KV cache is needed, which is larger than the available KV cache "
                                         "memory (4.0 GiB).")
    assert main(serve(llama_folder, "--yes", "--detach", "--port", str(port), "--wait", "30")) == 1
    err = capsys.readouterr().err
    assert "max_model_len_exceeds_kv_cache" in err and "Fix:" in err


def test_calibrate_a_wizard_log_a_named_setup_and_bad_input(llama_folder, fake_vllm, capsys, port, tmp_path):
    assert main(serve(llama_folder, "--yes", "--detach", "--no-verify", "--port", str(port), "--wait", "30")) == 0
    from wizard.launch.records import latest_launch

    record = latest_launch()
    main(["serve", "--stop"])
    capsys.readouterr()
    assert main(["calibrate", record.log_path, "--no-save"]) == 0
    out = capsys.readouterr().out
    assert "predicted" in out and "445,920" in out and "Not saved" in out
    log = tmp_path / "public.log"
    log.write_text("INFO Initializing a V1 LLM engine (v0.28.0) with config: model='x'\n"
                   "INFO Model loading took 14.99 GiB and 6 seconds\nINFO Available KV cache memory: 19.28 GiB\n"
                   "INFO GPU KV cache size: 157,936 tokens\n")
    assert main(["calibrate", str(log), str(llama_folder), "--gpu", "A100-40GB"]) == 0
    saved = capsys.readouterr().out
    assert "Saved for" in saved and "A100" in saved and "/ vLLM 0.28.0 / Llama-3.1-8B-Instruct" in saved
    assert main(["calibrate", str(log)]) == 0
    assert "Not stored" in capsys.readouterr().err
    assert main(["calibrate", str(tmp_path / "missing.log")]) == 2
    empty = tmp_path / "empty.log"
    empty.write_text("hello\n")
    assert main(["calibrate", str(empty)]) == 2
    assert "no vLLM start-up memory lines" in capsys.readouterr().err


def test_a_vllm_that_does_not_import_is_refused_before_launch(llama_folder, fake_vllm, monkeypatch, exec_calls,
                                                              capsys, port):
    monkeypatch.setenv("FAKE_VLLM_BROKEN", "1")
    assert main(serve(llama_folder, "--yes", "--port", str(port))) == 2
    captured = capsys.readouterr()
    assert "does not work" in captured.err and "libcudart" in captured.out + captured.err and not exec_calls
