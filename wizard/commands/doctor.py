"""`vllm-wizard doctor [LOGFILE | -] [--json] [hardware options] [--vllm-version X.Y.Z] [--lang L]`.

Reads a vLLM log (a file, `-` for standard input, or with no argument the log of the last detached
launch) in bounded memory and time, and names what went wrong, with the evidence line, the cause and
the fix (docs/contracts/check-doctor-verify.md). Exit 0: a healthy start (the calibration figures
are shown); 3: a failure or problem diagnosed; 2: unreadable or inconclusive input.
"""

from __future__ import annotations

import argparse
import json
import os


def _language(text: str) -> str:
    from wizard.i18n import localize, msg, normalise

    lang = normalise(text)
    if lang is None:
        raise argparse.ArgumentTypeError(localize(msg("doctor.input.lang", text=text)))
    return lang


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("logfile", metavar="LOGFILE", nargs="?",
                   help="a vLLM log (journalctl, docker logs, a saved terminal); - reads standard input; "
                        "default: the log of the last detached launch")
    p.add_argument("--json", action="store_true", help="print the diagnoses as one JSON object (the contract)")
    p.add_argument("--lang", type=_language, metavar="LANG",
                   help="language of the human output: en or zh_CN (default: the locale)")
    hw = p.add_argument_group("re-planning the fix (default: the GPUs NVML detects)")
    hw.add_argument("--gpu", metavar="NAME", help="the catalog GPU the log's server ran on")
    hw.add_argument("--gpu-count", type=int, metavar="N", help="how many catalog GPUs (default 1)")
    hw.add_argument("--gpus", metavar="I,J", help="use only these detected GPU indices")
    hw.add_argument("--gpu-memory", type=float, metavar="GIB", help="total memory per GPU as CUDA reports it")
    hw.add_argument("--gpu-used", type=float, metavar="GIB", help="memory already held per GPU by other processes")
    hw.add_argument("--compute-capability", metavar="X.Y", help="override the compute capability")
    hw.add_argument("--vllm-version", metavar="X.Y.Z", help="the release that wrote the log (default: as it says)")
    hw.add_argument("--model", metavar="MODEL",
                    help="the model folder or hub id, when the log's path is not on this machine")


def _source(args: argparse.Namespace):
    """(what to read, its name for messages, the wizard's launch record of that log or None)."""
    from pathlib import Path

    from wizard.errors import InputError
    from wizard.i18n import localize, msg
    from wizard.launch.records import latest_launch, launch_for_log

    if args.logfile is None:
        record = latest_launch()
        if record is None:
            raise InputError(localize(msg("doctor.input.no_launch")))
        return record.log_path, record.log_path, record
    if args.logfile == "-":
        return "-", "standard input", None
    return args.logfile, args.logfile, launch_for_log(Path(args.logfile).expanduser())


def _check_typed_options(args: argparse.Namespace) -> None:
    """A wrong --gpu or --vllm-version is the user's input: exit 2 naming it, as `plan` does. (What the
    log names, an unreadable model folder or a release too old to plan, only leaves the fix unverified.)"""
    if args.vllm_version is not None:
        from wizard.planner.versions import VllmVersion

        VllmVersion.parse(args.vllm_version)
    if args.gpu is not None or (args.gpu_memory is not None and args.compute_capability):
        from wizard.hardware.selection import hardware_for

        hardware_for(args)


def _request_factory(args: argparse.Namespace, report, record=None):
    """pins → PlanRequest for the log's model on the given GPUs, else the detected ones, else the GPUs
    the wizard's launch record planned for; None when the model or GPUs are unknown here. The doctor
    never downloads: a hub id is planned only when named with --model."""
    from pathlib import Path

    from wizard.errors import WizardError

    _check_typed_options(args)
    if not any(d.set is not None or d.code == "no_kv_cache_memory" for d in report.diagnoses):
        return None
    model = args.model or report.command.model
    if not model or (args.model is None and not Path(model).expanduser().is_dir()):
        return None
    from wizard.commands.plan import build_request

    plan_args = argparse.Namespace(
        model=model, gpu=args.gpu, gpu_count=args.gpu_count, gpus=args.gpus, gpu_memory=args.gpu_memory,
        gpu_used=args.gpu_used, compute_capability=args.compute_capability,
        vllm_version=args.vllm_version or report.command.vllm_version or
        (report.figures.vllm_version if report.figures else None),
        pins=[], nodes=1, rdma=None, context=None, concurrency=None, priority="balanced")
    try:
        base = build_request(plan_args)
    except (WizardError, OSError, ValueError):
        gpu = record.predicted.gpu_name if record is not None and not args.gpu else None
        if gpu is None:
            return None  # no GPU detected, an old release, an unreadable folder: give the setting unverified
        plan_args.gpu, plan_args.gpu_count = gpu, record.predicted.gpu_count
        try:
            base = build_request(plan_args)
        except (WizardError, OSError, ValueError):
            return None
    return lambda pins: base.model_copy(update={"pinned": pins, "measured": None})


def run(args: argparse.Namespace) -> int:
    from wizard.doctor.diagnose import diagnose_text
    from wizard.doctor.render import render_report
    from wizard.doctor.replan import command_of_record, replan_report
    from wizard.errors import InputError
    from wizard.i18n import detect_language, localize, msg, set_language
    from wizard.logtext import iter_log_lines

    lang = set_language(args.lang or detect_language(os.environ))
    source, what, record = _source(args)
    report = diagnose_text(iter_log_lines(source, what="LOGFILE"),
                           command_of_record(record) if record is not None else None)
    if not report.conclusive:
        raise InputError(localize(msg("doctor.input.inconclusive", what=what), lang))
    report = replan_report(report, _request_factory(args, report, record))
    if args.json:
        print(json.dumps(report.contract(), indent=2, ensure_ascii=False))
    else:
        print(render_report(report, lang))
    return report.exit_code
