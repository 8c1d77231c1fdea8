"""`vllm-wizard calibrate LOGFILE [MODEL] [plan options] [--json] [--no-save]`.

Reads vLLM's start-up lines from a saved log, shows predicted vs actual, and stores the measured
overheads for the setup so the next plan of it uses them. The setup comes from the wizard's own
launch record when the wizard started that server; otherwise from MODEL and the plan options (the
same as for `plan`), with the vLLM version printed in the log.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    from wizard.commands.plan import add_plan_options
    from wizard.launch.args import optional_model

    p.add_argument("logfile", metavar="LOGFILE", help="a vLLM start-up log (e.g. the server.log of a detached launch)")
    add_plan_options(p)
    optional_model(p)
    p.add_argument("--json", action="store_true", help="print the figures and the record as JSON")
    p.add_argument("--no-save", action="store_true", help="show, but do not store the calibration")


def _setup(args: argparse.Namespace, figures):
    """(key, settings, predicted memory) for the log, or None when the setup is unknown."""
    from pathlib import Path

    from wizard.launch.records import launch_for_log

    record = launch_for_log(Path(args.logfile))
    if record is not None and record.calibration_key is not None:
        return record.calibration_key, record.predicted.settings, record.predicted.memory
    if not args.model:
        return None
    from wizard.commands.plan import build_request
    from wizard.launch.calibration.lookup import key_for
    from wizard.planner.plan import make_plan

    if args.vllm_version is None and figures.vllm_version:
        args.vllm_version = figures.vllm_version
    request = build_request(args).model_copy(update={"measured": None})  # predict without an older calibration
    plan = make_plan(request)
    return key_for(request, plan.settings), plan.settings.model_dump(), plan.contract()["memory"]


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from wizard.errors import InputError
    from wizard.i18n import join, localize, msg
    from wizard.launch.calibration.compare import compare, render_comparison
    from wizard.launch.calibration.parse import parse_startup_log
    from wizard.launch.calibration.store import CalibrationStore
    from wizard.launch.startup import calibration_record

    path = Path(args.logfile).expanduser()
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(msg("launch.calibrate.unreadable", path=str(path), why=str(exc.strerror or exc))) from None
    figures = parse_startup_log(text)
    if not figures.has_memory_lines:
        raise InputError(msg("launch.calibrate.no_lines", path=str(path)))
    setup = _setup(args, figures)
    record = None
    if setup is not None:
        key, settings, predicted = setup
        record = calibration_record(figures, key, settings, predicted=predicted, source=str(path.resolve()))
        if not args.no_save:
            CalibrationStore().save(record)
    if args.json:
        print(json.dumps({"figures": figures.as_dict(),
                          "record": record.model_dump(mode="json") if record else None}, indent=2))
        return 0
    rows = compare(setup[2] if setup else None, figures)
    print(render_comparison(rows))
    if record is None:
        print(localize(msg("launch.calibrate.not_stored")), file=sys.stderr)
        return 0
    m = record.measured
    gib = 1 << 30
    parts = [msg("launch.calibrate.part", label=msg(key), gib=value / gib) for key, value in
             (("launch.calibrate.activation", m.activation_bytes), ("launch.calibrate.non_torch", m.non_torch_bytes),
              ("launch.calibrate.cuda_graphs", m.cuda_graph_bytes))
             if value is not None]
    measured = join(parts) if parts else localize(msg("launch.calibrate.none_derivable"))
    print(localize(msg("launch.calibrate.measured", parts=measured, how=record.how)))
    where = msg("launch.calibrate.not_saved") if args.no_save else msg(
        "launch.calibrate.saved", gpu=record.key.gpu_name, version=record.key.vllm_version, model=record.key.model_id)
    print(localize(where))
    return 0
