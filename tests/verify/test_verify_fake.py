"""`vllm-wizard verify` against the scripted OpenAI server: each failure detected with its code, the
cause and the fix named, the API key never shown, every run bounded in time."""

from __future__ import annotations

import json
import time

import pytest

from wizard.cli import main

SECRET = "sk-verify-secret-7731"


def verify(capsys, *args: str) -> tuple[int, dict]:
    rc = main(["verify", *args, "--json"])
    out = capsys.readouterr()
    assert SECRET not in out.out + out.err
    return rc, json.loads(out.out)


def check(report: dict, code: str) -> dict:
    return next(c for c in report["checks"] if c["code"] == code)


def test_a_healthy_server_passes_every_check_with_the_contract_keys(fake, capsys):
    url = fake()
    rc, report = verify(capsys, url)
    assert rc == 0 and report["ok"]
    assert [c["code"] for c in report["checks"]] == ["reachable", "model_listed", "context_length",
                                                     "degenerate_output", "reasoning_leak", "tool_call", "speed"]
    assert all(set(c) >= {"code", "ok", "evidence", "fix"} for c in report["checks"])
    assert check(report, "tool_call")["skipped"] is True  # no plan: no tool parser expected
    speed = report["speed"]
    assert {"ttft_ms", "decode_tokens_per_s", "predicted_decode_tokens_per_s"} <= set(speed)
    assert speed["ttft_ms"] > 0 and speed["decode_tokens_per_s"] > 0 and speed["predicted_decode_tokens_per_s"] is None


def test_bangs_on_short_prompts_only_name_gptq_on_turing_and_the_fix(fake, record_for, capsys):
    url = fake(mode="bang_short")
    record_for(url, checkpoint_quantization="gptq", compute_capability="7.5", gpu_name="Tesla T4")
    rc, report = verify(capsys)  # no URL: the last launch
    bad = check(report, "degenerate_output")
    assert rc == 3 and not bad["ok"]
    assert "short prompt only" in bad["evidence"] and "!!!" in bad["evidence"]
    assert "exllama" in bad["cause"] and "Tesla T4" in bad["cause"]
    assert "AWQ" in bad["fix"] and "gptq_marlin" in bad["fix"] and "--dtype float16" in bad["fix"]
    assert [c["code"] for c in report["checks"] if not c["ok"]] == ["degenerate_output"]


def test_bangs_on_every_prompt_in_float16_point_at_the_dtype(fake, record_for, capsys):
    url = fake(mode="bang")
    record_for(url, settings={"dtype": "float16"}, compute_capability="8.6")
    rc, report = verify(capsys, url)
    bad = check(report, "degenerate_output")
    assert rc == 3 and "both prompts" in bad["evidence"] and "--dtype bfloat16" in bad["fix"]


@pytest.mark.parametrize("mode, kind", [("empty", "an empty reply"), ("replacement", "U+FFFD")])
def test_empty_and_replacement_replies_are_degenerate(fake, capsys, mode, kind):
    rc, report = verify(capsys, fake(mode=mode))
    assert rc == 3 and kind in check(report, "degenerate_output")["evidence"]


def test_leaked_thinking_without_a_reasoning_parser_names_the_flag(fake, record_for, capsys):
    url = fake(mode="think_leak")
    record_for(url)
    rc, report = verify(capsys, url)
    leak = check(report, "reasoning_leak")
    assert rc == 3 and not leak["ok"] and "<think>" in leak["evidence"] and "--reasoning-parser" in leak["fix"]


def test_a_reasoning_parser_that_separates_thinking_passes_and_one_that_does_not_fails(fake, record_for, capsys):
    good = fake(reasoning=True)
    record_for(good, settings={"reasoning_parser": "qwen3"})
    rc, report = verify(capsys, good)
    assert rc == 0 and "reasoning_content" in check(report, "reasoning_leak")["evidence"]
    plain = fake()
    record_for(plain, settings={"reasoning_parser": "qwen3"})
    rc, report = verify(capsys, plain)
    missing = check(report, "reasoning_leak")
    assert rc == 3 and "no reasoning" in missing["evidence"] and "drop --reasoning-parser" in missing["fix"]
    thinking_request = [b for p, b in fake.servers[-1].config.requests if b.get("chat_template_kwargs")]
    assert thinking_request[0]["chat_template_kwargs"]["enable_thinking"] is True


