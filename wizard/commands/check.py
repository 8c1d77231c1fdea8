"""`vllm-wizard check [hardware] -- vllm serve MODEL [flags]`: predict exactly the command the user
has (docs/contracts/check-doctor-verify.md). Exit 0: predicted to start with no error finding;
3: predicted to fail, refused by vLLM's parser, or an error finding; 2: bad input."""

from __future__ import annotations

import argparse

EXIT_OK, EXIT_PROBLEM = 0, 3


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.usage = ("vllm-wizard check [hardware options] [--vllm-version X.Y.Z] [--json] -- vllm serve MODEL [flags]\n"
               "       vllm-wizard check [hardware options] [--vllm-version X.Y.Z] [--json] --config FILE.yaml [MODEL]")
    p.add_argument("command", nargs="*", metavar="-- vllm serve MODEL [flags]",
                   help="the command to check, after --, as you would type it (env assignments allowed)")
    p.add_argument("--config", metavar="FILE.yaml", help="a vLLM YAML config (keys are flag names)")
    hw = p.add_argument_group("hardware (default: the GPUs NVML detects)")
    hw.add_argument("--gpu", metavar="NAME", help="check for a catalog GPU (see `vllm-wizard gpus --catalog`)")
    hw.add_argument("--gpu-count", type=int, metavar="N", help="how many catalog GPUs (default 1)")
    hw.add_argument("--gpus", metavar="I,J", help="use only these detected GPU indices")
    hw.add_argument("--gpu-memory", type=float, metavar="GIB", help="total memory per GPU as CUDA reports it")
    hw.add_argument("--gpu-used", type=float, metavar="GIB", help="memory already held per GPU by other processes")
    hw.add_argument("--compute-capability", metavar="X.Y", help="override the compute capability")
    hw.add_argument("--nodes", type=int, default=1, metavar="N", help="nodes with the same GPUs as this one")
    p.add_argument("--vllm-version", metavar="X.Y.Z", help="release to check for (default: the installed vLLM)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object (the contract)")
    p.add_argument("--lang", metavar="LANG", help="language of the human output: en or zh_CN (default: the locale)")


def run(args: argparse.Namespace) -> int:
    import json
    import os

    from wizard.check import check_command, flag_table
    from wizard.check.render import render_check
    from wizard.errors import InputError
    from wizard.hardware.selection import hardware_for
    from wizard.i18n import detect_language, msg, normalise
    from wizard.planner.versions import NEWEST_KNOWN, VllmVersion
    from wizard.vllm_env import installed_version

    if args.gpu_count is not None and args.gpu_count < 1 or args.nodes < 1:
        raise InputError(msg("check.error.at_least_one"))
    if args.lang is not None and normalise(args.lang) is None:
        raise InputError(msg("check.error.lang", lang=args.lang))
    lang = normalise(args.lang) or detect_language(os.environ)
    command = list(args.command)
    if not command and not args.config:
        raise InputError(msg("check.error.no_command_or_config"))
    if args.config and len(command) == 1 and not command[0].startswith("-") and " " not in command[0] \
            and command[0] != "vllm":
        command = ["vllm", "serve", command[0]]  # check --config FILE.yaml MODEL
    version = args.vllm_version or installed_version() or NEWEST_KNOWN
    VllmVersion.parse(version)  # a malformed or too-old version: exit 2 before any I/O
    hardware, indices = hardware_for(args)
    result = check_command(command, hardware, vllm_version=version, config=args.config, gpu_indices=indices,
                           table=flag_table(version), nodes=args.nodes)
    if args.json:
        print(json.dumps(result.contract(), indent=2, ensure_ascii=False))
    else:
        print(render_check(result, lang))
    return EXIT_OK if result.ok else EXIT_PROBLEM
