"""The `vllm-wizard` console script: argument parsing and dispatch only.

Headless subcommands live in wizard.commands.*; with no subcommand the Textual app starts (the only
place `screens` is imported). Errors the user caused print one line and exit 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from wizard import __version__

# name -> (module, one-line help). Modules are imported lazily when the parser is built.
COMMANDS: dict[str, tuple[str, str]] = {
    "gpus": ("wizard.commands.gpus", "list the detected GPUs, or the GPU catalog"),
    "inspect": ("wizard.commands.inspect", "describe a model from its config and safetensors headers"),
    "plan": ("wizard.commands.plan", "plan every vLLM setting and predict vLLM's start-up"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vllm-wizard",
        description="From a fresh GPU server to a correctly configured, running `vllm serve`.",
    )
    parser.add_argument("--version", action="version", version=f"vllm-wizard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Answer --version before building the parser: it must not pay for importing every command.
    if argv == ["--version"]:
        print(f"vllm-wizard {__version__}")
        return 0
    parser = build_parser()
    args = parser.parse_args(argv)
    from wizard.errors import WizardError

    try:
        if args.command is None:
            return _run_app(args)
        return int(args._run(args) or 0)
    except WizardError as exc:
        print(f"vllm-wizard: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("vllm-wizard: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _run_app(args: argparse.Namespace) -> int:
    from screens.app import run_app

    return run_app()


if __name__ == "__main__":
    raise SystemExit(main())
