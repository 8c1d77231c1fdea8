"""The `vllm-wizard` console script: the guided app with no subcommand, the headless CLI otherwise.

It lives here, not in wizard/, so the headless core never imports the UI; headless subcommands do
not import textual either (the app module is imported only when the app starts).
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from wizard.cli import main as headless_main
    from wizard.cli import wants_app

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["monitor"]:
        return _monitor(args)
    if not wants_app(args):
        return headless_main(args)
    # The app branch: flags such as --demo, --dry-run and --lang are parsed by screens.run.
    from screens.run import run_app

    return run_app(args)


# -- `vllm-wizard monitor` ---------------------------------------------------------------------------
# The live monitor is a Textual app, so it starts here rather than in wizard/commands/monitor.py.
# `monitor --once`/`--json`, --help, and any run without a terminal (pipes, cron) stay headless: the
# CLI's parser for one command imports only that command's module, which keeps `--once` fast.


def _monitor(args: list[str]) -> int:
    if _wants_live_monitor(args):
        return _run_live_monitor(args)
    from wizard.cli import main as headless_main

    return headless_main(args)


def _wants_live_monitor(args: list[str]) -> bool:
    if not args or args[0] != "monitor":
        return False
    if any(a in ("--once", "--json", "-h", "--help") for a in args[1:]):
        return False
    return sys.stdin.isatty() and sys.stdout.isatty()


def _run_live_monitor(args: list[str]) -> int:
    from wizard.cli import build_parser
    from wizard.commands.monitor import config_from_args
    from wizard.errors import WizardError
    from wizard.monitor.sampler import Sampler

    try:
        # An option's value refused by wizard.bounds (--history inf) is one line too.
        config = config_from_args(build_parser(only="monitor").parse_args(args))
        # Built before the app so a bad --launch-record or GPU fixture is one line, not a toast.
        sampler = Sampler.from_config(config)
    except WizardError as exc:
        print(f"vllm-wizard: {exc.message}", file=sys.stderr)
        return exc.exit_code
    from screens.monitor.app import MonitorApp

    MonitorApp(config, sampler=sampler).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
