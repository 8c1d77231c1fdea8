"""`vllm-wizard plan MODEL [options] [--json]`: the headless planner (docs/contracts/plan-cli.md)."""

from __future__ import annotations

import argparse

from wizard import bounds as b

EXIT_STARTS, EXIT_FAILS = 0, 3


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_plan_options(p)
    p.add_argument("--json", action="store_true", help="print the plan as one JSON object (the contract)")


def add_plan_options(p: argparse.ArgumentParser) -> None:
    """Options shared by every command that plans (plan, and later serve/export)."""
    p.add_argument("model", metavar="MODEL", help="a model folder, org/name, hf:org/name or ms:org/name")
    hw = p.add_argument_group("hardware (default: the GPUs NVML detects)")
    hw.add_argument("--gpu", metavar="NAME", help="plan for a catalog GPU (see `vllm-wizard gpus --catalog`)")
    hw.add_argument("--gpu-count", type=b.option("--gpu-count", b.parse_int, b.GPUS_PER_NODE), metavar="N",
                    help="how many catalog GPUs (default 1)")
    hw.add_argument("--gpus", metavar="I,J", help="use only these detected GPU indices")
    hw.add_argument("--gpu-memory", type=b.option("--gpu-memory", b.parse_float, b.GPU_MEMORY_GIB), metavar="GIB",
                    help="total memory per GPU as CUDA reports it")
    hw.add_argument("--gpu-used", type=b.option("--gpu-used", b.parse_float, b.GPU_USED_GIB), metavar="GIB",
                    help="memory already held per GPU by other processes")
    hw.add_argument("--compute-capability", metavar="X.Y", help="override the compute capability")
    hw.add_argument("--host-memory", type=float, metavar="GIB",
                    help="host RAM in GiB, bounding CPU offload (default: this machine's, or unknown for --gpu)")
    v = p.add_argument_group("vLLM")
    v.add_argument("--vllm-version", metavar="X.Y.Z", help="release to plan for (default: the installed vLLM)")
    v.add_argument("--set", dest="pins", action="append", default=[], metavar="NAME=VALUE",
                   help="pin one vllm serve setting (repeatable), e.g. --set max-model-len=8192")
    n = p.add_argument_group("multi-node (Ray or Kubernetes)")
    n.add_argument("--nodes", type=b.option("--nodes", b.parse_int, b.NODES), default=1, metavar="N",
                   help="nodes with the same GPUs as this one (default 1)")
    n.add_argument("--rdma", choices=("yes", "no"), help="InfiniBand/RoCE between nodes (default: detect here)")
    g = p.add_argument_group("goals")
    g.add_argument("--context", type=int, metavar="N", help="tokens per request wanted")
    g.add_argument("--concurrency", type=int, metavar="N", help="requests served at once at that length")
    g.add_argument("--priority", choices=("balanced", "throughput", "latency", "context", "quality"),
                   default="balanced")


def build_request(args: argparse.Namespace):
    """Facts + pins + goals → PlanRequest (all input validation happens here: exit 2 on bad input)."""
    from wizard.errors import InputError
    from wizard.hardware.host import host_memory_for
    from wizard.hardware.selection import hardware_for
    from wizard.i18n import msg
    from wizard.hub.resolve import load_model_facts
    from wizard.planner.inputs import Goals, PlanRequest
    from wizard.planner.settings import parse_pins
    from wizard.planner.versions import NEWEST_KNOWN, VllmVersion
    from wizard.vllm_env import installed_version

    # Every number in its physical range (wizard.bounds), also for a Namespace built without the
    # parser (the app, calibrate): the options' types already refused what the command line gave.
    for flag, value, bound in (("--context", args.context, b.TOKENS), ("--concurrency", args.concurrency, b.REQUESTS),
                               ("--gpu-count", args.gpu_count, b.GPUS_PER_NODE), ("--nodes", args.nodes, b.NODES),
                               ("--gpu-memory", args.gpu_memory, b.GPU_MEMORY_GIB),
                               ("--gpu-used", args.gpu_used, b.GPU_USED_GIB),
                               ("--host-memory", getattr(args, "host_memory", None), b.HOST_MEMORY_GIB)):
        b.check_option(flag, value, bound)

    for flag, value in (("--context", args.context), ("--concurrency", args.concurrency), ("--gpu-count", args.gpu_count),
                        ("--nodes", args.nodes)):
        if value is not None and value < 1:
            raise InputError(msg("launch.plan.at_least_one", flag=flag, value=value))
    host_gib = getattr(args, "host_memory", None)
    if host_gib is not None and not host_gib > 0:
        raise InputError(msg("launch.plan.host_memory", gib=host_gib))
    pins = parse_pins(args.pins)
    version = args.vllm_version or installed_version() or NEWEST_KNOWN
    VllmVersion.parse(version)  # refuse a malformed or too-old version before any I/O
    hardware, indices = hardware_for(args)
    model, model_ref = load_model_facts(args.model)
    request = PlanRequest(
        hardware=hardware, model=model, vllm_version=version, gpu_indices=indices, pinned=pins,
        goals=Goals(context=args.context, concurrency=args.concurrency, priority=args.priority), model_ref=model_ref,
        nodes=args.nodes, rdma=_rdma(args), draft_model=_draft_model(pins),
        host_memory_bytes=host_memory_for(hardware.source, host_gib),
    )
    # A real start-up of the same setup measured A, N and G: plan with those instead of estimates.
    from wizard.locations import calibration_file

    if not calibration_file().is_file():
        return request  # nothing measured on this machine yet; the store's code need not load
    from wizard.launch.calibration.lookup import calibrated_request

    return calibrated_request(request)


def _draft_model(pins: dict):
    """The speculative draft model's facts, read like the target's; None (the plan then says its memory
    is not counted) when no draft model is pinned or it cannot be read."""
    from wizard.errors import WizardError
    from wizard.hub.resolve import load_model_facts
    from wizard.planner.settings import Settings

    spec = Settings(**pins).speculative
    if spec is None or spec.kind != "draft" or not spec.model:
        return None
    try:
        return load_model_facts(spec.model)[0]
    except WizardError:
        return None


def _rdma(args: argparse.Namespace) -> bool | None:
    """--rdma, else whether this node has InfiniBand/RoCE devices (only asked for multi-node plans)."""
    if args.rdma:
        return args.rdma == "yes"
    if args.nodes <= 1:
        return None
    from pathlib import Path

    ib = Path("/sys/class/infiniband")
    return True if ib.is_dir() and any(ib.iterdir()) else None


def run(args: argparse.Namespace) -> int:
    import json

    from wizard.planner.plan import make_plan

    plan = make_plan(build_request(args))
    if args.json:
        print(json.dumps(plan.contract(), indent=2))
    else:
        # Only the human output needs the report and the fixes (start-up time of --json).
        from wizard.launch.command import build_command
        from wizard.planner.fixes import suggest_fixes
        from wizard.planner.report import render_plan

        # The command as `serve` and `export` run it: bound to 127.0.0.1 unless asked otherwise.
        print(render_plan(plan, suggest_fixes(plan), argv=build_command(plan).argv))
        if plan.request.nodes > 1:
            from wizard.launch.multinode import build_multinode, render_multinode

            print()
            print(render_multinode(build_multinode(plan)))
    return EXIT_STARTS if plan.ok else EXIT_FAILS
