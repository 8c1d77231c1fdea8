"""A hub model's exports keep the hub the wizard used (endpoint, cache, offline switch, ModelScope),
read back from the files the CLI writes against the fake hub."""

from __future__ import annotations

import shlex
import stat

from support import run_cli


def _systemd_env(text: str) -> dict[str, str]:
    pairs = [shlex.split(line.removeprefix("Environment="))[0] for line in text.splitlines()
             if line.startswith("Environment=")]
    return dict(p.split("=", 1) for p in pairs)


def test_hugging_face_model_exports_keep_endpoint_and_cache(hub, hub_env, tmp_path):
    env = {**hub_env, "MY_KEY": "sk-hub-export-1"}
    base = ["export", "org/tiny", "--gpu", "L4", "--vllm-version", "0.32.0", "--host", "0.0.0.0",
            "--api-key-env", "MY_KEY"]
    unit, env_file = tmp_path / "t.service", tmp_path / "t.env"
    assert run_cli(*base, "--format", "systemd", "--out", str(unit), env=env).returncode == 0
    done = run_cli(*base, "--format", "env", "--out", str(env_file), env=env)
    assert done.returncode == 0, done.stderr
    values = _systemd_env(unit.read_text())
    assert values["HF_ENDPOINT"] == hub.url.rstrip("/") and values["HF_HOME"] == hub_env["HF_HOME"]
    lines = env_file.read_text().splitlines()
    assert f"HF_ENDPOINT={hub.url.rstrip('/')}" in lines and f"HF_HOME={hub_env['HF_HOME']}" in lines
    assert "VLLM_API_KEY=sk-hub-export-1" in lines and stat.S_IMODE(env_file.stat().st_mode) == 0o600
    docker = run_cli(*base, "--format", "docker", env=env).stdout
    assert f"HF_ENDPOINT={hub.url.rstrip('/')}" in docker and f"HF_HOME={hub_env['HF_HOME']}" not in docker


def test_modelscope_model_exports_tell_vllm_to_use_modelscope(hub, hub_env, tmp_path):
    out = tmp_path / "ms.sh"
    done = run_cli("export", "ms:org/tiny", "--gpu", "L4", "--vllm-version", "0.32.0", "--format", "script",
                   "--out", str(out), env=hub_env)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert "export VLLM_USE_MODELSCOPE=True" in text
    assert f"export MODELSCOPE_ENDPOINT={shlex.quote(hub_env['MODELSCOPE_ENDPOINT'])}" in text
    assert f"export MODELSCOPE_CACHE={shlex.quote(hub_env['MODELSCOPE_CACHE'])}" in text
