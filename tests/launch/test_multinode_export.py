"""`vllm-wizard export --nodes N --format ray|lws`: a runnable script and a valid manifest."""

import json
import os
import subprocess
from pathlib import Path

import jsonschema
import yaml
from support import run_cli

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "leaderworkerset-v1.schema.json").read_text())
ARGS = ["--gpu", "H100", "--gpu-count", "4", "--nodes", "2", "--vllm-version", "0.28.0"]


def test_ray_script_runs_each_role_with_the_planned_commands(llama_folder, cli_env, tmp_path):
    script = tmp_path / "vllm-ray.sh"
    result = run_cli("export", str(llama_folder), *ARGS, "--format", "ray", "--out", str(script), env=cli_env)
    assert result.returncode == 0, result.stderr
    assert os.access(script, os.X_OK)
    # Stand-ins for `ray` and `vllm` record how the script calls them.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("ray", "vllm"):
        stub = bindir / tool
        stub.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{tmp_path}/{tool}.args"\nenv > "{tmp_path}/{tool}.env"\n')
        stub.chmod(0o755)
    env = {**cli_env, "PATH": f"{bindir}:{os.environ['PATH']}", "HEAD_IP": "10.1.0.1", "NODE_IP": "10.1.0.2",
           "NET_IF": "eth1"}
    for role in ("head", "worker", "serve"):
        done = subprocess.run(["bash", str(script), role], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    ray_calls = (tmp_path / "ray.args").read_text()
    assert "start --head --port=6379 --node-ip-address=10.1.0.1 --num-gpus=4" in ray_calls
    assert "start --address=10.1.0.1:6379 --node-ip-address=10.1.0.2 --num-gpus=4" in ray_calls
    vllm_args = (tmp_path / "vllm.args").read_text()
    assert "--pipeline-parallel-size 2" in vllm_args and "--distributed-executor-backend ray" in vllm_args
    assert "NCCL_SOCKET_IFNAME=eth1" in (tmp_path / "vllm.env").read_text()
    missing = subprocess.run(["bash", str(script), "head"], env={**env, "HEAD_IP": ""}, capture_output=True,
                             text=True)
    assert missing.returncode != 0 and "HEAD_IP" in missing.stderr


def test_lws_export_is_a_valid_manifest(llama_folder, cli_env):
    result = run_cli("export", str(llama_folder), *ARGS, "--format", "lws", env=cli_env)
    assert result.returncode == 0, result.stderr
    lws, service = list(yaml.safe_load_all(result.stdout))
    jsonschema.validate(lws, SCHEMA)
    assert lws["spec"]["leaderWorkerTemplate"]["size"] == 2 and service["kind"] == "Service"


def test_single_node_formats_refuse_multi_node_plans_and_vice_versa(llama_folder, cli_env):
    multi = run_cli("export", str(llama_folder), *ARGS, "--format", "systemd", env=cli_env)
    assert multi.returncode == 2 and "--format ray" in multi.stderr
    single = run_cli("export", str(llama_folder), "--gpu", "H100", "--format", "lws", env=cli_env)
    assert single.returncode == 2 and "--nodes 2" in single.stderr
