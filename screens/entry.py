"""The `vllm-wizard` console script: the guided app with no subcommand, the headless CLI otherwise.

It lives here, not in wizard/, so the headless core never imports the UI; headless subcommands do
not import textual either (the app module is imported only when the app starts).
"""

from __future__ import annotations

import os
import sys

from wizard.cli import build_parser, wants_app
from wizard.cli import main as headless_main
from wizard.errors import WizardError


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["monitor"]:
        return _monitor(args)
    if not wants_app(args):
        return headless_main(args)
    # The app branch: flags such as --demo, --dry-run and --lang are parsed by screens.run.
    from screens.run import run_app  # noqa: PLC0415 - the app's modules (textual) load only when the app runs

    return run_app(args)


# -- `vllm-wizard monitor` ---------------------------------------------------------------------------
# The live monitor is a Textual app, so it starts here rather than in wizard/commands/monitor.py.
# `monitor --once`/`--json`, --help, and any run without a terminal (pipes, cron) stay headless: the
# CLI's parser for one command imports only that command's module, which keeps `--once` fast.


def _monitor(args: list[str]) -> int:
    if _wants_live_monitor(args):
        return _run_live_monitor(args)
    return headless_main(args)


def _wants_live_monitor(args: list[str]) -> bool:
    if not args or args[0] != "monitor":
        return False
    if any(a in ("--once", "--json", "-h", "--help") for a in args[1:]):
        return False
    return sys.stdin.isatty() and sys.stdout.isatty()


def _run_live_monitor(args: list[str]) -> int:
    from screens.i18n import detect_language, set_language  # noqa: PLC0415 - live monitor only: its modules stay out of the headless commands
    from wizard.commands.monitor import config_from_args  # noqa: PLC0415 - live monitor only: its modules stay out of the headless commands
    from wizard.monitor.sampler import Sampler  # noqa: PLC0415 - live monitor only: wizard.monitor.sampler pulls psutil

    try:
        # An option's value refused by wizard.bounds (--history inf) is one line too.
        parsed = build_parser(only="monitor").parse_args(args)
        config = config_from_args(parsed)
        # The live monitor speaks the user's language, as the app does (--lang where the CLI has it).
        set_language(getattr(parsed, "lang", None) or detect_language(os.environ))
        # Built before the app so a bad --launch-record or GPU fixture is one line, not a toast.
        sampler = Sampler.from_config(config)
    except WizardError as exc:
        print(f"vllm-wizard: {exc.message}", file=sys.stderr)
        return exc.exit_code
    from screens.monitor.app import MonitorApp  # noqa: PLC0415 - live monitor only: textual loads when it runs

    MonitorApp(config, sampler=sampler).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
