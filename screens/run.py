"""`vllm-wizard [MODEL] [--demo] [--dry-run] [--lang en|zh_CN] [--vllm-version X.Y.Z] [--no-mouse]
[--hf-endpoint URL]`.

Runs the app, then hands the terminal to vLLM: Textual has restored the terminal by the time
`app.run()` returns, NVML is released, and `os.execvpe` replaces this process. `--dry-run` and
`--demo` print the command instead of running it.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from screens.handoff import exec_command, print_command, shutdown_nvml
from screens.i18n import LANGUAGES, detect_language, normalise, set_language, t
from screens.services import default_services
from wizard.envvars import FAKE_GPUS
from wizard.errors import WizardError
from wizard.planner.versions import NEWEST_KNOWN, VllmVersion
from wizard.vllm_env import installed_version

if TYPE_CHECKING:
    from screens.handoff import Handoff

EXEC_FAILED = 127
EXIT_REFUSED = 3  # as `vllm-wizard serve`: vLLM's own check says it would not start


def build_parser() -> argparse.ArgumentParser:
    # Help texts stay English: argparse output belongs to the headless CLI's conventions.
    p = argparse.ArgumentParser(prog="vllm-wizard", description="The guided app.")
    p.add_argument("model", nargs="?", metavar="MODEL", help="start with this model (folder or org/name)")
    p.add_argument("--demo", action="store_true", help="sample hardware and model, offline; prints the command")
    p.add_argument("--dry-run", action="store_true", help="print the command instead of running it")
    p.add_argument("--lang", metavar="LANG", help=f"screen language ({', '.join(LANGUAGES)})")
    p.add_argument("--vllm-version", metavar="X.Y.Z", help="release to plan for (default: the installed vLLM)")
    p.add_argument("--no-mouse", action="store_true", help="do not capture the mouse (native text selection)")
    p.add_argument("--hf-endpoint", metavar="URL",
                   help="Hugging Face endpoint or mirror, e.g. https://hf-mirror.com (default: HF_ENDPOINT)")
    return p


def _version(requested: str | None) -> str:
    version = requested or installed_version() or NEWEST_KNOWN
    VllmVersion.parse(version)  # InputError with one plain sentence when malformed or too old
    return version


def run_app(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.lang and normalise(args.lang) is None:
        print(f"vllm-wizard: --lang {args.lang!r}: use one of {', '.join(LANGUAGES)}", file=sys.stderr)
        return 2
    # The language is chosen before any screen module is imported: bindings are translated at start.
    set_language(args.lang or detect_language(os.environ))

    try:
        version = _version(args.vllm_version)
        if args.hf_endpoint:
            from screens.hub import apply_hf_endpoint  # noqa: PLC0415 - the hub helpers load only with --hf-endpoint, not for the first frame

            apply_hf_endpoint(args.hf_endpoint)  # the app's clients, a launched vLLM and the exports use it
    except WizardError as exc:
        print(f"vllm-wizard: {exc.message}", file=sys.stderr)
        return exc.exit_code

    from screens.app import AppConfig, WizardApp  # noqa: PLC0415 - textual loads only when the app runs: the CLI stays fast

    if args.demo:
        from screens.demo import DEMO_FIXTURE, DEMO_MODEL_ID, demo_services  # noqa: PLC0415 - the demo's fixtures load only for --demo

        # The demo never execs, so the monitor mode may watch the same sample GPUs the wizard shows.
        os.environ.setdefault(FAKE_GPUS, DEMO_FIXTURE)

        config = AppConfig(services=demo_services(), vllm_version=version, model_text=args.model or DEMO_MODEL_ID,
                           demo=True)
    else:
        config = AppConfig(services=default_services(), vllm_version=version, model_text=args.model or "",
                           dry_run=args.dry_run)
    app = WizardApp(config)
    handoff = app.run(mouse=not args.no_mouse)
    if handoff is None:
        return app.return_code or 0
    shutdown_nvml()
    if args.demo or args.dry_run:
        print_command(handoff.command, t("handoff.demo_header" if args.demo else "handoff.dry_run_header"))
        if handoff.prepared is not None:
            print(handoff.prepared.render(), flush=True)
        return 0
    return _launch(handoff)


def _launch(handoff: Handoff) -> int:
    """vLLM's own check of the argv (it imports vLLM, so it runs here, with the terminal back), then
    exec: the last step of `vllm-wizard serve` too, with the same verdicts."""
    from wizard.launch.prepare import validate_command  # noqa: PLC0415 - wizard.launch.prepare pulls pydantic: kept off start-up

    prepared = handoff.prepared
    if prepared is not None and prepared.install is not None and prepared.info is not None:
        print(t("handoff.validating", version=prepared.install.version), flush=True)
        try:
            result = validate_command(prepared)
        except WizardError as exc:  # the vLLM that answered before cannot run the check: nor a launch
            print(t("handoff.refused", message=exc.message), file=sys.stderr)
            return exc.exit_code  # as `serve` exits
        if result is not None and not result.ok:
            print(t("handoff.refused", message=f"{result.error} ({result.code}); {result.fix or ''}".strip()),
                  file=sys.stderr)
            return EXIT_REFUSED
    print_command(handoff.command, t("handoff.exec_header"))
    try:
        exec_command(handoff)
    except WizardError as exc:
        print(t("handoff.exec_failed", reason=exc.message), file=sys.stderr)
        return EXEC_FAILED
    except OSError as exc:
        print(t("handoff.exec_failed", reason=exc.strerror or str(exc)), file=sys.stderr)
        return EXEC_FAILED
    return 0
