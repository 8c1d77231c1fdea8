"""`inspect`, `download` and `plan` with hub ids, in subprocesses: output forms, one-line errors with
exit 2, and the token never shown anywhere."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fakehub import GOOD_TOKEN

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wizard", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=ROOT)


def one_line_error(out: subprocess.CompletedProcess, *needles: str) -> str:
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vllm-wizard: "), out.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_inspect_hub_id_as_json_with_an_endpoint_flag(hub, hub_env):
    env = {k: v for k, v in hub_env.items() if k != "HF_ENDPOINT"}
    out = cli("inspect", "meta/Llama-70B", "--hf-endpoint", hub.url, "--json", env=env)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["source"] == "hf" and doc["weights"]["shard_count"] == 30 and doc["path"] is None
    human = cli("inspect", "ms:meta/Llama-70B", env=hub_env)
    assert human.returncode == 0 and "LlamaForCausalLM" in human.stdout and "without downloading" in human.stdout


def test_download_prints_the_folder_and_progress(hub, hub_env, tmp_path):
    out = cli("download", "org/tiny", "--local-dir", str(tmp_path / "tiny"), env=hub_env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(tmp_path / "tiny")
    assert "7 files" in out.stderr and "skipping original/" in out.stderr and "[####" in out.stderr
    assert (tmp_path / "tiny" / "model-00002-of-00002.safetensors").is_file()
    dry = cli("download", "org/tiny", "--dry-run", env=hub_env)
    assert dry.returncode == 0 and dry.stdout.strip().endswith(hub.repos["org/tiny"].commit)


def test_plan_accepts_hub_ids(hub, hub_env):
    for model, source in (("org/tiny", "hf"), ("hf:org/tiny", "hf"), ("ms:org/tiny", "modelscope")):
        out = cli("plan", model, "--gpu", "L4", "--json", env=hub_env)
        assert out.returncode in (0, 3), out.stderr
        doc = json.loads(out.stdout)
        assert doc["model"]["source"] == source and doc["model"]["architecture"] == "LlamaForCausalLM"


@pytest.mark.parametrize("args,needles", [
    (("inspect", "org/nope"), ("org/nope: no such model", "HF_TOKEN")),
    (("inspect", "org/tiny", "--revision", "v9"), ("no revision 'v9'",)),
    (("download", "org/gated"), ("org/gated is gated",)),
    (("inspect", "org/tiny", "--hf-endpoint", "ftp://x"), ("--hf-endpoint 'ftp://x' is not an http(s) URL",)),
    (("inspect", "org/tiny", "--hf-endpoint", "http://127.0.0.1:9"), ("cannot reach http://127.0.0.1:9",)),
    (("download", "meta/Llama-70B", "--local-dir", "/dev/shm/x"), ("more on", "free")),
    (("plan", "org/nope", "--gpu", "L4"), ("no such model",)),
])
def test_errors_are_one_line_exit_2(hub, hub_env, args, needles):
    if args[0] == "download" and args[1] == "meta/Llama-70B":
        import shutil

        if shutil.disk_usage("/dev/shm").free > 131 << 30:
            pytest.skip("/dev/shm is big enough for the 70B repo here")
    one_line_error(cli(*args, env=hub_env), *needles)


def test_ctrl_c_stops_the_download_and_the_same_command_resumes(hub, hub_env):
    import signal
    import time

    hub.throttle = 300_000
    cmd = [sys.executable, "-m", "wizard", "download", "org/tiny", "--workers", "1"]
    proc = subprocess.Popen(cmd, env=hub_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    blobs = Path(hub_env["HF_HOME"]) / "hub" / "models--org--tiny" / "blobs"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(p.stat().st_size > 30_000 for p in blobs.glob("*.incomplete")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends to the foreground process
    stdout, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 130 and stdout == "" and "Traceback" not in stderr
    assert "interrupted; run the same command again to resume" in stderr.strip().splitlines()[-1]
    partial = {p: p.stat().st_size for p in blobs.glob("*.incomplete")}
    time.sleep(0.6)
    assert partial and partial == {p: p.stat().st_size for p in blobs.glob("*.incomplete")}  # the worker is gone
    hub.throttle = None
    out = cli(*cmd[3:], env=hub_env)
    assert out.returncode == 0 and Path(out.stdout.strip(), "model-00001-of-00002.safetensors").is_file()


def test_offline_plan_of_an_uncached_model(hub, hub_env):
    env = {**hub_env, "HF_HUB_OFFLINE": "1"}
    one_line_error(cli("plan", "org/tiny", "--gpu", "L4", env=env), "HF_HUB_OFFLINE=1", "not in the Hugging Face cache")


def test_the_token_never_appears_in_output(hub, hub_env, tmp_path):
    env = {**hub_env, "HF_TOKEN": GOOD_TOKEN}
    outs = [
        cli("inspect", "org/gated", "--json", env=env),
        cli("download", "org/gated", "--local-dir", str(tmp_path / "g"), env=env),
        cli("plan", "org/gated", "--gpu", "L4", "--json", env=env),
        cli("inspect", "org/private", env={**env, "HF_TOKEN": "hf_wrongwrongwrongwrong"}),
    ]
    assert [o.returncode for o in outs][:2] == [0, 0] and outs[2].returncode in (0, 3) and outs[3].returncode == 2
    for out in outs:
        assert GOOD_TOKEN not in out.stdout + out.stderr
        assert "hf_wrongwrongwrongwrong" not in out.stdout + out.stderr
    assert "HF_TOKEN" in outs[3].stderr
    for path in (tmp_path / "g").rglob("*"):
        if path.is_file() and path.stat().st_size < 1 << 20:
            assert GOOD_TOKEN.encode() not in path.read_bytes()
