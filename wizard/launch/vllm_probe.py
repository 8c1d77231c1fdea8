"""Runs INSIDE the user's vLLM environment (its Python), never imported by the wizard.

It may use only the standard library and vLLM, because the wizard is not installed there. The
wizard runs it by path (`python vllm_probe.py dump --out F` / `validate --out F < request.json`) and
reads the JSON it writes to F; vLLM prints its own logs on stdout/stderr, so results never travel
on those streams.

dump      the `vllm serve` parser's options with their choices, the registries behind the free-form
          options (quantization methods, reasoning and tool-call parsers), and runtime facts
          (vLLM, torch and the CUDA it was built for, the Python headers' folder).
validate  for each argv (the arguments after `vllm serve`): parse with vLLM's own parser, run its
          cross-flag checks, and (deep) build the engine configuration, which reads the model's
          config.json but loads no weights. One import serves every argv of a request.

Import paths moved between releases; each lookup tries the newer location first.
"""

import argparse
import contextlib
import importlib
import io
import json
import os
import sys
import sysconfig
import traceback

PROBE_VERSION = 1


def _first(*candidates):
    """The first attribute that imports, from (module, name) pairs."""
    for module, name in candidates:
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    return None


def _device_override():
    """A CUDA build of vLLM on a machine without a GPU cannot infer its device; the CPU platform
    can still build the configuration, which is all validation needs."""
    try:
        import torch  # noqa: PLC0415 - optional: only inside vLLM's own environment

        has_cuda = bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001 - torch missing or broken: let vLLM's own import report it
        return None
    if not has_cuda and "VLLM_TARGET_DEVICE" not in os.environ:
        os.environ["VLLM_TARGET_DEVICE"] = "cpu"
        return "cpu"
    return None


def _parser():
    flexible = _first(("vllm.utils.argparse_utils", "FlexibleArgumentParser"), ("vllm.utils", "FlexibleArgumentParser"))
    make = _first(("vllm.entrypoints.launchers.cli_args", "make_arg_parser"),
                  ("vllm.entrypoints.openai.cli_args", "make_arg_parser"))
    if flexible is None or make is None:
        raise RuntimeError("this vLLM has no make_arg_parser/FlexibleArgumentParser where the wizard looks for them")
    return make(flexible(prog="vllm serve"))


def _registry_names(manager):
    names = set()
    for attr in ("reasoning_parsers", "tool_parsers", "lazy_parsers"):
        names.update((getattr(manager, attr, None) or {}).keys())
    if not names and hasattr(manager, "list_registered"):
        with contextlib.suppress(Exception):
            names.update(manager.list_registered())
    return sorted(names)


def _registries():
    out = {}
    quant = _first(("vllm.model_executor.layers.quantization", "QUANTIZATION_METHODS"))
    if quant is not None:
        out["quantization"] = sorted(quant)
    reasoning = _first(("vllm.reasoning", "ReasoningParserManager"))
    if reasoning is not None:
        out["reasoning_parser"] = _registry_names(reasoning)
    tools = _first(("vllm.tool_parsers", "ToolParserManager"),
                   ("vllm.entrypoints.openai.tool_parsers", "ToolParserManager"))
    if tools is not None:
        out["tool_call_parser"] = _registry_names(tools)
    return out


def _plain(value):
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def dump():
    override = _device_override()
    import vllm  # noqa: PLC0415 - optional: only inside vLLM's own environment

    parser = _parser()
    arguments = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        arguments.append({
            "flags": list(action.option_strings), "dest": action.dest,
            "choices": sorted(map(str, action.choices)) if action.choices else None,
            "takes_value": action.nargs != 0, "nargs": _plain(action.nargs), "default": _plain(action.default),
        })
    torch_version = torch_cuda = None
    with contextlib.suppress(Exception):
        import torch  # noqa: PLC0415 - optional: only inside vLLM's own environment

        torch_version, torch_cuda = torch.__version__, torch.version.cuda
    return {
        "probe_version": PROBE_VERSION, "vllm_version": getattr(vllm, "__version__", None),
        "torch_version": torch_version, "torch_cuda": torch_cuda, "device_override": override,
        "python": sys.version.split()[0], "python_include": sysconfig.get_paths().get("include"),
        "arguments": arguments, "registries": _registries(),
    }


def _parse(parser, argv):
    """(namespace, None) or (None, vLLM's own error text) — argparse exits, so catch that."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            return parser.parse_args(argv), None
    except SystemExit:
        lines = [ln for ln in err.getvalue().strip().splitlines() if ln.strip()]
        return None, (lines[-1] if lines else "argument parsing failed")


def _validate_one(parser, argv, deep):
    args, error = _parse(parser, argv)
    if error is not None:
        return {"ok": False, "stage": "parse", "error_type": "ArgumentError", "error": error}
    if getattr(args, "model_tag", None):
        args.model = args.model_tag  # what `vllm serve` itself does with the positional model
    check = _first(("vllm.entrypoints.launchers.cli_args", "validate_parsed_serve_args"),
                   ("vllm.entrypoints.openai.cli_args", "validate_parsed_serve_args"))
    stage = "serve_args"
    try:
        if check is not None:
            check(args)
        if deep:
            stage = "engine_config"
            engine_args = _first(("vllm.engine.arg_utils", "AsyncEngineArgs"))
            engine_args.from_cli_args(args).create_engine_config()
    except BaseException as exc:  # noqa: BLE001 - vLLM raises anything from ValueError to SystemExit
        if isinstance(exc, KeyboardInterrupt):
            raise
        text = str(exc) or type(exc).__name__
        return {"ok": False, "stage": stage, "error_type": type(exc).__name__, "error": text[:4000],
                "trace": traceback.format_exc(limit=3)[-2000:]}
    return {"ok": True, "stage": stage}


def validate(request):
    _device_override()
    parser = _parser()
    deep = bool(request.get("deep", True))
    return {"probe_version": PROBE_VERSION,
            "results": [_validate_one(parser, list(argv), deep) for argv in request["argvs"]]}


def main():
    cli = argparse.ArgumentParser()
    cli.add_argument("command", choices=("dump", "validate"))
    cli.add_argument("--out", required=True)
    ns = cli.parse_args()
    try:
        result = dump() if ns.command == "dump" else validate(json.load(sys.stdin))
    except Exception as exc:  # noqa: BLE001 - reported to the wizard, which maps it to a message
        result = {"probe_version": PROBE_VERSION, "fatal": f"{type(exc).__name__}: {exc}"[:4000]}
    with open(ns.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh)


if __name__ == "__main__":
    main()
