"""Endpoints, tokens and caches from flags and environment; secrets never printable; file selection rules."""

from __future__ import annotations

import pytest

from wizard.errors import InputError
from wizard.hub import errors as E
from wizard.hub.repo import RemoteFile, RemoteRepo
from wizard.hub.selection import select_files
from wizard.hub.settings import Secret, hf_settings, modelscope_settings
from wizard.model.resolve import parse_ref


def test_hf_endpoint_precedence_and_validation(tmp_path):
    env = {"HF_ENDPOINT": "https://hf-mirror.com/", "HF_HOME": str(tmp_path)}
    assert hf_settings(env=env).endpoint == "https://hf-mirror.com"
    assert hf_settings("http://127.0.0.1:8080", env=env).endpoint == "http://127.0.0.1:8080"
    assert hf_settings(env={"HF_HOME": str(tmp_path)}).endpoint == "https://huggingface.co"
    with pytest.raises(InputError, match="HF_ENDPOINT 'hf-mirror.com' is not an http"):
        hf_settings(env={"HF_ENDPOINT": "hf-mirror.com"})


def test_hf_token_sources(tmp_path):
    (tmp_path / "token").write_text("hf_stored_login_token\n")
    stored = hf_settings(env={"HF_HOME": str(tmp_path)})
    assert stored.token_value() == "hf_stored_login_token" and "stored login" in stored.token_origin
    env = hf_settings(env={"HF_HOME": str(tmp_path), "HF_TOKEN": "hf_from_env_token"})
    assert env.token_value() == "hf_from_env_token" and env.token_origin == "HF_TOKEN"
    none = hf_settings(env={"HF_HOME": str(tmp_path / "empty")})
    assert none.token is None and not none.has_token
    assert hf_settings(env={"HF_HOME": str(tmp_path), "HF_HUB_OFFLINE": "1"}).offline
    assert hf_settings(env={"HF_HUB_CACHE": "/x/y"}).cache_dir.as_posix() == "/x/y"


def test_modelscope_endpoint_and_token():
    assert modelscope_settings(env={}).endpoint == "https://www.modelscope.cn"
    assert modelscope_settings(env={"MODELSCOPE_DOMAIN": "modelscope.ai"}).endpoint == "https://modelscope.ai"
    s = modelscope_settings(env={"MODELSCOPE_ENDPOINT": "http://10.0.0.2:9000", "MODELSCOPE_API_TOKEN": "ms-secret-1"})
    assert s.endpoint == "http://10.0.0.2:9000" and s.token_value() == "ms-secret-1"
    assert modelscope_settings(env={"MODELSCOPE_CACHE": "/c"}).cache_dir.as_posix() == "/c"


def test_secrets_are_never_printable():
    s = hf_settings(env={"HF_TOKEN": "hf_supersecretvalue123", "HF_HOME": "/nonexistent"})
    for text in (repr(s), str(s), repr(s.token), f"{s.token}", str(s.__dict__)):
        assert "hf_supersecretvalue123" not in text
    assert Secret("abcd") == Secret("abcd")
    leaked = "401 for https://x?token=hf_supersecretvalue123 Authorization: Bearer hf_supersecretvalue123"
    assert "supersecret" not in E.redact(leaked)
    assert "m_session_id=***" in E.redact("Cookie: m_session_id=abcdef123")


@pytest.mark.parametrize("text,expected", [
    ("org/name", ("hf", "org/name")), ("hf:org/name", ("hf", "org/name")), ("ms:qwen/Qwen2.5-7B", ("modelscope", "qwen/Qwen2.5-7B")),
])
def test_parse_ref(text, expected):
    ref = parse_ref(text)
    assert (ref.source, ref.id) == expected


@pytest.mark.parametrize("text", ["org/../x", "a/b/c", "ms:", "hf:org/", " org/x"])
def test_parse_ref_rejects(text):
    if text == " org/x":
        assert parse_ref(text).id == "org/x"  # surrounding spaces are trimmed
        return
    with pytest.raises(InputError):
        parse_ref(text)


def repo(*files: tuple[str, int]) -> RemoteRepo:
    return RemoteRepo("hf", "org/m", "main", "c" * 40, tuple(RemoteFile(p, s) for p, s in files), "http://x")


def test_selection_keeps_what_vllm_loads():
    r = repo(("config.json", 1), ("model.safetensors.index.json", 1), ("model-00001-of-00002.safetensors", 10),
             ("model-00002-of-00002.safetensors", 10), ("consolidated.safetensors", 20), ("original/params.json", 1),
             ("original/consolidated.00.pth", 20), ("tokenizer.model", 2), ("modeling_x.py", 1), ("README.md", 1),
             ("pytorch_model.bin", 20), ("model.gguf", 5), ("chat_template.jinja", 1), ("merges.txt", 1),
             ("consolidated.safetensors.index.json", 1))
    chosen = select_files(r, ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])
    assert {f.path for f in chosen.files} == {
        "config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors", "tokenizer.model", "modeling_x.py", "chat_template.jinja", "merges.txt"}
    assert chosen.files[0].path == "chat_template.jinja"  # small files first
    assert any(s.startswith("original/ (2 files") for s in chosen.skipped)


def test_selection_of_bin_checkpoints_and_gguf_only_repos():
    r = repo(("config.json", 1), ("pytorch_model.bin", 10), ("training_args.bin", 1), ("original/x.pth", 3))
    chosen = select_files(r, ["pytorch_model.bin", "training_args.bin"])
    assert {f.path for f in chosen.files} == {"config.json", "pytorch_model.bin"}
    with pytest.raises(E.HubError, match="only GGUF"):
        select_files(repo(("config.json", 1), ("m-Q4_K_M.gguf", 9)), [])
    with pytest.raises(E.HubError, match="index names model-2.safetensors"):
        select_files(repo(("config.json", 1), ("model-1.safetensors", 1), ("model.safetensors.index.json", 1)),
                     ["model-1.safetensors", "model-2.safetensors"])


@pytest.mark.parametrize("weight", ["../evil.safetensors", "/etc/evil.safetensors", "a\\b.safetensors"])
def test_selection_refuses_paths_that_leave_the_folder(weight):
    # weight names come from the repo's index, which is as untrusted as the listing
    with pytest.raises(E.HubError, match="outside the model folder"):
        select_files(repo(("config.json", 1), (weight, 1)), [weight])
    with pytest.raises(E.HubError, match="outside the model folder"):
        select_files(repo(("config.json", 1), ("model.safetensors", 1), ("x\\..\\y.json", 1)), ["model.safetensors"])
