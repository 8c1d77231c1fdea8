"""`vllm-wizard inspect PATH [--json]`: describe a model from its config files and safetensors headers."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="PATH", help="a local model folder (or a Hugging Face cache folder)")
    parser.add_argument("--json", action="store_true", help="print the ModelFacts as one JSON object")


def run(args: argparse.Namespace) -> int:
    # Imported here, not at module level: building the CLI parser must stay cheap.
    from wizard.model.local import inspect_local

    facts = inspect_local(args.model)
    if args.json:
        import json

        print(json.dumps(facts.model_dump(mode="json"), indent=2))
    else:
        from wizard.model.report import format_facts

        print(format_facts(facts))
    return 0
