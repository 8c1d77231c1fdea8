"""A command (or vLLM YAML config) pasted into the app, read into what the wizard's state holds: the
model to inspect, the planner pins, the GPUs, how the server is exposed, and the flags the planner
does not model (kept as written so they reach the final command).

The app's Model step and command palette call `read_paste`; the app then plans with the command's
flags as pins in exact mode (`make_plan(exact=True)`: every other setting at the release's own
default), as `vllm-wizard check` predicts it. `paste_notices` are the check findings that are not
the planner's (secrets, unknown flags, parsers). Secrets never reach a `Paste`: the parser masks them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.check.command import MASK, ParsedCommand, parse_command, split_command
from wizard.check.findings import Finding, collect
from wizard.check.fixes import MEMORY_CODES, suggest
from wizard.check.flags import FlagTable, table_flags
from wizard.check.pins import CommandPins, pins_from_command
from wizard.errors import InputError
from wizard.i18n import Message, msg
from wizard.planner.fixes import Fix
from wizard.planner.settings import SETTINGS
from wizard.redact import mask_text
from wizard.launch.command import join_list_flag

if TYPE_CHECKING:
    from wizard.launch.command import LaunchCommand
    from wizard.planner.fixes import Fix
    from wizard.planner.plan import Plan

# Flags the wizard holds elsewhere (its exposure) or never holds (secrets), not as kept flags.
_EXPOSURE = {"host", "port", "served_model_name"}
_SECRETS = {"api_key", "hf_token"}
# The launcher sets these for the GPUs the plan uses; the command's own value chose those GPUs.
_PLAN_ENV = {"CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER"}
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_COMMAND_START = re.compile(r"^(env\s+|[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*(\S*/)?(vllm|python[0-9.]*)\s")


@dataclass(frozen=True)
class Paste:
    model: str  # what the command serves: inspected like a typed model
    shown: str  # the command as the user wrote it, secrets masked (for display)
    pins: tuple[tuple[str, Any], ...]  # planner pins from the command's own flags, sorted
    gpu_indices: tuple[int, ...] | None  # from CUDA_VISIBLE_DEVICES; None: not given
    all_interfaces: bool | None  # from --host; None: not given
    port: int | None
    served_model_name: str | None
    extra_args: tuple[str, ...]  # flags the planner does not model, as written
    extra_env: tuple[tuple[str, str], ...]  # env assignments the plan does not set (no secrets)
    notes: tuple[Message, ...]  # what the app did with the command that the user should know
    parsed: ParsedCommand  # masked
    command_pins: CommandPins
    table: FlagTable

    @property
    def pinned(self) -> dict[str, Any]:
        return dict(self.pins)


def one_line(text: str) -> str:
    """A multi-line paste as one command line: `\\` continuations joined, other line breaks spaces."""
    return re.sub(r"\s*\r?\n\s*", " ", re.sub(r"\\\r?\n", " ", text)).strip()


def masked(text: str) -> str:
    """The pasted text with every secret's value replaced by *** (`wizard.redact`): what a refused paste
    leaves in the input (the app never uses a pasted secret, so nothing the user needs is lost)."""
    return mask_text(text)


def looks_like_command(text: str) -> bool:
    """True for a `vllm serve ...` / `python -m ...` line (env assignments allowed) or a YAML path:
    the Model step reads those as a command; anything else is a model id or folder."""
    text = text.strip()
    if not text:
        return False
    if " " not in text and text.lower().endswith((".yaml", ".yml")):
        return True
    return bool(_COMMAND_START.match(one_line(text))) or text.startswith("--")


def read_paste(text: str, version: str, *, table: FlagTable | None = None, cwd: Path | None = None) -> Paste:
    """The pasted command or YAML path, parsed as `vllm-wizard check` parses it. InputError (one
    line, never echoing a secret) when it is not a `vllm serve` command or names no model."""
    text = one_line(text)
    if not text:
        raise InputError(msg("appwire.error.empty"))
    table = table or table_flags(version)
    config: str | None = None
    argv: list[str]
    if " " not in text and text.lower().endswith((".yaml", ".yml")):
        path = Path(text).expanduser()
        if not path.is_absolute() and cwd is not None:
            path = cwd / path
        if not path.is_file():
            raise InputError(msg("appwire.error.no_file", path=text[:200]))
        config, argv = str(path), []
    else:
        argv = split_command([text]) if " " in text else [text]

    parsed = parse_command(argv, table, config=config)
    if parsed.model is None:
        raise InputError(msg("appwire.error.no_model"))
    cp = pins_from_command(parsed, table)
    notes: list[Message] = []
    indices = _gpu_indices(parsed, notes)
    kept = {dest: value for dest, value in cp.kept.items() if not _secret(parsed, dest)}  # masked: of no use
    host = kept.get("host")
    all_interfaces = None if not isinstance(host, str) else host.strip() not in _LOOPBACK
    port = _port(kept.get("port"), notes)
    served = kept.get("served_model_name")
    served_name = served if isinstance(served, str) else served[0] if isinstance(served, tuple) and len(served) == 1 else None
    extra: list[str] = []
    for dest, value in kept.items():
        if dest in _SECRETS or dest in _EXPOSURE and not (dest == "served_model_name" and served_name is None):
            continue
        if dest in {"max_model_len"}:  # `auto`: the planner's length goes in the command instead
            continue
        extra += _written(parsed, dest, value)
    if "api_key" in cp.kept:
        notes.append(msg("appwire.note.api_key"))
    if "hf_token" in cp.kept:
        notes.append(msg("appwire.note.hf_token"))
    notes += [msg("secrets.note.flag_dropped", flag=flag) for flag in parsed.secret_flags]
    env = tuple((k, v) for k, v in parsed.env if k not in _PLAN_ENV and v != MASK and k not in parsed.secret_env)
    words = [f"{k}={v}" for k, v in parsed.env] + list(parsed.tokens)
    if config is not None:
        words += ["--config", config]
    return Paste(parsed.model, " ".join(words), tuple(sorted(cp.pins.items())), indices, all_interfaces, port,
                 served_name, tuple(extra), env, tuple(notes), parsed, cp, table)


def _secret(parsed: ParsedCommand, dest: str) -> bool:
    option = parsed.last(dest)
    return option is not None and option.secret


def _gpu_indices(parsed: ParsedCommand, notes: list[Message]) -> tuple[int, ...] | None:
    for name, value in parsed.env:
        if name == "CUDA_VISIBLE_DEVICES":
            try:
                return tuple(int(v) for v in value.split(",") if v.strip())
            except ValueError:
                notes.append(msg("appwire.note.gpu_ids", value=value[:80]))
    return None


def _port(value: object, notes: list[Message]) -> int | None:
    if value is None:
        return None
    try:
        port = int(str(value))
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        notes.append(msg("appwire.note.port", value=str(value)[:20]))
        return None
    return port


def _written(parsed: ParsedCommand, dest: str, value: Any) -> list[str]:
    """The flag as the user wrote it (a config key as its flag)."""
    option = parsed.last(dest)
    if option is None or option.secret:
        return []
    if option.start >= 0:
        return list(parsed.tokens[option.start:option.end])
    if isinstance(value, bool):
        return [option.written]
    if isinstance(value, tuple):
        return [option.option, *map(str, value)]
    return [option.option, str(value)]


def paste_review(paste: Paste, plan: Plan, lang: str | None = None, *,
                 planner_fixes: bool = False) -> tuple[tuple[Finding, ...], tuple[Fix, ...]]:
    """For the Plan step of a pasted command (`plan`: its exact prediction with the pins as they are
    now): the check findings it does not already show (not the predicted failure, not the planner's
    own warnings), and check's suggestions that are settings to pin, as one-key fixes (each verified
    by predicting again; labelled with the flag, described in `lang`). `planner_fixes`: the planner
    offers memory fixes already, so check's own (the same trades: GPUs, utilization, length, fp8 KV)
    are left out rather than shown twice."""
    planner = {w.code for w in plan.warnings} | ({plan.failure_code} if plan.failure_code else set())
    found = collect(paste.parsed, paste.command_pins, plan, paste.table)
    fixes: list[Fix] = []
    for s in suggest(paste.parsed, plan, found):
        # Flags to drop are not pins (the app already leaves refused flags out of the command).
        if s.unset or not s.set or not set(s.set) <= SETTINGS.keys() or not plan.ok and not s.predicted.ok:
            continue
        if planner_fixes and s.code in MEMORY_CODES:
            continue
        label = " ".join(_flag_text(name, value) for name, value in s.set.items())
        fixes.append(Fix(f"check.{s.code}", label, dict(s.set), s.message.render(lang)))
    return tuple(f for f in found if f.code not in planner), tuple(fixes)


def _flag_text(name: str, value: Any) -> str:
    flag = "--" + name.replace("_", "-")
    return flag if value is True else f"{flag} {value}"


def extend_command(command: LaunchCommand, paste: Paste) -> LaunchCommand:
    """The planned command plus the pasted flags and env the planner does not model."""
    env = {**dict(paste.extra_env), **command.env}
    return replace(command, argv=join_list_flag(command.argv + paste.extra_args), env=env)
