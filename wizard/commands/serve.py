"""`vllm-wizard serve MODEL --yes [plan options] [server options] [--detach] [--dry-run]`.

Plans, adapts the argv to the installed vLLM, runs the preflight checks, has the installed vLLM
parse the argv and build its engine configuration, then execs `vllm serve` (default) or starts it
detached and follows its start-up live (phase, elapsed vs usual, log lines), compares it with the plan
(calibration), verifies the running server (`vllm-wizard verify`) and ends with one verdict.
`serve --stop` stops the last detached server. Exit codes: 0 launched (or dry run; detached: serving
correctly), 2 bad input / preflight refused, 3 the plan or vLLM's own check says it would not start,
or verify found a problem with the started server, 1 the detached server did not become healthy.
"""

from __future__ import annotations

import argparse
import sys

from wizard import bounds as b
from wizard.commands.plan import add_plan_options

EXIT_REFUSED, EXIT_FAILS, EXIT_DIED = 2, 3, 1  # a detached launch's verdict has its own (Verdict.exit_code)


def add_arguments(p: argparse.ArgumentParser) -> None:
    from wizard.launch.args import add_launch_options, optional_model

    add_plan_options(p)
    optional_model(p)
    add_launch_options(p)
    g = p.add_argument_group("launch")
    g.add_argument("--yes", "-y", action="store_true", help="launch without showing the plan and asking first")
    g.add_argument("--detach", action="store_true", help="run in the background (log + pid file), wait for /health")
    g.add_argument("--dry-run", action="store_true", help="print the command (secrets masked) and the checks; launch nothing")
    g.add_argument("--trust-remote-code", action="store_true", help="allow running Python code from the model repository")
    g.add_argument("--allow-no-api-key", action="store_true", help="allow listening beyond this machine without an API key")
    g.add_argument("--no-validate", action="store_true", help="skip the installed vLLM's own check of the argv")
    g.add_argument("--wait", type=b.option("--wait", b.parse_float, b.WAIT_S), default=900, metavar="S",
                   help="with --detach: seconds to wait for /health")
    g.add_argument("--no-verify", action="store_true",
                   help="with --detach: do not run `vllm-wizard verify` once the server is healthy")
    g.add_argument("--stop", action="store_true", help="stop the last server started with --detach")


def _say(text: str) -> None:
    print(text, flush=True)


def _t(key: str, **params: object) -> str:
    """A catalog sentence in the language the CLI chose (--lang, else the locale)."""
    from wizard.i18n import localize, msg

    return localize(msg(key, **params))


def _stop() -> int:
    from wizard.errors import InputError
    from wizard.i18n import msg
    from wizard.launch.detach import is_alive, stop
    from wizard.launch.records import latest_launch

    record = latest_launch()
    if record is None:
        raise InputError(msg("launch.serve.no_detached"))
    if not is_alive(record):
        _say(_t("launch.serve.not_running", pid=record.pid, url=record.url))
        return 0
    gone = stop(record)
    _say(_t("launch.serve.stopped", pid=record.pid, url=record.url) if gone else _t("launch.serve.not_stopped", pid=record.pid))
    return 0 if gone else EXIT_DIED


