"""Exports that run the official vLLM image: `docker run`, a Compose file, a Kubernetes Deployment.

Inside a container vLLM listens on 0.0.0.0 and the publish rule keeps the planned exposure (a
loopback plan publishes on 127.0.0.1 only). GPUs are chosen by the runtime (`--gpus`, device_ids,
nvidia.com/gpu), so CUDA_VISIBLE_DEVICES is not passed in. Tensor parallel workers share tensors
through /dev/shm, which Docker limits to 64 MB: `--ipc=host` / a memory emptyDir fixes that.
"""

from __future__ import annotations

import shlex

from wizard.launch.command import LaunchCommand
from wizard.launch.export import yamlish
from wizard.launch.export.common import (
    CONTAINER_CACHE,
    STARTUP_SECONDS,
    ExportContext,
    comment,
    default_name,
    export_env,
    local_adapter_paths,
    local_model_path,
    split_argv,
)


def _publish(command: LaunchCommand) -> tuple[str, int]:
    args = split_argv(command)
    host, port = args.get("--host") or "127.0.0.1", int(args.get("--port") or 8000)
    return ("127.0.0.1" if host in {"127.0.0.1", "localhost", "::1"} else host), port


def _container_argv(command: LaunchCommand) -> list[str]:
    return ["serve", *split_argv(command).argv({"--host": "0.0.0.0"})]


def _secret_passthrough(command: LaunchCommand, ctx: ExportContext) -> list[str]:
    names = sorted(command.secret_names)
    if ctx.hub_model:
        names.append("HF_TOKEN")
    return names


def render_docker(command: LaunchCommand, ctx: ExportContext | None = None) -> str:
    ctx = ctx or ExportContext()
    name = ctx.name or default_name(command)
    host, port = _publish(command)
    # The planned devices, never `all`: a box shared with other jobs keeps its other GPUs free.
    gpus = str(ctx.gpu_count) if ctx.gpu_indices is None else '"device=' + ",".join(map(str, ctx.gpu_indices)) + '"'
    hf_volume = f"${{HF_HOME:-$HOME/.cache/huggingface}}:{CONTAINER_CACHE}/huggingface"
    parts = ["docker", "run", "-d", "--name", name, "--gpus", gpus, "--ipc=host", "--restart", "unless-stopped",
             "-p", f"{host}:{port}:{port}", "-v", hf_volume, "-v", f"{name}-cache:{CONTAINER_CACHE}/vllm"]
    model = local_model_path(split_argv(command).model)
    for folder in ([model] if model else []) + local_adapter_paths(command):
        parts += ["-v", f"{folder}:{folder}:ro"]
    for key in _secret_passthrough(command, ctx):
        parts += ["-e", key]  # the value comes from this shell's environment, never from this file
    for key, value in export_env(command, ctx, container=True).items():
        parts += ["-e", f"{key}={value}"]
    parts += ["--entrypoint", "vllm", ctx.image, *_container_argv(command)]
    # The cache volume is left unquoted on purpose: the shell expands ${HF_HOME:-$HOME/...}.
    words = [w if w == hf_volume else shlex.quote(w) for w in parts]
    image_at = parts.index(ctx.image)
    lines = ["docker run -d", *_pairs(words[3:image_at]), " ".join(words[image_at:image_at + 3]),
             *_pairs(words[image_at + 3:])]
    body = " \\\n  ".join(lines)
    needs = "".join(f': "${{{k}:?export {k} first}}"\n' for k in sorted(command.secret_names))
    return f"#!/usr/bin/env bash\n{comment(ctx, 'launch.export.header.docker')}\nset -euo pipefail\n{needs}{body}\n"


def _pairs(words: list[str]) -> list[str]:
    """One option and its value per line, so the script reads like the plan."""
    out: list[str] = []
    for word in words:
        if out and out[-1].startswith("-") and " " not in out[-1] and not word.startswith("-"):
            out[-1] += " " + word
        else:
            out.append(word)
    return out


def _healthcheck(port: int) -> dict:
    probe = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}/health')"
    return {"test": ["CMD", "python3", "-c", probe], "interval": "30s", "timeout": "5s", "retries": 3,
            "start_period": f"{STARTUP_SECONDS}s"}


