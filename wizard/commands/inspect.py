"""`vllm-wizard inspect MODEL [--json]`: describe a model from its config files and safetensors headers.

MODEL is a local folder (or a Hugging Face cache folder), or a hub id: `org/name` / `hf:org/name`
(Hugging Face) or `ms:org/name` (ModelScope). A hub model already complete in its cache is read from
disk; otherwise only its file list, small files and safetensors headers are fetched, no weights.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL",
                        help="a local model folder, a cache folder, org/name, hf:org/name or ms:org/name")
    parser.add_argument("--json", action="store_true", help="print the ModelFacts as one JSON object")
    parser.add_argument("--revision", metavar="R", help="hub models: branch, tag or commit (default: main / master)")
    parser.add_argument("--hf-endpoint", metavar="URL",
                        help="Hugging Face endpoint or mirror (default: HF_ENDPOINT, else https://huggingface.co)")


def run(args: argparse.Namespace) -> int:
    # Imported here, not at module level: building the CLI parser must stay cheap.
    from wizard.model.resolve import parse_ref

    ref = parse_ref(args.model)
    if ref.source == "local":
        from wizard.model.local import inspect_local

        facts = inspect_local(args.model)
    else:
        from wizard.hub.resolve import load_model_facts

        facts, _ = load_model_facts(args.model, revision=args.revision, hf_endpoint=args.hf_endpoint)
    if args.json:
        import json

        print(json.dumps(facts.model_dump(mode="json"), indent=2))
    else:
        from wizard.model.report import format_facts

        print(format_facts(facts))
    return 0
