"""Fixtures for the hub tests: one fake hub per module, seeded repos, isolated caches and settings.

Nothing here touches the internet: every client is pointed at the fake hub on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fakehub import GOOD_TOKEN, MS_GOOD_TOKEN, FakeHub  # noqa: E402

from wizard.hub.settings import HubSettings, hf_settings, modelscope_settings  # noqa: E402
from wizard.model.synthetic import encode_header  # noqa: E402

LLAMA_70B = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8192, "num_hidden_layers": 80,
    "num_attention_heads": 64, "num_key_value_heads": 8, "intermediate_size": 28672, "vocab_size": 128256,
    "max_position_embeddings": 131072, "torch_dtype": "bfloat16", "tie_word_embeddings": False,
    "rope_theta": 500000.0,
}
TINY = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 256, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 512, "vocab_size": 1024,
    "max_position_embeddings": 4096, "torch_dtype": "bfloat16",
}
TOKENIZER_CONFIG = {"model_max_length": 4096, "chat_template": "{% for m in messages %}{{ m.content }}{% endfor %}"}


def safetensors_bytes(tensors: dict[str, list[int]], seed: str) -> bytes:
    """A real (non-sparse) BF16 safetensors file: deterministic pseudo-random data."""
    head, size = encode_header({name: ("BF16", shape) for name, shape in tensors.items()})
    data = bytearray()
    block = hashlib.sha256(seed.encode()).digest()
    while len(data) < size:
        block = hashlib.sha256(block).digest()
        data += block * 64
    return head + bytes(data[:size])


def tiny_repo_files(shard_kib: int = 512) -> dict[str, bytes]:
    """A two-shard Llama-shaped repo with real bytes, plus the files a download must skip."""
    rows = max(1, shard_kib * 1024 // (256 * 2) // 2)
    shards = {
        "model-00001-of-00002.safetensors": {"model.embed_tokens.weight": [rows, 256],
                                             "model.layers.0.mlp.up_proj.weight": [rows, 256]},
        "model-00002-of-00002.safetensors": {"lm_head.weight": [rows, 256],
                                             "model.layers.1.mlp.up_proj.weight": [rows, 256]},
    }
    files = {name: safetensors_bytes(tensors, name) for name, tensors in shards.items()}
    weight_map = {t: name for name, tensors in shards.items() for t in tensors}
    files["model.safetensors.index.json"] = json.dumps({"metadata": {}, "weight_map": weight_map}).encode()
    files["config.json"] = json.dumps(TINY).encode()
    files["tokenizer_config.json"] = json.dumps(TOKENIZER_CONFIG).encode()
    files["tokenizer.json"] = b'{"version": "1.0"}'
    files["generation_config.json"] = b'{"temperature": 0.6, "top_p": 0.9}'
    files["README.md"] = b"# tiny\n"
    files["consolidated.safetensors"] = safetensors_bytes({"tok_embeddings.weight": [64, 256]}, "c")
    files["original/consolidated.00.pth"] = b"\0" * 4096
    return files


def header_bytes(header: bytes, *, length: int | None = None, data: bytes = b"\0" * 64) -> bytes:
    return struct.pack("<Q", len(header) if length is None else length) + header + data


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> FakeHub:
    """A running fake hub with the repos every test module uses."""
    from support import make_model_folder

    fake = FakeHub().start()
    base = tmp_path_factory.mktemp("fakehub")
    llama = make_model_folder(base / "Llama-70B", LLAMA_70B, shards=30,
                              extra={"tokenizer_config.json": TOKENIZER_CONFIG, "tokenizer.json": "{}"})
    fake.add_folder("meta/Llama-70B", llama)
    fake.add_repo("org/tiny", tiny_repo_files())
    fake.add_repo("org/gated", tiny_repo_files(), gated=True)
    fake.add_repo("org/private", tiny_repo_files(), private=True)
    fake.add_repo("org/tagged", tiny_repo_files(), branches={"v1.0": "a" * 40})
    good = tiny_repo_files(64)
    bad = {
        "truncated": b"\x10\x00\x00",
        "absurd": header_bytes(b"{}", length=1 << 40),
        "notjson": header_bytes(b"{this is not json}     "),
        "pastend": header_bytes(b"{}", length=4096, data=b""),
    }
    for case, shard in bad.items():
        files = {k: v for k, v in good.items() if k != "model-00002-of-00002.safetensors"}
        files["model-00002-of-00002.safetensors"] = shard
        fake.add_repo(f"corrupt/{case}", files)
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def _reset_faults(request) -> None:
    yield
    if "hub" in request.fixturenames:
        request.getfixturevalue("hub").clear_faults()


@pytest.fixture
def hf(hub, tmp_path) -> HubSettings:
    """Hugging Face settings pointing at the fake hub, no token, an empty cache."""
    return hf_settings(hub.url, env={"HF_HOME": str(tmp_path / "hf-home")})


@pytest.fixture
def hf_token(hub, tmp_path) -> HubSettings:
    return hf_settings(hub.url, env={"HF_HOME": str(tmp_path / "hf-home"), "HF_TOKEN": GOOD_TOKEN})


@pytest.fixture
def ms(hub, tmp_path) -> HubSettings:
    return modelscope_settings(None, env={"MODELSCOPE_ENDPOINT": hub.url, "MODELSCOPE_CACHE": str(tmp_path / "ms")})


@pytest.fixture
def ms_token(hub, tmp_path) -> HubSettings:
    return modelscope_settings(None, env={"MODELSCOPE_ENDPOINT": hub.url, "MODELSCOPE_CACHE": str(tmp_path / "ms"),
                                          "MODELSCOPE_API_TOKEN": MS_GOOD_TOKEN})


@pytest.fixture
def hub_env(hub, tmp_path, monkeypatch) -> dict[str, str]:
    """os.environ (and a copy for subprocesses) pointing both hubs at the fake, with empty caches."""
    values = {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf-home"), "MODELSCOPE_ENDPOINT": hub.url,
              "MODELSCOPE_CACHE": str(tmp_path / "ms"), "HF_HUB_DISABLE_TELEMETRY": "1"}
    for key in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "MODELSCOPE_API_TOKEN", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE",
                "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN_PATH"):
        monkeypatch.delenv(key, raising=False)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return env
