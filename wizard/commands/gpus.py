"""`vllm-wizard gpus [--catalog] [--json]`: the GPUs this machine has, or the ones it could plan for.

Everything heavy (pydantic, NVML) is imported inside `run`, because cli.py imports this module just
to build the parser. A detection failure is raised as a HardwareError; cli.py prints its one line
and exits 2.
"""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog",
        action="store_true",
        help="list the GPU catalog (names usable with `plan --gpu`) instead of detecting GPUs",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    if args.catalog:
        from wizard.hardware.catalog import catalog_entries
        from wizard.hardware.report import render_catalog

        entries = catalog_entries()
        if args.json:
            payload = [{**e.to_json(), "total_gib": round(e.total_gib, 2)} for e in entries]
            print(json.dumps(payload, indent=2))
        else:
            print(render_catalog(entries))
        return 0

    from wizard.hardware.probe import probe
    from wizard.hardware.report import render_hardware

    facts = probe()
    if args.json:
        print(json.dumps(facts.model_dump(mode="json"), indent=2))
    else:
        print(render_hardware(facts))
    return 0