def render_compose(command: LaunchCommand, ctx: ExportContext | None = None) -> str:
    ctx = ctx or ExportContext()
    name = ctx.name or default_name(command)
    host, port = _publish(command)
    env: dict[str, str] = {k: f"${{{k}:?set {k} in the shell or in .env}}" for k in sorted(command.secret_names)}
    if ctx.hub_model:
        env["HF_TOKEN"] = "${HF_TOKEN:-}"
    env.update(export_env(command, ctx, container=True))
    volumes = [f"${{HF_HOME:-~/.cache/huggingface}}:{CONTAINER_CACHE}/huggingface", f"vllm-cache:{CONTAINER_CACHE}/vllm"]
    model = local_model_path(split_argv(command).model)
    for folder in ([model] if model else []) + local_adapter_paths(command):
        volumes.append(f"{folder}:{folder}:ro")
    device: dict = {"driver": "nvidia", "capabilities": ["gpu"]}
    if ctx.gpu_indices is None:
        device["count"] = ctx.gpu_count
    else:
        device["device_ids"] = [str(i) for i in ctx.gpu_indices]
    service = {
        "image": ctx.image, "container_name": name, "entrypoint": ["vllm"], "command": _container_argv(command),
        "ports": [f"{host}:{port}:{port}"], "ipc": "host", "volumes": volumes, "environment": env,
        "deploy": {"resources": {"reservations": {"devices": [device]}}},
        "healthcheck": _healthcheck(port), "restart": "unless-stopped",
    }
    if ctx.env_file:
        service["env_file"] = [ctx.env_file]
    data = {"services": {name: service}, "volumes": {"vllm-cache": {}}}
    return comment(ctx, "launch.export.header.compose") + "\n" + yamlish.dump(data)


def render_k8s(command: LaunchCommand, ctx: ExportContext | None = None) -> str:
    ctx = ctx or ExportContext()
    name = ctx.name or default_name(command)
    _, port = _publish(command)
    env: list[dict[str, object]] = [{"name": k, "value": v} for k, v in export_env(command, ctx, container=True).items()]
    for key in sorted(command.secret_names):
        env.append({"name": key, "valueFrom": {"secretKeyRef": {"name": f"{name}-secrets", "key": key}}})
    if ctx.hub_model:
        env.append({"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": f"{name}-secrets", "key": "HF_TOKEN",
                                                                           "optional": True}}})
    mounts: list[dict[str, object]] = [{"name": "shm", "mountPath": "/dev/shm"}, {"name": "cache", "mountPath": CONTAINER_CACHE}]
    volumes: list[dict] = [{"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "16Gi"}},
                           {"name": "cache", "emptyDir": {}}]
    model = local_model_path(split_argv(command).model)
    if model:
        mounts.append({"name": "model", "mountPath": model, "readOnly": True})
        volumes.append({"name": "model", "hostPath": {"path": model, "type": "Directory"}})
    for i, folder in enumerate(local_adapter_paths(command)):
        mounts.append({"name": f"lora-{i}", "mountPath": folder, "readOnly": True})
        volumes.append({"name": f"lora-{i}", "hostPath": {"path": folder, "type": "Directory"}})
    probe = {"httpGet": {"path": "/health", "port": port}}
    container = {
        "name": "vllm", "image": ctx.image, "command": ["vllm"], "args": _container_argv(command),
        "ports": [{"containerPort": port, "name": "http"}], "env": env,
        "resources": {"limits": {"nvidia.com/gpu": ctx.gpu_count}},
        "volumeMounts": mounts,
        # Start-up takes minutes: the startup probe allows STARTUP_SECONDS before liveness applies.
        "startupProbe": {**probe, "periodSeconds": 10, "failureThreshold": STARTUP_SECONDS // 10},
        "readinessProbe": {**probe, "periodSeconds": 10},
        "livenessProbe": {**probe, "periodSeconds": 30, "failureThreshold": 3},
    }
    labels = {"app": name}
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": labels},
        "spec": {"replicas": 1, "strategy": {"type": "Recreate"}, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [container], "volumes": volumes}}},
    }
    service = {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": labels},
        "spec": {"type": "ClusterIP", "selector": labels, "ports": [{"name": "http", "port": port, "targetPort": port}]},
    }
    secret_note = ""
    if command.secret_names or ctx.hub_model:
        keys = " ".join(f"--from-literal={k}=..." for k in sorted(command.secret_names) + (["HF_TOKEN"] if ctx.hub_model else []))
        secret_note = comment(ctx, "launch.export.k8s.secret", name=name, keys=keys) + "\n"
    return (comment(ctx, "launch.export.header.k8s") + f"\n{secret_note}" + yamlish.dump(deployment) + "---\n"
            + yamlish.dump(service))
