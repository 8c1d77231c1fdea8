"""Exports that run where the wizard did not: the hub's variables, the checked vLLM's absolute path,
the planned GPUs for docker, and `plan`'s printed command bound to 127.0.0.1. The files are written
by the CLI and read back."""

from __future__ import annotations

import shlex

from support import run_cli

from wizard.launch.command import build_command
from wizard.launch.export import ExportContext, export_text
from wizard.launch.export.hub_env import hub_env

BASE = ["--vllm-version", "0.32.0"]


def test_hub_variables_for_each_source(tmp_path):
    env = {"HF_ENDPOINT": "https://hf-mirror.com/", "HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1",
           "MODELSCOPE_ENDPOINT": "https://ms.example", "MODELSCOPE_CACHE": str(tmp_path / "ms"), "HOME": "/home/u"}
    assert hub_env("hf", env) == {"HF_ENDPOINT": "https://hf-mirror.com", "HF_HOME": str(tmp_path / "hf"),
                                  "HF_HUB_OFFLINE": "1"}
    # The endpoint chosen in the app wins over the environment's; the cache is always absolute.
    chosen = hub_env("hf", {"HOME": "/home/u"}, hf_endpoint="https://hf-mirror.com")
    assert chosen == {"HF_ENDPOINT": "https://hf-mirror.com", "HF_HOME": "/home/u/.cache/huggingface"}
    assert hub_env("modelscope", env) == {"MODELSCOPE_ENDPOINT": "https://ms.example",
                                          "MODELSCOPE_CACHE": str(tmp_path / "ms"), "VLLM_USE_MODELSCOPE": "True"}
    assert "VLLM_USE_MODELSCOPE" not in hub_env("modelscope", env, model_is_path=True)
    assert hub_env("local", env) == {}


def test_every_format_keeps_the_hub_variables_containers_without_host_folders(l40s_plan):
    command = build_command(l40s_plan)
    hub = {"HF_ENDPOINT": "https://hf-mirror.com", "HF_HOME": "/data/hf", "HF_HUB_OFFLINE": "1"}
    ctx = ExportContext(vllm_version="0.32.0", hub_model=True, hub_env=hub)
    for fmt in ("env", "systemd", "script"):
        text = export_text(fmt, command, ctx)[0]
        assert "HF_ENDPOINT=https://hf-mirror.com" in text and "HF_HOME=/data/hf" in text, fmt
        assert "HF_HUB_OFFLINE=1" in text, fmt
    for fmt in ("docker", "compose", "k8s"):
        text = export_text(fmt, command, ctx)[0]
        assert "https://hf-mirror.com" in text and "/data/hf" not in text, fmt


def test_export_files_use_the_checked_vllm_and_the_planned_gpus(llama_folder, cli_env, fake_vllm, tmp_path):
    env = {**cli_env, "VLLM_WIZARD_VLLM_PYTHON": str(fake_vllm / "python"), "VLLM_WIZARD_FAKE_GPUS": "rtx3080-20gb-x2"}
    exe = str(fake_vllm / "vllm")
    written = {}
    for fmt in ("systemd", "script", "docker"):
        out = tmp_path / f"out-{fmt}"
        done = run_cli("export", str(llama_folder), *BASE, "--format", fmt, "--out", str(out), env=env)
        assert done.returncode == 0, done.stderr
        written[fmt] = out.read_text()
    exec_start = next(line for line in written["systemd"].splitlines() if line.startswith("ExecStart="))
    assert exec_start.startswith(f"ExecStart={exe} serve ")
    assert f"exec {shlex.quote(exe)} serve " in written["script"]
    words = shlex.split(written["docker"].split("set -euo pipefail\n", 1)[1].replace("\\\n", " "))
    gpus = words[words.index("--gpus") + 1]
    argv = shlex.split(exec_start.removeprefix("ExecStart="))
    tp = int(argv[argv.index("--tensor-parallel-size") + 1]) if "--tensor-parallel-size" in argv else 1
    assert gpus == '"device=' + ",".join(str(i) for i in range(tp)) + '"' and gpus != "all"


def test_catalog_gpus_are_counted_not_all(llama_folder, cli_env):
    done = run_cli("export", str(llama_folder), "--gpu", "L40S", "--gpu-count", "2", *BASE, "--format", "docker",
                   env=cli_env)
    assert done.returncode == 0, done.stderr
    words = shlex.split(done.stdout.split("set -euo pipefail\n", 1)[1].replace("\\\n", " "))
    assert words[words.index("--gpus") + 1] in {"1", "2"}


def test_plan_prints_the_command_bound_to_loopback(llama_folder, cli_env):
    done = run_cli("plan", str(llama_folder), "--gpu", "L40S", *BASE, env=cli_env)
    assert done.returncode == 0, done.stderr
    command = done.stdout.rsplit("Command\n", 1)[1].strip()
    argv = shlex.split(command)
    assert argv[:2] == ["vllm", "serve"] and argv[argv.index("--host") + 1] == "127.0.0.1"
