"""A Kubernetes LeaderWorkerSet for a multi-node plan: one group = one model copy across `nodes` pods.

The leader pod starts the Ray head, waits until every worker pod has joined, then runs `vllm serve`
with the plan's argv; worker pods run Ray workers. GPUs are requested per pod, /dev/shm is a memory
volume (NCCL needs more than the container default), and a startup probe allows the slow first
start (weights + compile + graphs) before readiness takes over. Secrets come from Kubernetes Secrets.
"""

from __future__ import annotations

import shlex

from wizard import envvars as ev
from wizard.i18n import localize, msg
from wizard.launch.multinode import RAY_PORT, build_multinode
from wizard.launch.options import LaunchOptions
from wizard.planner.plan import Plan

API_VERSION = "leaderworkerset.x-k8s.io/v1"
STARTUP_SECONDS = 1800  # weights + torch.compile + CUDA graphs of a multi-node model take many minutes


def _env(env: dict[str, str], secret: str | None) -> list[dict]:
    items: list[dict[str, object]] = [{"name": k, "value": v} for k, v in env.items()
             if k not in {"VLLM_HOST_IP", "CUDA_VISIBLE_DEVICES"} and not v.startswith("$")]
    # Pods get their own IP; Kubernetes hands GPUs to the container, so CUDA_VISIBLE_DEVICES stays unset.
    items.append({"name": "VLLM_HOST_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}})
    if secret:
        items.append({"name": ev.VLLM_API_KEY, "valueFrom": {"secretKeyRef": {"name": secret, "key": "api-key"}}})
    items.append({"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "token",
                                                                     "optional": True}}})
    return items


def _container(name: str, image: str, command: str, gpus: int, env: list[dict]) -> dict:
    return {
        "name": name, "image": image, "command": ["sh", "-c", command], "env": env,
        "resources": {"limits": {"nvidia.com/gpu": str(gpus)}, "requests": {"nvidia.com/gpu": str(gpus)}},
        "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}, {"name": "models", "mountPath": "/models"}],
    }


def build_lws(
    plan: Plan,
    options: LaunchOptions | None = None,
    *,
    name: str = "vllm",
    image: str = "vllm/vllm-openai:latest",
    replicas: int = 1,
    shm_gib: int = 16,
    api_key_secret: str | None = None,
    models_claim: str = "models",
    ifname: str = "eth0",
) -> list[dict]:
    """[LeaderWorkerSet, Service] as plain dicts (yaml.safe_dump_all them)."""
    options = options or LaunchOptions(host="0.0.0.0")
    launch = build_multinode(plan, options, ifname=ifname)
    gpus, nodes = launch.gpus_per_node, launch.nodes
    serve = " ".join(shlex.quote(a) for a in launch.serve.argv)
    # The waiting message is the catalog's (no shell syntax in it), unquoted as the English always was.
    leader_cmd = (
        f"ray start --head --port={RAY_PORT} --num-gpus={gpus} --dashboard-host=127.0.0.1 && "
        f"until [ \"$(ray list nodes --filter state=ALIVE 2>/dev/null | grep -c ALIVE)\" -ge {nodes} ]; "
        f"do echo {localize(msg('launch.export.lws.waiting', nodes=nodes))}; sleep 5; done && exec {serve}"
    )
    worker_cmd = f"ray start --address=$(LWS_LEADER_ADDRESS):{RAY_PORT} --num-gpus={gpus} --block"
    env = _env(launch.serve.env, api_key_secret if options.api_key is not None or api_key_secret else None)
    volumes = [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": f"{shm_gib}Gi"}},
               {"name": "models", "persistentVolumeClaim": {"claimName": models_claim}}]
    leader = _container("vllm-leader", image, leader_cmd, gpus, env)
    leader["ports"] = [{"containerPort": options.port, "name": "http"}]
    probe = {"httpGet": {"path": "/health", "port": options.port}, "periodSeconds": 10}
    leader["startupProbe"] = {**probe, "failureThreshold": STARTUP_SECONDS // 10}
    leader["readinessProbe"] = {**probe, "failureThreshold": 3}
    worker = _container("vllm-worker", image, worker_cmd, gpus, env)
    lws = {
        "apiVersion": API_VERSION, "kind": "LeaderWorkerSet", "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "startupPolicy": "LeaderCreated",
            "leaderWorkerTemplate": {
                "size": nodes,
                "restartPolicy": "RecreateGroupOnPodRestart",
                "leaderTemplate": {"metadata": {"labels": {"role": "leader"}},
                                   "spec": {"containers": [leader], "volumes": volumes}},
                "workerTemplate": {"metadata": {"labels": {"role": "worker"}},
                                   "spec": {"containers": [worker], "volumes": volumes}},
            },
        },
    }
    service = {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": f"{name}-leader"},
        "spec": {"type": "ClusterIP", "ports": [{"name": "http", "port": options.port, "targetPort": options.port,
                                                 "protocol": "TCP"}],
                 "selector": {"leaderworkerset.sigs.k8s.io/name": name, "role": "leader"}},
    }
    return [lws, service]
