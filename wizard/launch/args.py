"""Command-line pieces shared by `serve` and `export`: exposure options and where the API key comes from.

The API key is never a command-line value (it would sit in the shell history and in `ps`): it is
read from an environment variable named with --api-key-env, a file (--api-key-file), or a prompt.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from pydantic import SecretStr, ValidationError

from wizard import bounds as b
from wizard.errors import InputError
from wizard.launch.options import LaunchOptions
from wizard.i18n import localize, msg


def add_launch_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("server")
    g.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
    g.add_argument("--port", type=b.option("--port", b.parse_int, b.PORT), default=8000)
    g.add_argument("--served-model-name", metavar="NAME", help="the model name clients send")
    key = g.add_mutually_exclusive_group()
    key.add_argument("--api-key-env", metavar="NAME", help="take the API key from this environment variable")
    key.add_argument("--api-key-file", metavar="PATH", help="take the API key from this file (first line)")
    key.add_argument("--api-key-prompt", action="store_true", help="ask for the API key (not echoed)")


def read_api_key(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """(key, name of the variable it came from). Errors name the source, never the value."""
    if args.api_key_env:
        name = args.api_key_env.strip()
        value = os.environ.get(name, "")
        if not value.strip():
            raise InputError(msg("launch.key.env_unset", name=name))
        return value.strip(), name
    if args.api_key_file:
        path = Path(args.api_key_file).expanduser()
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InputError(msg("launch.key.file_unreadable", path=str(path), why=str(exc.strerror or exc))) from None
        value = lines[0].strip() if lines else ""
        if not value:
            raise InputError(msg("launch.key.file_empty", path=str(path)))
        return value, None
    if args.api_key_prompt:
        if not sys.stdin.isatty():
            raise InputError(msg("launch.key.prompt_no_tty"))
        value = getpass.getpass(localize(msg("launch.key.prompt"))).strip()
        if not value:
            raise InputError(msg("launch.key.prompt_empty"))
        return value, None
    return None, None


def launch_options(args: argparse.Namespace) -> tuple[LaunchOptions, str | None]:
    key, key_env = read_api_key(args)
    try:
        options = LaunchOptions(host=args.host, port=args.port, api_key=SecretStr(key) if key is not None else None,
                                served_model_name=args.served_model_name)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(x) for x in first.get("loc", ())) or "option"
        raise InputError(f"--{field.replace('_', '-')}: {first.get('msg', 'invalid')}".replace("Value error, ", "")) from None
    return options, key_env


def ask(question: str) -> bool:
    """A yes/no question on the terminal; False (never a silent yes) without one."""
    if not sys.stdin.isatty():
        return False
    try:
        answer = input(f"{question} [y/N] ").strip().lower()
    except EOFError:
        return False
    return answer in {"y", "yes"}


def optional_model(p: argparse.ArgumentParser) -> None:
    """Make add_plan_options' positional MODEL optional (serve --stop and calibrate do without it)."""
    for action in p._actions:  # argparse has no public way to relax a positional after adding it
        if action.dest == "model" and not action.option_strings:
            action.nargs = "?"
            action.default = None
