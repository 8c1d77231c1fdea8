"""Fixtures shared across test areas: model folders on disk and a clean CLI environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support import LLAMA31_8B_CONFIG, LLAMA_TOKENIZER_CONFIG, ROOT, make_model_folder  # noqa: E402


@pytest.fixture(scope="session")
def llama_folder(tmp_path_factory) -> Path:
    """Llama-3.1-8B-Instruct as it is on disk: config, tokenizer config, 4 sparse shards."""
    return make_model_folder(tmp_path_factory.mktemp("models") / "Llama-3.1-8B-Instruct", LLAMA31_8B_CONFIG,
                             extra={"tokenizer_config.json": LLAMA_TOKENIZER_CONFIG, "tokenizer.json": "{}"})


@pytest.fixture
def cli_env(monkeypatch) -> dict:
    """Environment for running the CLI in a subprocess with fake GPUs and no network."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VLLM_WIZARD_", "CUDA_VISIBLE"))}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["HF_HUB_OFFLINE"] = "1"
    return env


