"""`vllm-wizard export MODEL [plan options] --format FMT [--out PATH] [--force]`.

Writes the planned launch in one of: yaml (`vllm serve --config`), env, systemd, docker, compose,
script, k8s. Without --out the text goes to stdout with secret values masked; with --out the file is
written (0600 when it holds a secret) and never replaces an existing file without --force or a yes.
"""

from __future__ import annotations

import argparse
import sys

from wizard.commands.plan import add_plan_options

MULTINODE = ("ray", "lws")
FORMAT_NAMES = ("yaml", "env", "systemd", "docker", "compose", "script", "k8s", "ray", "lws")


def add_arguments(p: argparse.ArgumentParser) -> None:
    from wizard.launch.args import add_launch_options

    add_plan_options(p)
    add_launch_options(p)
    g = p.add_argument_group("export")
    g.add_argument("--format", required=True, choices=FORMAT_NAMES,
                   help="what to write (ray and lws: multi-node plans, with --nodes N)")
    g.add_argument("--out", metavar="PATH", help="write to this file (default: print to stdout)")
    g.add_argument("--force", action="store_true", help="replace --out if it exists")
    g.add_argument("--name", help="service / container / unit name (default: vllm-<model>)")
    g.add_argument("--env-file", metavar="PATH", help="where the env file will live (systemd, compose refer to it)")


def run(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from wizard.commands.plan import build_request
    from wizard.errors import InputError
    from wizard.i18n import localize, msg
    from wizard.launch.args import ask, launch_options
    from wizard.launch.command import build_command
    from wizard.launch.export import FORMATS, ExportContext, export_text, write_export
    from wizard.launch.export.common import split_argv
    from wizard.launch.export.hub_env import hub_env
    from wizard.planner.plan import make_plan
    from wizard.userpath import expand
    from wizard.vllm_env import find_vllm

    install, searched = None, args.vllm_version is None
    if searched:
        install = find_vllm()
        if install is not None:
            args.vllm_version = install.version
    plan = make_plan(build_request(args))
    if not plan.ok:
        warning = msg("launch.export.plan_fails", code=plan.failure_code, message=plan.failure_message)
        print(f"vllm-wizard: {localize(warning)}", file=sys.stderr)
    options, _ = launch_options(args)
    if args.format in MULTINODE or plan.request.nodes > 1:
        return _export_multinode(args, plan, options)
    command = build_command(plan, options)
    detected = plan.request.hardware.source != "catalog"
    ranks = plan.settings.tensor_parallel_size * plan.settings.pipeline_parallel_size
    from wizard.planner.choose import select_gpus

    indices = tuple(g.index for g in select_gpus(plan.request)[:ranks]) if detected else None
    if not searched:
        try:  # the release was given: the unit still execs the vLLM installed here, when there is one
            install = find_vllm()
        except InputError:
            install = None
    exe = install.vllm_exe if install is not None else None
    source = plan.request.model.source
    hub = hub_env(source, os.environ, model_is_path=Path(split_argv(command).model).is_absolute())
    ctx = ExportContext(vllm_version=plan.version, gpu_indices=indices, gpu_count=ranks, name=args.name,
                        env_file=args.env_file, vllm_exe=str(exe) if exe else None,
                        hub_model=source != "local", hub_env=hub)
    text, secret = export_text(args.format, command, ctx, include_secrets=bool(args.out))
    if not args.out:
        sys.stdout.write(text)
        return 0
    path = expand(args.out, "--out")
    write_export(path, text, mode=FORMATS[args.format].mode, secret=secret, force=args.force,
                 confirm=lambda p: ask(localize(msg("launch.export.replace", path=str(p)))))
    note = msg("launch.export.secret_note") if secret else ""
    print(localize(msg("launch.export.wrote", path=str(path), note=note)), file=sys.stderr)
    return 0


def _export_multinode(args: argparse.Namespace, plan, options) -> int:
    from wizard.i18n import localize, msg
    from wizard.errors import InputError
    from wizard.launch.args import ask
    from wizard.launch.export import write_export
    from wizard.launch.multinode_export import export_multinode
    from wizard.userpath import expand

    if args.format not in MULTINODE:
        raise InputError(msg("launch.export.one_server", format=args.format, nodes=plan.request.nodes))
    if plan.request.nodes < 2:
        raise InputError(msg("launch.export.needs_nodes", format=args.format))
    text = export_multinode(args.format, plan, options, name=args.name)
    if not args.out:
        sys.stdout.write(text)
        return 0
    path = expand(args.out, "--out")
    write_export(path, text, mode=0o755 if args.format == "ray" else 0o644, secret=False, force=args.force,
                 confirm=lambda p: ask(localize(msg("launch.export.replace", path=str(p)))))
    print(localize(msg("launch.export.wrote", path=str(path), note="")), file=sys.stderr)
    return 0
