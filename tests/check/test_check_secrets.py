"""No secret written into a command or a YAML config comes back from `check`, in any output
(human English and Chinese, --json), wherever it sits: a secret flag, an env assignment, a token
inside a JSON-valued flag (`--hf-overrides '{"token": ...}'`), a proxy URL's password, an HF token
anywhere. Masked JSON stays valid JSON."""

from __future__ import annotations

import json

from contract_schemas import assert_valid
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from secret_strategies import COMMAND_SECRETS, SECRETS

from wizard.check.command import parse_command
from wizard.check.paste import read_paste
from wizard.check.flags import table_flags
from wizard.cli import main
from wizard.redact import MASK

L4 = ["--gpu", "L4", "--vllm-version", "0.20.0"]
MODES = (["--json"], ["--lang", "en"], ["--lang", "zh_CN"])


def run(capsys, *argv: str) -> tuple[int, str]:
    rc = main(["check", *argv])
    out = capsys.readouterr()
    return rc, out.out + out.err


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(placed=st.lists(COMMAND_SECRETS, min_size=1, max_size=3), mode=st.sampled_from(MODES))
def test_no_secret_survives_in_any_output(llama_folder, capsys, placed, mode):
    env = [w for e, _ in placed for w in e]
    flags = [w for _, f in placed for w in f]
    argv = [*env, "vllm", "serve", str(llama_folder), "--max-model-len", "8192", *flags]
    rc, out = run(capsys, *L4, *mode, "--", *argv)
    assert rc in (0, 3), out
    for word in env + flags:
        for secret in _secrets_in(word):
            assert secret not in out
    if mode == ["--json"]:
        json.loads(out)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(secret=SECRETS, mode=st.sampled_from(MODES))
def test_no_secret_survives_from_a_yaml_config(llama_folder, capsys, tmp_path_factory, secret, mode):
    config = tmp_path_factory.mktemp("cfg") / "serve.yaml"
    config.write_text(f"model: {llama_folder}\nmax-model-len: 8192\napi-key: {secret}\n"
                      f"hf-overrides:\n  token: {secret}\n  pad_token: '<pad>'\n"
                      f"model-loader-extra-config:\n  s3: {{password: {secret}}}\n", encoding="utf-8")
    rc, out = run(capsys, *L4, *mode, "--config", str(config))
    assert rc in (0, 3), out
    assert secret not in out


def _secrets_in(word: str) -> list[str]:
    """The generated secrets inside a word (they all start with Qz7)."""
    out = []
    start = word.find("Qz7")
    while start >= 0:
        end = start
        while end < len(word) and word[end].isalnum():
            end += 1
        out.append(word[start:end])
        start = word.find("Qz7", end)
    return out


def test_a_token_inside_hf_overrides_is_masked_kept_valid_json_and_a_finding(llama_folder, capsys):
    secret = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567"
    overrides = json.dumps({"token": secret, "pad_token": "<pad>", "eos_token_id": 2})
    argv = ["vllm", "serve", str(llama_folder), "--max-model-len", "8192", "--hf-overrides", overrides]
    parsed = parse_command(argv, table_flags("0.20.0"))
    shown = parsed.tokens[parsed.tokens.index("--hf-overrides") + 1]
    assert json.loads(shown) == {"token": MASK, "pad_token": "<pad>", "eos_token_id": 2}  # the rest as written
    assert parsed.secret_flags == ("--hf-overrides",) and secret not in repr(parsed)
    rc, out = run(capsys, *L4, "--json", "--", *argv)
    assert secret not in out
    data = json.loads(out)
    assert_valid("check", data)
    finding = next(f for f in data["findings"] if f["code"] == "secret_in_command" and f["flag"] == "--hf-overrides")
    assert "--hf-overrides" in finding["message"]
    rc, out = run(capsys, *L4, "--lang", "zh_CN", "--", *argv)
    assert secret not in out and "--hf-overrides 的值里带着密钥" in out


def test_json_flags_without_secrets_are_left_as_written():
    overrides = '{"rope_scaling": {"type": "yarn", "factor": 4.0}, "max_tokens": 100, "pad_token": "<pad>"}'
    parsed = parse_command(["vllm", "serve", "m", "--hf-overrides", overrides], table_flags("0.20.0"))
    assert parsed.tokens[-1] == overrides and parsed.secret_flags == ()
    assert parsed.last("hf_overrides").value == overrides and not parsed.last("hf_overrides").secret


def test_a_pasted_flag_holding_a_secret_is_left_out_with_a_note(llama_folder):
    secret = "Qz7PastedToken0001"
    paste = read_paste(f"vllm serve {llama_folder} --max-model-len 8192 --hf-overrides '{{\"token\": \"{secret}\"}}' "
                       "--served-model-name hf_Qz7NotAModelName0001AbCdEfGhIjKl", "0.20.0")
    assert "--hf-overrides" not in paste.extra_args and paste.served_model_name is None
    assert secret not in paste.shown + repr(paste)
    assert [n.key for n in paste.notes].count("secrets.note.flag_dropped") == 2


def test_json_nested_deeper_than_python_recurses_is_no_traceback(llama_folder, capsys):
    deep = '{"a": ' * 3000 + '"Qz7DeepSecret01"' + "}" * 3000
    rc, out = run(capsys, *L4, "--json", "--", "vllm", "serve", str(llama_folder), "--hf-overrides", deep)
    assert rc in (0, 2, 3) and "Traceback" not in out