def test_tool_calls_as_text_are_caught_and_real_tool_calls_pass(fake, record_for, capsys):
    tools = {"tool_call_parser": "hermes", "enable_auto_tool_choice": True}
    url = fake(mode="tools_as_text")
    record_for(url, settings=tools)
    rc, report = verify(capsys, url)
    bad = check(report, "tool_call")
    assert rc == 3 and "as text" in bad["evidence"] and "<tool_call>" in bad["evidence"]
    assert "hermes" in bad["cause"]
    url = fake()
    record_for(url, settings=tools)
    rc, report = verify(capsys, url)
    assert rc == 0 and "get_weather" in check(report, "tool_call")["evidence"]


def test_auto_tool_choice_off_names_the_missing_flag(fake, record_for, capsys):
    url = fake(mode="auto_tool_off")
    record_for(url, settings={"tool_call_parser": "hermes"})
    rc, report = verify(capsys, url)
    assert rc == 3 and "--enable-auto-tool-choice" in check(report, "tool_call")["fix"]


def test_a_model_that_answers_instead_of_calling_the_tool_fails(fake, record_for, capsys):
    url = fake(mode="no_tool")
    record_for(url, settings={"tool_call_parser": "hermes", "enable_auto_tool_choice": True})
    rc, report = verify(capsys, url)
    assert rc == 3 and "instead of calling the tool" in check(report, "tool_call")["evidence"]


def test_a_context_length_other_than_planned_is_reported(fake, record_for, capsys):
    url = fake(max_model_len=2048)
    record_for(url, settings={"max_model_len": 4096})
    rc, report = verify(capsys, url)
    ctx = check(report, "context_length")
    assert rc == 3 and "2048" in ctx["evidence"] and "4096" in ctx["evidence"] and "--max-model-len 4096" in ctx["fix"]


def test_an_api_key_is_read_from_the_environment_and_never_shown(fake, capsys, monkeypatch):
    url = fake(api_key=SECRET)
    rc, report = verify(capsys, url)
    reach = check(report, "reachable")
    assert rc == 2 and "401" in reach["evidence"] and "VLLM_API_KEY" in reach["fix"]
    monkeypatch.setenv("VLLM_API_KEY", SECRET)
    rc, report = verify(capsys, url)
    assert rc == 0
    monkeypatch.delenv("VLLM_API_KEY")
    monkeypatch.setenv("MY_SERVER_KEY", SECRET)
    rc, _ = verify(capsys, url, "--api-key-env", "MY_SERVER_KEY")
    assert rc == 0
    assert main(["verify", url]) == 2  # human output too
    out = capsys.readouterr()
    assert SECRET not in out.out + out.err and "cause:" in out.out


def test_a_server_that_echoes_the_key_cannot_make_verify_print_it(fake, capsys, monkeypatch):
    monkeypatch.setenv("VLLM_API_KEY", SECRET)
    url = fake(mode="echo_key", api_key=SECRET)
    rc, report = verify(capsys, url)  # verify() asserts the secret is absent from stdout and stderr
    assert "<hidden>" in json.dumps(report)
    assert main(["verify", url]) in (0, 3)
    assert SECRET not in capsys.readouterr().out


def test_a_stream_that_stalls_is_detected_within_the_time_limit(fake, capsys):
    url = fake(mode="stall")
    started = time.monotonic()
    rc, report = verify(capsys, url, "--timeout", "20")
    assert time.monotonic() - started < 60  # generous: the limit is 20 s
    stalled = check(report, "degenerate_output")
    assert rc == 3 and not stalled["ok"] and "stopped sending" in stalled["evidence"]
    assert "hung" in stalled["cause"]
    assert all(not c["ok"] for c in report["checks"][3:])  # nothing after a stall is claimed to pass


