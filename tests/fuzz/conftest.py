"""Property-based fuzzing of each CLI entry point: whatever the input, exit 0, 2 or 3, never a
traceback, never a hang. In-process (wizard.cli.main) so many examples fit in a few seconds."""

from __future__ import annotations

import os
import socket

import pytest


@pytest.fixture(scope="module")
def fuzz_env(tmp_path_factory):
    """A private home, data and hub endpoints at a closed 127.0.0.1 port: no network, nothing shared."""
    work = tmp_path_factory.mktemp("fuzz")
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{closed.getsockname()[1]}"
    values = {"HOME": str(work / "home"), "VLLM_WIZARD_DATA_DIR": str(work / "data"),
              "VLLM_WIZARD_STATE_DIR": str(work / "state"), "VLLM_WIZARD_CACHE_DIR": str(work / "cache"),
              "HF_HOME": str(work / "hf"), "MODELSCOPE_CACHE": str(work / "ms"), "HF_ENDPOINT": dead,
              "MODELSCOPE_ENDPOINT": dead, "VLLM_WIZARD_FAKE_GPUS": "rtx4090-x1", "NO_PROXY": "*"}
    saved = {k: os.environ.get(k) for k in [*values, "HF_TOKEN"]}
    os.environ.update(values)
    os.environ.pop("HF_TOKEN", None)
    yield work
    closed.close()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
