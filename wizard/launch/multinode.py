"""Multi-node launch outputs: Ray head/worker commands, vLLM's native multi-node form, and a
Kubernetes LeaderWorkerSet (leader = Ray head + vllm serve, workers = Ray workers).

Everything is derived from a multi-node plan (`PlanRequest.nodes > 1`): TP inside a node, PP across
nodes, the same per-node GPU environment on every node. Secrets are referenced, never inlined: the
API key comes from the environment on hosts and from a Kubernetes Secret in manifests.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from wizard import envvars as ev
from wizard.launch.options import LaunchOptions
from wizard.planner.plan import Plan
from wizard.releases.facts import release_facts
from wizard.i18n import msg

RAY_PORT = 6379
NATIVE_MASTER_PORT = 29501
# vLLM's own multi-node launcher: the release's parser must have every one of these.
NATIVE_MULTINODE_FLAGS = ("--nnodes", "--node-rank", "--master-addr", "--master-port", "--headless")


@dataclass(frozen=True)
class NodeCommand:
    role: str  # "head" or "worker"
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)

    def shell_line(self) -> str:
        env = " ".join(f"{k}={_quote(v)}" for k, v in self.env.items())
        return (env + " " if env else "") + " ".join(_quote(a) for a in self.argv)


_PLACEHOLDER = re.compile(r"\$[A-Z_][A-Z0-9_]*")


def _quote(arg: str) -> str:
    """Quote for a POSIX shell, leaving $PLACEHOLDERS for the shell to expand on each node."""
    if not _PLACEHOLDER.search(arg):
        return shlex.quote(arg)
    if re.fullmatch(r"[\w$@%+=:,./-]+", arg):
        return arg
    return '"' + re.sub(r'(["\\`])', r"\\\1", arg) + '"'


@dataclass(frozen=True)
class MultiNodeLaunch:
    nodes: int
    gpus_per_node: int
    ray_head: NodeCommand
    ray_worker: NodeCommand
    serve: NodeCommand  # run on the head once every worker joined
    native: tuple[NodeCommand, ...] = ()  # head + worker forms without Ray, where the release has them
    notes: tuple[str, ...] = ()


def _node_env(plan: Plan, ip: str, ifname: str) -> dict[str, str]:
    env = {k: v for k, v in plan.env.items()}
    env["VLLM_HOST_IP"] = ip
    env["NCCL_SOCKET_IFNAME"] = ifname
    env["GLOO_SOCKET_IFNAME"] = ifname
    if plan.request.rdma is False:
        env["NCCL_IB_DISABLE"] = "1"  # no InfiniBand: stop NCCL probing for it
    return env


def build_multinode(
    plan: Plan,
    options: LaunchOptions | None = None,
    *,
    head_ip: str = "$HEAD_IP",
    node_ip: str = "$NODE_IP",
    ifname: str = "$NET_IF",
) -> MultiNodeLaunch:
    if plan.request.nodes < 2:
        raise ValueError("build_multinode needs a plan made with nodes > 1")
    options = options or LaunchOptions(host="0.0.0.0")
    nodes = plan.request.nodes
    per_node = _per_node(plan)
    head = NodeCommand("head", ("ray", "start", "--head", f"--port={RAY_PORT}", f"--node-ip-address={head_ip}",
                                f"--num-gpus={per_node}", "--dashboard-host=127.0.0.1"),
                       _node_env(plan, head_ip, ifname))
    worker = NodeCommand("worker", ("ray", "start", f"--address={head_ip}:{RAY_PORT}",
                                    f"--node-ip-address={node_ip}", f"--num-gpus={per_node}"),
                         _node_env(plan, node_ip, ifname))
    serve_argv = list(plan.argv) + ["--host", options.host, "--port", str(options.port)]
    if options.served_model_name:
        serve_argv += ["--served-model-name", options.served_model_name]
    serve_env = _node_env(plan, head_ip, ifname)
    if options.api_key is not None:
        serve_env[ev.VLLM_API_KEY] = "$" + ev.VLLM_API_KEY  # taken from the head's environment, never written out
    serve = NodeCommand("head", tuple(serve_argv), serve_env)
    notes = [msg("launch.multinode.note_order", others=nodes - 1, gpus=nodes * per_node),
             msg("launch.multinode.note_same")]
    native = _native(plan, options, head_ip, ifname)
    return MultiNodeLaunch(nodes, per_node, head, worker, serve, native, tuple(notes))


def _per_node(plan: Plan) -> int:
    return (len(plan.request.hardware.gpus) if plan.request.gpu_indices is None
            else len(plan.request.gpu_indices))


def _native(plan: Plan, options: LaunchOptions, head_ip: str, ifname: str) -> tuple[NodeCommand, ...]:
    facts = release_facts(plan.version)
    if not all(facts.has_flag(flag) for flag in NATIVE_MULTINODE_FLAGS):
        return ()
    base = [a for a in plan.argv]
    if "--distributed-executor-backend" in base:
        i = base.index("--distributed-executor-backend")
        del base[i : i + 2]
    common = ["--nnodes", str(plan.request.nodes), "--master-addr", head_ip, "--master-port", str(NATIVE_MASTER_PORT)]
    head = base + common + ["--node-rank", "0", "--host", options.host, "--port", str(options.port)]
    worker = base + common + ["--node-rank", "$NODE_RANK", "--headless"]
    return (NodeCommand("head", tuple(head), _node_env(plan, head_ip, ifname)),
            NodeCommand("worker", tuple(worker), _node_env(plan, "$NODE_IP", ifname)))


def render_multinode(launch: MultiNodeLaunch, lang: str | None = None) -> str:
    def t(key: str, **params: object) -> str:
        return msg(key, **params).render(lang)

    lines = [t("launch.multinode.title", nodes=launch.nodes, gpus=launch.gpus_per_node), "",
             t("launch.multinode.step_head"), f"   {launch.ray_head.shell_line()}",
             t("launch.multinode.step_workers", others=launch.nodes - 1),
             f"   {launch.ray_worker.shell_line()}",
             t("launch.multinode.step_serve"), f"   {launch.serve.shell_line()}"]
    if launch.native:
        head, worker = launch.native
        lines += ["", t("launch.multinode.native"), f"   head:   {head.shell_line()}",
                  f"   worker: {worker.shell_line()}"]
    lines += ["", *[t("launch.multinode.note", note=n) for n in launch.notes]]
    return "\n".join(lines)