def test_an_unreachable_server_exits_2(capsys):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rc, report = verify(capsys, f"http://127.0.0.1:{port}")
    assert rc == 2 and not report["checks"][0]["ok"] and len(report["checks"]) == 1


def test_a_slow_server_fails_speed_against_the_plan_and_a_fast_one_passes(fake, record_for, capsys):
    slow = fake(token_delay=0.02)  # at most 50 tokens/s, whatever the machine
    record_for(slow, performance={"decode_tokens_per_s_single": 1000.0,
                                  "ttft_ms": {"prompt_tokens": 2048, "ms": 200.0}})
    rc, report = verify(capsys, slow)
    speed = check(report, "speed")
    assert rc == 3 and not speed["ok"] and "slower" in speed["cause"] and "monitor" in speed["fix"]
    assert report["speed"]["predicted_decode_tokens_per_s"] == 1000.0 and report["speed"]["predicted_ttft_ms"] == 200.0
    fast = fake()
    record_for(fast, performance={"decode_tokens_per_s_single": 0.5})
    rc, report = verify(capsys, fast)
    assert rc == 0 and "(plan 0.5)" in check(report, "speed")["evidence"]


def test_a_gpu_prediction_is_not_compared_with_a_server_on_vllms_cpu_backend(fake, record_for, capsys):
    url = fake(token_delay=0.02)
    record_for(url, performance={"decode_tokens_per_s_single": 1000.0},
               log="INFO [cpu_worker.py:260] Auto set (4.18/23.54) GiB for KV cache on node 0, with 4.71 GiB "
                   "requested memory for the worker. 0.53 GiB memory was consumed by non-kv usages.\n")
    rc, report = verify(capsys, url)
    assert rc == 0 and "CPU backend" in check(report, "speed")["evidence"]


def test_a_model_the_plan_named_but_the_server_does_not_serve(fake, record_for, capsys):
    url = fake(model="other-model")
    record_for(url, model="fake-model")
    rc, report = verify(capsys, url)
    listed = check(report, "model_listed")
    assert rc == 3 and "other-model" in listed["evidence"] and "--model" in listed["fix"]
    rc, report = verify(capsys, url, "--model", "other-model")
    assert rc == 0 and check(report, "model_listed")["ok"]


@pytest.mark.parametrize("args, text", [
    (["ftp://host"], "only http://"),
    (["http://127.0.0.1:99999"], "port"),
    (["http://127.0.0.1:8000", "--api-key-env", "sk-live-abc"], "NAME of an environment variable"),
    (["http://127.0.0.1:8000", "--api-key-env", "UNSET_KEY_VAR"], "not set"),
    ([], "has not started a server"),
    (["http://127.0.0.1:8000", "--lang", "fr"], "en and zh_CN"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, args, text):
    try:
        rc = main(["verify", *args])
    except SystemExit as exc:  # argparse's own refusal (a bad --lang or --timeout value)
        rc = exc.code
    assert rc == 2
    err = capsys.readouterr().err
    assert text in err and "Traceback" not in err and "sk-live-abc" not in err
    assert len([line for line in err.strip().splitlines() if not line.startswith(("usage:", " "))]) == 1


def test_the_human_output_renders_in_chinese(fake, record_for, capsys):
    url = fake(mode="think_leak")
    record_for(url)
    assert main(["verify", url, "--lang", "zh_CN"]) == 3
    out = capsys.readouterr()
    assert "原因：" in out.out and "--reasoning-parser" in out.out and "发现 1 个问题" in out.err


def test_a_launch_whose_process_is_gone_does_not_describe_what_answers_now(fake, record_for, capsys):
    url = fake(max_model_len=2048)
    record_for(url, settings={"max_model_len": 4096, "tool_call_parser": "hermes"}, alive=False)
    rc, report = verify(capsys)  # the last launch's URL, but someone else's server
    assert rc == 0 and report["plan"] is None and "no plan" in check(report, "context_length")["evidence"]
