"""`serve --detach` closes the loop, against a fake `vllm` that prints a real start-up log and then
serves the scripted OpenAI API: the start-up live (phases, elapsed vs usual), predicted vs actual,
verify, and one verdict with its exit code; a failed start shows the log tail and the diagnosis."""

from __future__ import annotations

import time

import pytest

from wizard.cli import main

SECRET = "sk-detach-secret-4410"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(llama_folder, port, *extra):
    return ["serve", str(llama_folder), "--gpu", "L40S", "--yes", "--detach", "--no-validate", "--port", str(port),
            *extra]


def test_a_healthy_start_shows_its_phases_compares_verifies_and_says_serving(llama_folder, fake_vllm, port, capsys,
                                                                            stop_servers):
    assert main(serve(llama_folder, port, "--wait", "120")) == 0
    out = capsys.readouterr().out
    phases = ["starting the engine", "loading weights", "compiling (torch.compile)",
              "profiling memory and sizing the KV cache", "capturing CUDA graphs", "starting the API server"]
    positions = [out.index(f"] {phase}") for phase in phases]
    assert positions == sorted(positions)  # in vLLM's order, each once
    assert "usually " in out and "GiB of weights on 1 GPU" in out
    assert "Predicted vs actual" in out and "vllm | " in out
    assert "[ok  ] degenerate_output" in out and "[ok  ] context_length" in out
    assert "Serving correctly at " in out and "tokens/s at http://127.0.0.1:" in out
    assert main(["serve", "--stop"]) == 0


def test_the_second_start_of_a_setup_is_timed_against_the_first(llama_folder, fake_vllm, port, capsys, stop_servers):
    assert main(serve(llama_folder, port, "--no-verify", "--wait", "120")) == 0
    assert main(["serve", "--stop"]) == 0
    capsys.readouterr()
    again = _free_port()  # the first server's port may linger in TIME_WAIT; the setup is the same
    assert main(serve(llama_folder, again, "--no-verify", "--wait", "120")) == 0
    out = capsys.readouterr().out
    assert "this setup took" in out and "at its last start here" in out and "not verified" in out


def test_the_api_key_reaches_verify_and_is_never_printed(llama_folder, fake_vllm, port, capsys, monkeypatch,
                                                        stop_servers):
    monkeypatch.setenv("MY_KEY", SECRET)
    assert main(serve(llama_folder, port, "--api-key-env", "MY_KEY", "--wait", "120")) == 0
    captured = capsys.readouterr()
    assert "Serving correctly" in captured.out and SECRET not in captured.out + captured.err


def test_a_server_that_starts_but_answers_badly_gets_the_problem_and_the_fix(llama_folder, fake_vllm, port, capsys,
                                                                            monkeypatch, stop_servers):
    monkeypatch.setenv("FAKE_OPENAI_MODE", "bang_short")
    assert main(serve(llama_folder, port, "--wait", "120")) == 3
    captured = capsys.readouterr()
    assert "[FAIL] degenerate_output" in captured.out
    assert "check(s) failed; first degenerate_output" in captured.err  # the tool request gets "!!!!" too
    assert "Fix: " in captured.err and "serve --stop" in captured.out  # left running to inspect


def test_a_start_that_dies_shows_the_log_tail_and_the_diagnosis(llama_folder, fake_vllm, port, capsys, monkeypatch,
                                                               stop_servers):
    monkeypatch.setenv("FAKE_VLLM_LOG", "startup-0.8.5-kv-fail.log")
    monkeypatch.setenv("FAKE_VLLM_EXIT", "1")
    assert main(serve(llama_folder, port, "--wait", "120")) == 1
    captured = capsys.readouterr()
    assert "Last lines of the log:" in captured.out and "No available memory for the cache blocks" in captured.out
    assert "no_kv_cache_memory" in captured.err and "Fix:" in captured.err
    assert "exited during start-up (while compiling (torch.compile)" in captured.err
    assert "To re-plan with the fix, run the same command with: --set " in captured.out  # as the app's `r`


def test_a_start_that_never_gets_healthy_stops_waiting_at_the_limit(llama_folder, fake_vllm, port, capsys,
                                                                   monkeypatch, stop_servers):
    monkeypatch.setenv("FAKE_VLLM_LOG", "startup-0.6.6-v0-t4.log")
    monkeypatch.setenv("FAKE_VLLM_HANG", "1")
    started = time.monotonic()
    assert main(serve(llama_folder, port, "--wait", "10")) == 1
    assert time.monotonic() - started < 60  # generous: the limit is 10 s
    err = capsys.readouterr().err
    assert "was not healthy after" in err and "it is left running" in err


@pytest.mark.parametrize("lang_out", ["加载权重"])
def test_phase_names_render_in_chinese(lang_out):
    from wizard.i18n import localize
    from wizard.launch.phases import Phase

    assert localize(Phase.LOADING_WEIGHTS.label(), "zh_CN") == lang_out
