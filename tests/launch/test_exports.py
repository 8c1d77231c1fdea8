"""Exports: every format is well formed, keeps the plan's flags, and never leaks the API key."""

import os
import shlex
import stat
import subprocess

import pytest
import yaml

from wizard.errors import InputError
from wizard.launch.command import build_command
from wizard.launch.export import FORMATS, ExportContext, export_text, render_yaml, write_export
from wizard.launch.options import LaunchOptions

SECRET = "sk-export-secret-42"


@pytest.fixture
def command(l40s_plan):
    return build_command(l40s_plan, LaunchOptions(host="0.0.0.0", port=8123, api_key=SECRET, served_model_name="llama"))


@pytest.fixture
def ctx(l40s_plan):
    return ExportContext(vllm_version="0.32.0", gpu_indices=(0, 1), gpu_count=1, name="vllm-llama")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_no_format_leaks_the_key_unless_asked(command, ctx, fmt):
    text, secret = export_text(fmt, command, ctx)
    assert SECRET not in text and not secret
    assert "VLLM_API_KEY" in text  # every format says where the key comes from


def test_env_file_holds_the_key_only_when_written(command, ctx):
    text, secret = export_text("env", command, ctx, include_secrets=True)
    assert secret and f"VLLM_API_KEY={SECRET}" in text


def test_yaml_is_what_vllm_serve_config_reads(command, l40s_plan):
    data = yaml.safe_load(render_yaml(command))
    argv = list(l40s_plan.argv)
    assert data["model"] == argv[2]
    assert data["host"] == "0.0.0.0" and data["port"] == 8123 and data["served-model-name"] == "llama"
    assert data["max-model-len"] == int(argv[argv.index("--max-model-len") + 1])
    assert data["gpu-memory-utilization"] == float(argv[argv.index("--gpu-memory-utilization") + 1])


def test_yaml_switches_become_booleans(l40s_plan):
    from dataclasses import replace

    cmd = replace(build_command(l40s_plan), argv=(*build_command(l40s_plan).argv, "--enforce-eager",
                                                  "--no-enable-prefix-caching", "--served-model-name", "on"))
    data = yaml.safe_load(render_yaml(cmd))
    assert data["enforce-eager"] is True and data["enable-prefix-caching"] is False
    assert data["served-model-name"] == "on"  # quoted: a bare `on` would read as true


def test_systemd_unit_survives_slow_start_and_restarts(command, ctx):
    text = FORMATS["systemd"].render(command, ctx)
    values = dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))
    assert int(values["TimeoutStartSec"]) >= 900 and values["Restart"] == "on-failure"
    assert values["KillSignal"] == "SIGINT" and values["CacheDirectory"] == "vllm"
    assert "VLLM_CACHE_ROOT=%C/vllm" in text and values["EnvironmentFile"].endswith("vllm-llama.env")
    assert values["ExecStart"].startswith("/usr/bin/env vllm serve ") and "--max-model-len" in values["ExecStart"]


def test_systemd_quotes_what_systemd_would_expand():
    from wizard.launch.export.host import systemd_quote

    assert systemd_quote("--port") == "--port"
    assert systemd_quote("50%") == "50%%"
    assert systemd_quote('{"a": 1}') == '"{\\"a\\": 1}"'
    assert systemd_quote("$HOME") == "$$HOME"


def test_docker_run_keeps_exposure_gpus_and_passes_the_key_by_name(command, ctx, l40s_plan):
    text = FORMATS["docker"].render(command, ctx)
    assert subprocess.run(["bash", "-n"], input=text, text=True).returncode == 0
    words = shlex.split(text.split("set -euo pipefail\n", 1)[1].replace("\\\n", " "))
    words = [w for w in words if not w.startswith(":")]
    assert words[words.index("--gpus") + 1] == '"device=0,1"' and "--ipc=host" in words
    assert words[words.index("-p") + 1] == "0.0.0.0:8123:8123"
    assert words[words.index("-e") + 1] == "VLLM_API_KEY"
    assert words[words.index("--entrypoint") + 1:][:3] == ["vllm", "vllm/vllm-openai:v0.32.0", "serve"]
    assert str(l40s_plan.argv[2]) + ":" + str(l40s_plan.argv[2]) + ":ro" in words


