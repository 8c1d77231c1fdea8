"""Secrets the way people write them into commands, configs and logs (hypothesis strategies), shared by
the tests that assert none survives in what the wizard shows (check, doctor, the app's paste path)."""

from __future__ import annotations

import json
import shlex

from hypothesis import strategies as st

# Letters and digits with a distinctive start, so a secret never occurs in the output by chance.
SECRETS = st.from_regex(r"Qz7[A-Za-z0-9]{10,24}", fullmatch=True)

ENV_NAMES = ("VLLM_API_KEY", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "MODELSCOPE_API_TOKEN", "MODELSCOPE_TOKEN",
             "OPENAI_API_KEY", "MY_SERVICE_TOKEN", "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "ANTHROPIC_API_KEY")


def hf_token(secret: str) -> str:
    """A Hugging Face token's shape (hf_ and 34 letters and digits) around `secret`."""
    return ("hf_" + secret + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789")[:37]


def env_words(name: str, secret: str) -> list[str]:
    return [f"{name}={secret}"]


def flag_words(form: int, secret: str) -> list[str]:
    """A secret in the flags of a `vllm serve` command, in one of the spellings people use."""
    forms = (
        ["--api-key", secret], [f"--api-key={secret}"], ["--api_key", secret], ["--hf-token", secret],
        [f"--hf-token={secret}"], ["--api-key", "first-key-0001", secret],
        ["--hf-overrides", json.dumps({"token": secret})],
        [f"--hf-overrides={json.dumps({'hf_token': secret})}"],
        ["--hf-overrides", json.dumps({"text_config": {"api_key": secret}, "pad_token": "<pad>"})],
        ["--model-loader-extra-config", json.dumps({"s3": {"password": secret, "region": "us-east-1"}})],
        ["--kv-transfer-config", json.dumps({"kv_connector": "LMCacheConnectorV1", "kv_role": "kv_both",
                                             "kv_connector_extra_config": {"remote_secret": secret}})],
        ["--served-model-name", hf_token(secret)],
    )
    return list(forms[form % len(forms)])


FLAG_FORMS = 12

# One secret, placed in a command: (env words, flag words).
COMMAND_SECRETS = st.one_of(
    st.builds(lambda n, s: (env_words(n, s), []), st.sampled_from(ENV_NAMES), SECRETS),
    st.builds(lambda s: ([f"https_proxy=http://alice:{s}@proxy.corp:3128"], []), SECRETS),
    st.builds(lambda s: ([f"MY_VAR={hf_token(s)}"], []), SECRETS),
    st.builds(lambda f, s: ([], flag_words(f, s)), st.integers(0, FLAG_FORMS - 1), SECRETS),
)


def log_lines(secret: str) -> list[str]:
    """Log lines carrying `secret`, as vLLM, a shell or a proxy prints them."""
    return [
        f"INFO 05-16 23:06:07 [utils.py:326] non-default args: {{'model': 'm', 'api_key': ['{secret}'], "
        f"'hf_overrides': {{'token': '{secret}'}}}}",
        f"INFO 05-16 23:06:07 api_server.py:1044] args: Namespace(host='0.0.0.0', api_key='{secret}', port=6333)",
        f"curl -H 'Authorization: Bearer {secret}' http://127.0.0.1:8000/v1/models",
        f"Authorization: Bearer {secret}",
        f"export HF_TOKEN={secret}",
        f"https_proxy=http://alice:{secret}@proxy.corp:3128 vllm serve m",
        f"downloading with {hf_token(secret)}",
        f"MODELSCOPE_API_TOKEN='{secret}' OPENAI_API_KEY=\"{secret}\"",
    ]


def unknown_argument_line(flags: list[str]) -> str:
    """argparse's refusal, which quotes the refused words (vllm/entrypoints/openai/cli_args.py via argparse)."""
    return "vllm serve: error: unrecognized arguments: " + shlex.join(["--no-such-flag", *flags])
