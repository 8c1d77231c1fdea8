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

from wizard import bounds

LOG_BYTES = 256 << 20  # a start-up log is a few MB; the start-up is at its beginning


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


def _save(store, record):
    """Store the record; a store that cannot be written is said (with where), not fatal: the figures
    are still shown. A corrupt store set aside is said too."""
    from wizard.i18n import localize, msg
    from wizard.launch.calibration.store import StoreWriteError

    try:
        saved = store.save(record)
    except StoreWriteError as exc:
        print(localize(msg("bounds.store_unwritable", path=exc.path, reason=exc.reason)), file=sys.stderr)
        return None
    if saved.set_aside is not None:
        print(localize(msg("bounds.store_set_aside", path=saved.path, aside=saved.set_aside)), file=sys.stderr)
    return saved


def _how(text: str):
    """The stored record's sentence as a catalog Message again (the pydantic record keeps only its
    English text), so it prints in the chosen language; any other text as it is."""
    from wizard.i18n import catalog, msg

    for key, english in catalog("en").items():
        if key.startswith("launch.how.") and english == text:
            return msg(key)
    return text


def run(args: argparse.Namespace) -> int:

    from wizard.errors import InputError
    from wizard.i18n import join, localize, msg
    from wizard.launch.calibration.compare import compare, render_comparison
    from wizard.launch.calibration.parse import parse_startup_log, startup_lines
    from wizard.launch.calibration.store import CalibrationStore
    from wizard.launch.startup import calibration_record
    from wizard.logtext import ReadStats, iter_log_lines
    from wizard.userpath import expand

    path = expand(args.logfile, "LOGFILE")
    # Line by line, each line and the whole read capped: /dev/zero or a days-long server.log ends
    # in bounded time and memory; only the lines that can hold start-up figures are kept.
    stats = ReadStats()
    figures = parse_startup_log(startup_lines(iter_log_lines(path, max_bytes=LOG_BYTES, stats=stats)))
    if not figures.has_memory_lines:
        raise InputError(msg("launch.calibrate.no_lines", path=str(path)))
    if stats.stopped_early:
        print(localize(msg("bounds.log_cut", path=bounds.shown(path), mib=LOG_BYTES >> 20)), file=sys.stderr)
    setup = _setup(args, figures)
    record = None
    saved = None
    if setup is not None:
        key, settings, predicted = setup
        record = calibration_record(figures, key, settings, predicted=predicted, source=str(path.resolve()))
        if not args.no_save:
            saved = _save(CalibrationStore(), record)
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
              ("launch.calibrate.cuda_graphs", m.cuda_graph_bytes),
              ("launch.calibrate.context", m.context_bytes))
             if value is not None]
    measured = join(parts) if parts else localize(msg("launch.calibrate.none_derivable"))
    print(localize(msg("launch.calibrate.measured", parts=measured, how=_how(record.how))))
    if args.no_save:
        print(localize(msg("launch.calibrate.not_saved")))
    elif saved is not None:
        print(localize(msg("launch.calibrate.saved", gpu=record.key.gpu_name, version=record.key.vllm_version,
                           model=record.key.model_id)))
    return 0
