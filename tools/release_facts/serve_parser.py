"""Where each release builds its `vllm serve` parser, and the flag list that results."""

from __future__ import annotations

import ast

from tools.release_facts.argparse_trace import FlagRecord, ParserObj, Tracer
from tools.release_facts.dataclass_args import KwargsRules
from tools.release_facts.evaluate import Evaluator, FuncRef
from tools.release_facts.source import SourceTree

# The `vllm serve` command (0.5.0 on: vllm/scripts.py, later vllm/entrypoints/cli/serve.py) imports
# make_arg_parser from wherever that release keeps it; before the CLI existed the OpenAI server's
# own cli_args module is the parser. Newest location first.
SERVE_COMMAND_MODULES = ("vllm.entrypoints.cli.serve", "vllm.scripts")
CLI_ARGS_MODULES = ("vllm.entrypoints.common.cli_args", "vllm.entrypoints.launchers.cli_args",
                    "vllm.entrypoints.openai.cli_args")
ARG_UTILS = "vllm.engine.arg_utils"


def find_make_arg_parser(tree: SourceTree) -> FuncRef | None:
    for name in SERVE_COMMAND_MODULES:
        found = tree.lookup(name, "make_arg_parser")
        if found is not None and found.kind == "function":
            return FuncRef(found.module, found.node)
    for name in CLI_ARGS_MODULES:
        module = tree.module(name)
        if module is None:
            continue
        for node in module.tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == "make_arg_parser":
                return FuncRef(module, node)
    return None


def serve_flags(tree: SourceTree, ev: Evaluator) -> tuple[list[FlagRecord], str]:
    """The flags `make_arg_parser(FlexibleArgumentParser())` registers, and the file it lives in."""
    entry = find_make_arg_parser(tree)
    if entry is None:
        raise LookupError("no make_arg_parser in " + " or ".join(CLI_ARGS_MODULES))
    rules = KwargsRules.from_source(ev, tree.module(ARG_UTILS))
    tracer = Tracer(ev, rules)
    params = entry.node.args.args
    tracer.run(entry, [ParserObj()] if params else [])
    return tracer.records(), entry.module.rel
