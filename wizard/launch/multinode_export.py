"""Multi-node exports: a Ray launch script (head / worker / serve) and a LeaderWorkerSet manifest."""

from __future__ import annotations

import yaml

from wizard.launch.lws import build_lws
from wizard.launch.multinode import MultiNodeLaunch, build_multinode
from wizard.launch.options import LaunchOptions
from wizard.planner.plan import Plan

MULTINODE_FORMATS = ("ray", "lws")


def render_ray_script(launch: MultiNodeLaunch) -> str:
    """One script for every node: `./script head`, `./script worker`, then `./script serve` on the head.

    The addresses and the network interface differ per node, so they come from the environment
    (HEAD_IP, NODE_IP, NET_IF); nothing secret is written: VLLM_API_KEY is read at run time.
    """
    def body(cmd) -> str:
        # `exec VAR=value cmd` is not valid bash; `exec env VAR=value cmd` is.
        return "  exec " + ("env " if cmd.env else "") + cmd.shell_line()

    return "\n".join([
        "#!/usr/bin/env bash",
        f"# vLLM on {launch.nodes} nodes × {launch.gpus_per_node} GPUs with Ray, written by vllm-wizard.",
        "# Usage: HEAD_IP=... NODE_IP=... NET_IF=... ./this-script head|worker|serve",
        "#   head   - on the head node first",
        "#   worker - on every other node (NODE_IP = that node's address)",
        f"#   serve  - on the head, after `ray status` shows {launch.nodes * launch.gpus_per_node} GPUs",
        *[f"# {note}" for note in launch.notes],
        "set -euo pipefail",
        ': "${HEAD_IP:?set HEAD_IP to the head node address}"',
        ': "${NET_IF:?set NET_IF to the network interface the nodes talk over (e.g. eth0, ib0)}"',
        'NODE_IP="${NODE_IP:-$HEAD_IP}"',
        'case "${1:-}" in',
        "head)", body(launch.ray_head), "  ;;",
        "worker)", body(launch.ray_worker), "  ;;",
        "serve)", body(launch.serve), "  ;;",
        '*) echo "usage: $0 head|worker|serve" >&2; exit 2 ;;',
        "esac",
        "",
    ])


def export_multinode(fmt: str, plan: Plan, options: LaunchOptions, *, name: str | None = None) -> str:
    if fmt == "ray":
        return render_ray_script(build_multinode(plan, options))
    docs = build_lws(plan, options, name=name or "vllm", api_key_secret="vllm-api-key" if options.api_key else None)
    header = ("# LeaderWorkerSet for vLLM on several nodes, written by vllm-wizard. Needs the LWS controller\n"
              "# (https://lws.sigs.k8s.io) and a PVC named 'models' holding the model at the path in the command.\n")
    return header + yaml.safe_dump_all(docs, sort_keys=False)
