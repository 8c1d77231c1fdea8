"""wizard.redact: the one answer to "is this a secret, and how is it masked" (used by check, doctor,
the app's paste path and the hub)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wizard.redact import MASK, mask_json, mask_text, mask_word, register, secret_name, secret_value

SECRET = "Qz7secretVALUE123"


@pytest.mark.parametrize("text", [
    f"--api-key {SECRET}", f"--api-key={SECRET}", f"--api_key {SECRET}", f"--hf-token {SECRET}",
    f"VLLM_API_KEY={SECRET}", f"HF_TOKEN={SECRET}", f"HUGGING_FACE_HUB_TOKEN={SECRET}",
    f"MODELSCOPE_API_TOKEN={SECRET}", f"MODELSCOPE_TOKEN={SECRET}", f"OPENAI_API_KEY={SECRET}",
    f"MY_APP_TOKEN={SECRET}", f"S3_KEY={SECRET}", f"CLIENT_SECRET_X={SECRET}", f"PG_PASSWORD={SECRET}",
    f"export HF_TOKEN='{SECRET}'", f'OPENAI_API_KEY="{SECRET}"',
    f"Authorization: Bearer {SECRET}", f"curl -H 'Authorization: Bearer {SECRET}' http://h/v1", f"bearer {SECRET}",
    f"http_proxy=http://alice:{SECRET}@proxy:3128", f"pip install --index-url https://u:{SECRET}@pypi.corp/simple",
    f"token hf_{SECRET}AbCdEfGhIjKlMnO in the middle", f"sk-{SECRET}abcdef", f"ms-{SECRET}-aaaa-bbbb",
    f"args: Namespace(api_key=['k1-{SECRET}', '{SECRET}'], port=1)",
    f"non-default args: {{'api_key': '{SECRET}', 'hf_overrides': {{'token': '{SECRET}'}}}}",
    f"vllm serve m --api-key k1 {SECRET} --port 8000",
    f'--hf-overrides \'{{"token": "{SECRET}"}}\'',
    f'--kv-transfer-config {{"kv_connector":"X","kv_connector_extra_config":{{"secret_key":"{SECRET}"}}}}',
])
def test_secrets_are_masked_in_free_text(text):
    shown = mask_text(text)
    assert SECRET not in shown and MASK in shown


@pytest.mark.parametrize("text", [
    "vllm serve hf_overrides --max-num-batched-tokens 8192 --tokenizer t --ssl-keyfile k.pem",
    "vllm serve /data/hf_cache2024/Qwen3-8B /data/hf_Models/Llama",
    "api_key=None hf_token=<set> pad_token='<pad>' eos_token=2 key_cache_size=3",
    "INFO 05-16 [gpu.py:1] # GPU blocks: 7146, # CPU blocks: 2048",
    "the max tokens: 4096 and max_num_batched_tokens=8192",
])
def test_ordinary_words_are_left_as_written(text):
    assert mask_text(text) == text


def test_json_stays_valid_and_keeps_what_is_not_secret():
    value = {"token": SECRET, "pad_token": "<pad>", "eos_token_id": 2, "rope_scaling": {"factor": 4.0},
             "deep": [{"password": SECRET, "name": "x"}, {"api_key": [SECRET, SECRET]}], "url": f"http://u:{SECRET}@h"}
    shown = mask_json(json.dumps(value))
    data = json.loads(shown)
    assert SECRET not in shown
    assert data["token"] == MASK and data["pad_token"] == "<pad>" and data["eos_token_id"] == 2
    assert data["deep"][0] == {"password": MASK, "name": "x"} and data["deep"][1] == {"api_key": [MASK, MASK]}
    assert data["rope_scaling"] == {"factor": 4.0} and data["url"] == f"http://u:{MASK}@h"
    plain = '{"rope_scaling": {"type": "yarn"}}'
    assert mask_json(plain) is plain  # no secret: the text as written


def test_words_of_a_command():
    assert mask_word(f"--api-key={SECRET}") == f"--api-key={MASK}"
    assert mask_word(f'--hf-overrides={{"token": "{SECRET}"}}') == f'--hf-overrides={{"token": "{MASK}"}}'
    assert mask_word("CUDA_VISIBLE_DEVICES=0,1") == "CUDA_VISIBLE_DEVICES=0,1"
    assert mask_word("--max-num-batched-tokens=8192") == "--max-num-batched-tokens=8192"


def test_names():
    assert all(secret_name(n) for n in ("api_key", "--api-key", "HF_TOKEN", "hf-token", "token", "DB_PASSWORD",
                                        "client_secret", "Authorization", "m_session_id"))
    assert not any(secret_name(n) for n in ("tokenizer", "max_num_batched_tokens", "ssl_keyfile", "hf_overrides",
                                            "kv_transfer_config", "author"))
    assert secret_value("api_key", "1234") and not secret_value("api_key", "None")
    assert not secret_value("pad_token", "<pad>") and not secret_value("eos_token", "2")


def test_a_registered_secret_is_masked_wherever_it_is_echoed():
    register("plain-words-token-77")
    assert "plain-words-token-77" not in mask_text("server said: bad value plain-words-token-77 (401)")


@given(st.text(max_size=300))
def test_any_text_is_masked_without_error_and_masking_is_stable(text):
    once = mask_text(text)
    assert mask_text(once) == once


def test_json_nested_deeper_than_python_recurses_is_masked_as_text():
    deep = '{"token": ' * 5000 + f'"{SECRET}"' + "}" * 5000
    shown = mask_word(deep)
    assert SECRET not in shown


def test_long_hostile_text_is_masked_without_error():
    for text in ("a=" * 50000, "token=" * 20000, "-a " * 50000, 'api_key="' + "x" * 100000, "hf_" + "A" * 100000):
        assert isinstance(mask_text(text), str)


def test_a_name_that_points_at_a_secret_is_not_one():
    # The wizard's own fix texts name the variable: `--api-key-env NAME` must read as written.
    assert mask_text("name the variable with --api-key-env NAME.") == "name the variable with --api-key-env NAME."
    assert mask_text("API_KEY_ENV=MY_KEY token_file=/run/secrets/t") == "API_KEY_ENV=MY_KEY token_file=/run/secrets/t"
    assert "s3cr3t-value" not in mask_text("--api-key s3cr3t-value --api-key-env MY_KEY")