def run(args: argparse.Namespace) -> int:
    from wizard.errors import InputError
    from wizard.i18n import localize, msg
    from wizard.vllm_env import find_vllm

    if args.stop:
        return _stop()
    if not args.model:
        raise InputError(msg("launch.serve.model_required"))
    install = find_vllm()
    if args.vllm_version is None and install is not None:
        args.vllm_version = install.version  # plan for the vLLM this command will exec
    if args.trust_remote_code:
        args.pins = [*args.pins, "trust-remote-code=true"]

    from wizard.commands.plan import build_request
    from wizard.launch.args import ask, launch_options
    from wizard.launch.command import build_command
    from wizard.launch.preflight import Consent
    from wizard.launch.prepare import prepare_launch, recheck
    from wizard.planner.plan import make_plan
    from wizard.planner.report import render_plan

    plan = make_plan(build_request(args))
    if not plan.ok:
        _say(render_plan(plan))
        print(f"vllm-wizard: {_t('launch.serve.plan_fails', code=plan.failure_code)}", file=sys.stderr)
        return EXIT_FAILS
    options, key_env = launch_options(args)
    # The same preparation the app's Review step runs (wizard/launch/prepare.py).
    flags = Consent(args.trust_remote_code, args.allow_no_api_key)
    prepared = prepare_launch(plan, build_command(plan, options), options, consent=flags, install=install,
                              ask_vllm=not args.no_validate)
    for note in prepared.notes:
        _say(_t("launch.serve.note", note=note))
    if prepared.problems:
        for problem in prepared.problems:
            print(f"vllm-wizard: {localize(problem)}", file=sys.stderr)
        return EXIT_FAILS
    command = prepared.command
    if args.dry_run:
        _say(command.shell_line())
        _say(prepared.preflight.render())
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            raise InputError(msg("launch.serve.no_tty"))
        _say(render_plan(plan))
        _say("\n" + command.shell_line())
        if not ask(_t("launch.serve.ask_launch")):
            _say(_t("launch.serve.not_launched"))
            return 0
    consent = _consent(args, plan, options)
    if consent != flags:
        prepared = recheck(prepared, plan, options, consent)
    report = prepared.preflight
    _say(_t("launch.serve.preflight") + "\n" + report.render())
    if not report.ok:
        refused = _t("launch.serve.refused", message=report.blocking[0].message, fix=report.blocking[0].fix)
        print(f"vllm-wizard: {refused}", file=sys.stderr)
        return EXIT_REFUSED
    if not _validated(prepared):
        return EXIT_FAILS
    if args.detach:
        return _detached(plan, command, options, prepared.install, key_env, args)
    from wizard.launch.execute import exec_command

    exec_command(command, vllm_exe=prepared.vllm_exe)
    return 0  # only reached when exec is replaced (tests)


def _consent(args, plan, options):
    """Consent comes from a flag, or (without --yes) from a yes on the terminal; never assumed."""
    from wizard.launch.args import ask
    from wizard.launch.preflight import Consent

    trust, open_ok = args.trust_remote_code, args.allow_no_api_key
    if not args.yes:
        if plan.settings.trust_remote_code and not trust:
            trust = ask(_t("launch.serve.ask_remote_code"))
        if options.all_interfaces and options.api_key is None and not open_ok:
            open_ok = ask(_t("launch.serve.ask_open", host=options.host))
    return Consent(trust_remote_code=trust, open_without_api_key=open_ok)


def _validated(prepared) -> bool:
    from wizard.launch.prepare import validate_command

    if prepared.info is None:
        return True  # no answering vLLM to ask (--no-validate, or none found: preflight said so)
    _say(_t("launch.serve.validating", version=prepared.install.version))
    result = validate_command(prepared)
    if result is None or result.ok:
        _say(_t("launch.serve.accepted"))
        return True
    version = prepared.install.version
    print(f"vllm-wizard: {_t('launch.serve.rejected', version=version, code=result.code, error=result.error)}",
          file=sys.stderr)
    print(f"vllm-wizard: {_t('launch.serve.rejected_fix', fix=result.fix)}", file=sys.stderr)
    return False


def _detached(plan, command, options, install, key_env, args) -> int:
    """Start vLLM in the background, follow its start-up live, compare, verify, and give one verdict."""
    from wizard.i18n import localize, msg
    from wizard.launch.detach import start_detached
    from wizard.launch.watch import Verdict, watch_launch
    from wizard.launch.watch_text import WatchPrinter

    record = start_detached(command, plan, options, vllm_exe=install.vllm_exe if install else None,
                            api_key_env=key_env)
    _say(localize(msg("startup.text.started", pid=record.pid, log=record.log_path)))
    _say(localize(msg("startup.text.waiting", seconds=args.wait, url=record.url)))
    printer = WatchPrinter(_say, lambda text: print(text, file=sys.stderr, flush=True))
    key = options.api_key.get_secret_value() if options.api_key is not None else None
    verdict = None
    for event in watch_launch(record, timeout=args.wait, api_key=key, verify=not args.no_verify):
        printer(event)
        if isinstance(event, Verdict):
            verdict = event
    if verdict is not None and verdict.diagnoses:  # the app's Launch step offers the same re-plan as `r`
        from wizard.launch.diagnosis import replan_for
        from wizard.launch.startup import read_log

        replan = replan_for(plan, verdict.diagnoses, read_log(record.log_path))
        if replan is not None:
            sets = " ".join(f"--set {pin}" for pin in replan.label.split())
            _say(localize(msg("launch.replan_cli", sets=sets)))
    return verdict.exit_code if verdict is not None else EXIT_DIED
