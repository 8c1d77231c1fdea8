"""Whatever a user pastes after `--`, `check` answers 0, 2 or 3: never a traceback, never a hang,
and never a secret echoed."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.cli import main
from wizard.releases.facts import release_facts

FLAGS = sorted(o for o in release_facts("0.20.0").flags if o.startswith("-"))[:400]
VALUES = st.sampled_from(["0", "1", "2", "-1", "0.95", "1.5", "8192", "32k", "auto", "fp8", "awq", "true", "false",
                          "", "qwen3", "{\"a\": 1}", "0.0.0.0", "\x00", "ß", "--", "-", "="])
SECRETS = st.sampled_from([["--api-key", "sk-SECRET-1"], ["--api-key=sk-SECRET-1"], ["--hf-token", "hf_SECRET"],
                           ["--api_key", "sk-SECRET-1"], ["--hf_token=hf_SECRET"]])
TOKEN = st.one_of(st.sampled_from(FLAGS).map(lambda f: [f]), VALUES.map(lambda v: [v]), st.text(max_size=12).map(
    lambda t: [t]), st.builds(lambda f, v: [f"{f}={v}"], st.sampled_from(FLAGS), VALUES), SECRETS)
PREFIX = st.sampled_from([["vllm", "serve"], ["python", "-m", "vllm.entrypoints.openai.api_server", "--model"],
                          ["API_KEY=sk-SECRET-1", "vllm", "serve"], [], ["vllm"], ["env", "A=1", "vllm", "serve"]])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(prefix=PREFIX, model=st.booleans(), tokens=st.lists(TOKEN, max_size=10), as_json=st.booleans())
def test_random_commands_exit_0_2_or_3(llama_folder, capsys, prefix, model, tokens, as_json):
    argv = [*prefix, *([str(llama_folder)] if model else []), *(t for group in tokens for t in group)]
    rc = main(["check", "--gpu", "L4", "--vllm-version", "0.20.0", *(["--json"] if as_json else []), "--", *argv])
    out = capsys.readouterr()
    assert rc in (0, 2, 3)
    assert "SECRET" not in out.out + out.err
    if rc == 2:
        assert out.err.startswith("vllm-wizard: ") and not out.out
    elif as_json:
        json.loads(out.out)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_random_yaml_configs_exit_0_2_or_3(llama_folder, capsys, tmp_path_factory, text):
    path = tmp_path_factory.mktemp("cfg") / "c.yaml"
    path.write_text(f"model: {llama_folder}\n" + text, encoding="utf-8", errors="replace")
    rc = main(["check", "--gpu", "L4", "--vllm-version", "0.20.0", "--config", str(path)])
    out = capsys.readouterr()
    assert rc in (0, 2, 3), out.err