def test_docker_publishes_on_loopback_when_the_plan_is_local(l40s_plan, ctx):
    text = FORMATS["docker"].render(build_command(l40s_plan), ctx)
    assert "127.0.0.1:8000:8000" in text and "--host 0.0.0.0" in text  # inside: all; outside: loopback only


def test_compose_parses_and_waits_long_enough(command, ctx):
    data = yaml.safe_load(FORMATS["compose"].render(command, ctx))
    svc = data["services"]["vllm-llama"]
    assert svc["ipc"] == "host" and svc["entrypoint"] == ["vllm"] and svc["command"][0] == "serve"
    assert svc["environment"]["VLLM_API_KEY"].startswith("${VLLM_API_KEY:?")
    assert svc["deploy"]["resources"]["reservations"]["devices"][0]["device_ids"] == ["0", "1"]
    assert int(svc["healthcheck"]["start_period"].rstrip("s")) >= 900


def test_k8s_deployment_and_service(command, ctx):
    docs = list(yaml.safe_load_all(FORMATS["k8s"].render(command, ctx)))
    deploy, service = docs
    assert deploy["kind"] == "Deployment" and service["kind"] == "Service"
    c = deploy["spec"]["template"]["spec"]["containers"][0]
    assert c["resources"]["limits"]["nvidia.com/gpu"] == 1
    key = next(e for e in c["env"] if e["name"] == "VLLM_API_KEY")
    assert key["valueFrom"]["secretKeyRef"]["name"] == "vllm-llama-secrets"
    assert c["startupProbe"]["failureThreshold"] * c["startupProbe"]["periodSeconds"] >= 900
    assert {"name": "shm", "mountPath": "/dev/shm"} in c["volumeMounts"]
    assert service["spec"]["ports"][0]["port"] == 8123


def test_script_is_valid_bash_and_demands_the_key(command, ctx):
    text = FORMATS["script"].render(command, ctx)
    assert subprocess.run(["bash", "-n"], input=text, text=True).returncode == 0
    assert ': "${VLLM_API_KEY:?' in text and "exec vllm serve" in text


def test_write_export_modes_and_no_silent_overwrite(tmp_path):
    target = tmp_path / "vllm.env"
    write_export(target, "VLLM_API_KEY=x\n", secret=True)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    with pytest.raises(InputError, match="exists"):
        write_export(target, "other\n")
    assert target.read_text() == "VLLM_API_KEY=x\n"
    write_export(target, "asked\n", confirm=lambda p: True)
    assert target.read_text() == "asked\n"
    script = write_export(tmp_path / "s.sh", "#!/bin/sh\n", mode=0o755)
    assert stat.S_IMODE(os.stat(script).st_mode) == 0o755
    with pytest.raises(InputError, match="does not exist"):
        write_export(tmp_path / "no" / "x.yaml", "")
    assert not list(tmp_path.glob(".*tmp"))


def test_export_cli(llama_folder, cli_env, tmp_path):
    from support import run_cli

    env = {**cli_env, "MY_KEY": SECRET}
    base = ["export", str(llama_folder), "--gpu", "L40S", "--vllm-version", "0.32.0", "--api-key-env", "MY_KEY"]
    shown = run_cli(*base, "--format", "env", env=env)
    assert shown.returncode == 0 and SECRET not in shown.stdout and "VLLM_API_KEY=<set>" in shown.stdout
    out = tmp_path / "vllm.env"
    wrote = run_cli(*base, "--format", "env", "--out", str(out), env=env)
    assert wrote.returncode == 0 and f"VLLM_API_KEY={SECRET}" in out.read_text()
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600 and SECRET not in wrote.stderr + wrote.stdout
    again = run_cli(*base, "--format", "env", "--out", str(out), env=env)
    assert again.returncode == 2 and "exists" in again.stderr and "Traceback" not in again.stderr
    forced = run_cli(*base, "--format", "yaml", "--out", str(out), "--force", env=env)
    assert forced.returncode == 0 and "model:" in out.read_text()
    missing = run_cli(*base[:-2], "--api-key-env", "NOT_SET_ANYWHERE", "--format", "yaml", env=env)
    assert missing.returncode == 2 and "NOT_SET_ANYWHERE" in missing.stderr
