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
    if not wants_app(args):
        return headless_main(args)
    from screens.app import run_app

    return run_app()


if __name__ == "__main__":
    raise SystemExit(main())
