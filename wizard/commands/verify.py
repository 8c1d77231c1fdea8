"""`vllm-wizard verify [URL] [--model NAME] [--api-key-env NAME] [--json] [--timeout S] [--lang L]`.

After launch, prove the server answers sanely: a few small requests to its OpenAI API, each judged
by a check with a stable code (contract: shared/contracts/check-doctor-verify.md). URL defaults to
the wizard's last detached launch, whose plan says which parsers and context length to expect and
how fast it should be. Exit 0 every check passed, 3 a check failed, 2 unreachable or bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def _seconds(text: str) -> float:
    from wizard.i18n import localize, msg

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(localize(msg("verify.input.timeout", text=text))) from None
    if not 1 <= value <= 3600:
        raise argparse.ArgumentTypeError(localize(msg("verify.input.timeout", text=text)))
    return value


def _language(text: str) -> str:
    from wizard.i18n import localize, msg, normalise

    lang = normalise(text)
    if lang is None:
        raise argparse.ArgumentTypeError(localize(msg("verify.input.lang", text=text)))
    return lang


def add_arguments(p: argparse.ArgumentParser) -> None:
    from wizard.verify.runner import DEFAULT_TIMEOUT

    p.add_argument("url", nargs="?", metavar="URL",
                   help="the server (http://host:port); default: the last server started with serve --detach")
    p.add_argument("--model", metavar="NAME", help="the model name to ask for (default: the plan's, else the first listed)")
    p.add_argument("--api-key-env", metavar="NAME",
                   help="environment variable holding the API key (default: the launch's, else VLLM_API_KEY)")
    p.add_argument("--json", action="store_true", help="print one JSON object (the contract's verify output)")
    p.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="S",
                   help=f"the most seconds everything may take (default {DEFAULT_TIMEOUT:.0f})")
    p.add_argument("--lang", type=_language, metavar="LANG",
                   help="language of the human output: en or zh_CN (default: the locale)")


def run(args: argparse.Namespace) -> int:
    from wizard.i18n import detect_language, localize, set_language
    from wizard.verify.report import render_check, render_header
    from wizard.verify.runner import run_verify
    from wizard.verify.target import resolve_target

    lang = set_language(args.lang or detect_language(os.environ))
    target = resolve_target(args.url, model=args.model, api_key_env=args.api_key_env)
    if args.json:
        report = run_verify(target, timeout=args.timeout)
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=1))
        return report.exit_code
    print(render_header(target.url, target.model or target.expectations.model, target.expectations.source, lang),
          flush=True)
    report = run_verify(target, timeout=args.timeout,
                        on_check=lambda check: print(render_check(check, lang), flush=True))
    print(localize(report.headline(), lang), file=sys.stdout if report.ok else sys.stderr, flush=True)
    return report.exit_code
