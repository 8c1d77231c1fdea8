"""The headless command line: argument parsing and dispatch of the subcommands only.

Subcommands live in wizard.commands.*. The `vllm-wizard` console script (screens/entry.py) calls
`main` for every subcommand and starts the Textual app when there is none, so this module never
touches the UI. Errors the user caused print one line and exit 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Iterable
from typing import cast

from wizard import __version__
from wizard.errors import WizardError

# name -> (module, one-line help). Modules are imported lazily when the parser is built.
COMMANDS: dict[str, tuple[str, str]] = {
    "gpus": ("wizard.commands.gpus", "list the detected GPUs, or the GPU catalog"),
    "inspect": ("wizard.commands.inspect", "describe a model from its config and safetensors headers"),
    "download": ("wizard.commands.download", "download exactly the files vLLM loads, resumably"),
    "plan": ("wizard.commands.plan", "plan every vLLM setting and predict vLLM's start-up"),
    "monitor": ("wizard.commands.monitor", "watch the GPUs and the running vLLM server (--once: one snapshot)"),
    "serve": ("wizard.commands.serve", "plan, check with the installed vLLM, and launch `vllm serve`"),
    "export": ("wizard.commands.export", "write the plan as vllm YAML, env, systemd, docker, compose, script or k8s"),
    "calibrate": ("wizard.commands.calibrate", "read a vLLM start-up log: predicted vs actual, stored for later plans"),
    "verify": ("wizard.commands.verify", "prove a running server answers sanely: output form, parsers, context, speed"),
    "check": ("wizard.commands.check", "predict exactly your own `vllm serve` command or YAML: findings and verified fixes"),
    "doctor": ("wizard.commands.doctor", "read a vLLM log: why the start failed, with the evidence line and the fix"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `only`, just that subcommand's module is imported and given its options
    (every command is still listed), so one command does not pay for importing all the others.
    `only=""` imports none: the top-level --help lists the commands from COMMANDS alone."""
    parser = argparse.ArgumentParser(
        prog="vllm-wizard",
        description="From a fresh GPU server to a correctly configured, running `vllm serve`.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "With no COMMAND the guided app starts:\n"
            "  vllm-wizard [MODEL] [--demo] [--dry-run] [--lang en|zh_CN] [--vllm-version X.Y.Z] [--no-mouse]\n"
            "  --demo runs the whole flow on sample GPUs and a bundled model (no GPU, no network) and\n"
            "  prints the command it would exec; --dry-run prints the command instead of exec'ing it."
        ),
    )
    parser.add_argument("--version", action="version", version=f"vllm-wizard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        if only is None or name == only:
            module = importlib.import_module(module_name)
            module.add_arguments(cmd)
            _add_lang(cmd)
            cmd.set_defaults(_run=module.run)
    return parser


def _add_lang(cmd: argparse.ArgumentParser) -> None:
    """--lang on every subcommand (those that declare their own, as check and verify do, keep theirs)."""
    if "--lang" not in cmd._option_string_actions:
        cmd.add_argument("--lang", type=_language, metavar="LANG",
                         help="language of the human output: en or zh_CN (default: LC_ALL/LANG); JSON stays English")


def _language(text: str) -> str:
    from wizard.i18n import localize, msg, normalise  # noqa: PLC0415 - keeps the message catalog out of `--help`

    lang = normalise(text)
    if lang is None:
        raise argparse.ArgumentTypeError(localize(msg("cli.error.lang", text=text)))
    return lang


def wants_app(argv: list[str]) -> bool:
    """True when the command line names no subcommand (and is not --help/--version): run the app."""
    return not any(a in COMMANDS or a in {"-h", "--help", "--version"} for a in argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _tolerant_output()
    # Answer --version before building the parser: it must not pay for importing every command.
    if argv == ["--version"]:
        print(f"vllm-wizard {__version__}")
        return 0
    # Start-up: only the command named is imported; with none (--help, a typo), no command module.
    parser = build_parser(argv[0] if argv and argv[0] in COMMANDS else "")
    translate_help(parser, _argv_language(argv))  # help texts and argparse's own errors

    try:
        args = parser.parse_args(argv)
    except WizardError as exc:  # an option's type (wizard.bounds) refused its value: one line, not usage
        from wizard.i18n import localize  # noqa: PLC0415 - keeps the message catalog out of `--help`

        print(f"vllm-wizard: {localize(exc.message, _argv_language(argv))}", file=sys.stderr)
        return exc.exit_code
    if args.command is None:
        parser.print_help(sys.stderr)

        from wizard.i18n import detect_language, localize, msg  # noqa: PLC0415 - keeps the message catalog out of `--help`

        print(f"\nvllm-wizard: {localize(msg('cli.error.no_command'), detect_language(os.environ))}", file=sys.stderr)
        return 2
    return run_reporting_errors(args._run, args)


def translate_help(parser: argparse.ArgumentParser, lang: str) -> None:
    """The parser's help texts in `lang`: each English text written in the command modules is a value
    of the catalog's `cli.help.*` keys, looked up here, so the modules keep plain literals. A text
    with no key stays as it is."""
    from wizard.i18n import catalog  # noqa: PLC0415 - keeps the message catalog out of `--help`

    if lang == "en":
        return
    english, chosen = catalog("en"), catalog(lang)
    keys = {text: key for key, text in english.items() if key.startswith("cli.help.")}
    keys["positional arguments"], keys["options"] = "cli.help.group.positional", "cli.help.group.options"

    def tr(text: str | None) -> str | None:
        return chosen.get(keys[text], text) if text in keys else text

    parsers, seen = [parser], set()
    while parsers:
        current = parsers.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        current.description, current.epilog = tr(current.description), tr(current.epilog)
        current.error = _error_in(current, lang)  # type: ignore[method-assign]
        current.formatter_class = _usage_prefixed(cast(type[argparse.HelpFormatter], current.formatter_class),
                                                  chosen.get("cli.help.usage", "usage: "))
        for group in current._action_groups:
            group.title = tr(group.title)
        for action in current._actions:
            action.help = tr(action.help)
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    choice.help = tr(choice.help)
                parsers += list(action.choices.values())


# argparse's own messages (Python 3.10-3.13 wording), each to its catalog key; others stay as they are.
_ARGPARSE = (
    (re.compile(r"the following arguments are required: (?P<names>.+)", re.S), "cli.argparse.required"),
    (re.compile(r"unrecognized arguments: (?P<args>.+)", re.S), "cli.argparse.unrecognized"),
    (re.compile(r"one of the arguments (?P<names>.+) is required", re.S), "cli.argparse.one_of"),
    (re.compile(r"invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)", re.S), "cli.argparse.invalid_choice"),
    (re.compile(r"invalid (?P<type>\w+) value: (?P<value>.+)", re.S), "cli.argparse.invalid_value"),
    (re.compile(r"expected one argument"), "cli.argparse.expected_one"),
    (re.compile(r"not allowed with argument (?P<other>.+)", re.S), "cli.argparse.not_allowed"),
    (re.compile(r"ambiguous option: (?P<option>\S+) could match (?P<matches>.+)", re.S), "cli.argparse.ambiguous"),
)


def _usage_prefixed(formatter: type[argparse.HelpFormatter], prefix: str) -> type[argparse.HelpFormatter]:
    """The parser's formatter with argparse's "usage: " said in the user's language (argparse takes the
    prefix as an argument, so no gettext catalog has to be installed for it)."""

    class Localized(formatter):  # type: ignore[misc, valid-type]
        def add_usage(self, usage: str | None, actions: Iterable[argparse.Action],
                      groups: Iterable[argparse._MutuallyExclusiveGroup], prefix_: str | None = None) -> None:
            super().add_usage(usage, actions, groups, prefix if prefix_ is None else prefix_)

    return Localized


def argparse_message(message: str, lang: str) -> str:
    """One of argparse's error messages in `lang`."""
    from wizard.i18n import localize, msg  # noqa: PLC0415 - keeps the message catalog out of `--help`

    found = re.fullmatch(r"argument (?P<arg>\S+?): (?P<inner>.+)", message, re.S)
    if found:
        return localize(msg("cli.argparse.argument", arg=found["arg"], message=argparse_message(found["inner"], lang)),
                        lang)
    for pattern, key in _ARGPARSE:
        found = pattern.fullmatch(message)
        if found:
            return localize(msg(key, **found.groupdict()), lang)
    return message


def _error_in(parser: argparse.ArgumentParser, lang: str):
    """`parser.error` that says argparse's message in `lang` (usage, then one line, exit 2)."""
    from wizard.i18n import localize, msg  # noqa: PLC0415 - keeps the message catalog out of `--help`

    def error(message: str):
        parser.print_usage(sys.stderr)
        parser.exit(2, localize(msg("cli.argparse.error", prog=parser.prog, message=argparse_message(message, lang)),
                                lang) + "\n")

    return error


def _argv_language(argv: list[str]) -> str:
    """The language asked for before the parser could finish: --lang X / --lang=X, else the locale."""
    from wizard.i18n import detect_language, normalise  # noqa: PLC0415 - keeps the message catalog out of `--help`

    for i, arg in enumerate(argv):
        value = argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else arg[7:] if arg.startswith("--lang=") else None
        if value is not None and normalise(value):
            return normalise(value) or "en"
    return detect_language(os.environ)


def _tolerant_output() -> None:
    """A path or model name the terminal's encoding cannot show (PYTHONIOENCODING=ascii, a C locale)
    is printed escaped instead of ending the command with UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) == "strict":
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a detached or closed stream: leave it as it is
                pass


def run_reporting_errors(run, args: argparse.Namespace) -> int:
    """Run a command; a user's error becomes one line on stderr and its exit code, never a traceback."""
    from wizard.i18n import detect_language, localize, msg, normalise, set_language  # noqa: PLC0415 - keeps the message catalog out of `--help`

    lang = set_language(normalise(getattr(args, "lang", None)) or detect_language(os.environ))
    try:
        return int(run(args) or 0)
    except WizardError as exc:
        print(f"vllm-wizard: {localize(exc.message, lang)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"vllm-wizard: {localize(msg('cli.interrupted'), lang)}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
