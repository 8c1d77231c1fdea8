"""Multi-node exports: a Ray launch script (head / worker / serve) and a LeaderWorkerSet manifest."""

from __future__ import annotations

import yaml

from wizard.i18n import localize, msg
from wizard.launch.lws import build_lws
from wizard.launch.multinode import MultiNodeLaunch, build_multinode
from wizard.launch.options import LaunchOptions
from wizard.planner.plan import Plan

MULTINODE_FORMATS = ("ray", "lws")


def say(key: str, **params: object) -> str:
    """A sentence of the exported file, in the language the edge chose (--lang, the app's)."""
    return localize(msg(key, **params))


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
        "# " + say("launch.export.ray.header", nodes=launch.nodes, gpus=launch.gpus_per_node),
        "# " + say("launch.export.ray.usage"),
        "# " + say("launch.export.ray.head"),
        "# " + say("launch.export.ray.worker"),
        "# " + say("launch.export.ray.serve", total=launch.nodes * launch.gpus_per_node),
        *[f"# {localize(note)}" for note in launch.notes],
        "set -euo pipefail",
        ': "${HEAD_IP:?' + say("launch.export.ray.need_head_ip") + '}"',
        ': "${NET_IF:?' + say("launch.export.ray.need_net_if") + '}"',
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
    header = f"# {say('launch.export.lws.header')}\n# {say('launch.export.lws.needs')}\n"
    return header + yaml.safe_dump_all(docs, sort_keys=False)
