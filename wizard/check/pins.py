"""The settings a parsed command pins, typed as the planner's `--set` pins (wizard.planner.settings),
and the flags that do not move memory, kept as they are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wizard.check.command import BadValue, ParsedCommand
from wizard.check.flags import FlagTable
from wizard.planner.settings import SETTINGS

_BOOL_WORDS = {"true": True, "false": False}


@dataclass(frozen=True)
class CommandPins:
    pins: dict[str, Any]  # planner settings the command sets (what `plan --set` would take)
    kept: dict[str, Any]  # every other flag the command sets (host, port, served-model-name, ...)
    bad_values: tuple[BadValue, ...]  # values the release's parser (or vLLM's type) refuses
    not_modelled: tuple[str, ...]  # flags whose value the predictor cannot express (e.g. max-model-len auto)


def _type_error(converter: str | None, text: str | None) -> str | None:
    """What argparse says when the release's own converter refuses the text (`int('32k')`)."""
    if text is None or converter is None:
        return None
    base = converter.removeprefix("optional:")
    try:
        if base == "int":
            int(text)
        elif base == "float":
            float(text)
    except ValueError:
        return f"invalid {base} value"
    return None


def pins_from_command(parsed: ParsedCommand, table: FlagTable) -> CommandPins:
    pins: dict[str, Any] = {}
    kept: dict[str, Any] = {}
    bad: list[BadValue] = list(parsed.bad_values)
    not_modelled: list[str] = []
    for dest in parsed.dests:
        if dest in {"model", "model_tag", "config"}:
            continue
        option = parsed.last(dest)
        if option is None:  # `dests` lists only destinations some option set
            continue
        value = option.value
        info = table.lookup(option.option)
        text = value if isinstance(value, str) else " ".join(value) if isinstance(value, tuple) else None
        if info is not None and info.choices and text is not None and not option.secret and text not in info.choices:
            bad.append(BadValue(option.written, text, "invalid choice (choose from " + ", ".join(info.choices) + ")"))
            continue
        refused = _type_error(info.type if info is not None else None, text) if not option.secret else None
        if refused:
            bad.append(BadValue(option.written, text or "", refused))
            continue
        spec = SETTINGS.get(dest)
        if spec is None:
            kept[dest] = value
            continue
        if isinstance(value, bool):
            typed: Any = value
            if dest not in {"enforce_eager", "enable_chunked_prefill", "enable_prefix_caching",
                            "enable_auto_tool_choice", "trust_remote_code", "disable_custom_all_reduce"}:
                bad.append(BadValue(option.written, "", "expected a value"))
                continue
        elif text is not None and text.strip().lower() in _BOOL_WORDS and dest in {
                "enforce_eager", "enable_chunked_prefill", "enable_prefix_caching", "trust_remote_code"}:
            typed = _BOOL_WORDS[text.strip().lower()]
        else:
            if dest == "max_model_len" and text is not None and text.strip().lower() in {"-1", "auto"}:
                not_modelled.append(option.written)
                kept[dest] = text
                continue
            try:
                typed = spec.parse(text or "")
            except (ValueError, TypeError) as exc:
                bad.append(BadValue(option.written, text or "", str(exc)))
                continue
        pins[dest] = typed
    return CommandPins(pins, kept, tuple(bad), tuple(not_modelled))
