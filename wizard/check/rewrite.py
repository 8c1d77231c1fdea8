"""The user's own command with suggestions applied, as a diff and as a command ready to copy.

Edits are made in place where the flag already is (keeping the user's spelling: `-tp 2` stays
`-tp 4`), appended where it is not, and flags dropped where unset. Secrets are never written back:
an API key or token leaves the command (the suggestion says to pass it in the environment).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from wizard.check.command import MASK, ParsedCommand
from wizard.check.fixes import Edits, snake
from wizard.check.flags import FlagTable

SECRET_ENV_VALUE = "<set>"


@dataclass(frozen=True)
class Rewritten:
    env: tuple[tuple[str, str], ...]
    tokens: tuple[str, ...]
    diff: tuple[tuple[str, str], ...]  # ("-", text) / ("+", text), in command order
    config_text: str | None  # the corrected YAML config, when the command had one

    @property
    def line(self) -> str:
        env = [f"{k}={shlex.quote(v)}" for k, v in self.env]
        return " ".join(env + [shlex.join(self.tokens)])


def _value_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _option_tokens(dest: str, value: Any, table: FlagTable, written: str | None, equals: bool = False) -> list[str]:
    option = table.option_for(dest) or "--" + dest.replace("_", "-")
    if isinstance(value, bool):
        if value:
            return [option]
        negative = "--no-" + option[2:]
        if table.lookup(negative) is not None:
            return [negative]
        info = table.lookup(option)
        return [option, "False"] if info is not None and info.optional_value else []
    if written and not written.startswith("--no-") and table.lookup(written.split("=", 1)[0]) is not None:
        option = written.split("=", 1)[0]
        if equals:
            return [f"{option}={_value_text(value)}"]
    return [option, _value_text(value)]


def rewrite(parsed: ParsedCommand, edits: Edits, table: FlagTable) -> Rewritten:
    tokens = list(parsed.tokens)
    replace: dict[int, tuple[int, list[str]]] = {}  # start -> (end, new tokens)
    appended: list[str] = []
    diff: list[tuple[int, str, str]] = []
    config_edits: dict[str, Any] = {}
    config_drop: set[str] = set()

    def drop(start: int, end: int) -> None:
        replace[start] = (end, [])
        diff.append((start, "-", " ".join(tokens[start:end])))

    for name in edits.unset:
        for o in parsed.options:
            if o.dest == name and o.start >= 0:
                drop(o.start, o.end)
        for u in parsed.unknown:
            if snake(u.option) == name and u.start >= 0:
                drop(u.start, u.end)
        config_drop.update(k for k, _ in parsed.config_items if snake(k) == name)
    for name, value in edits.set.items():
        on_line = [o for o in parsed.options if o.dest == name and o.start >= 0]
        in_config = [k for k, _ in parsed.config_items if snake(k) == name]
        if on_line:
            last = on_line[-1]
            for o in on_line[:-1]:
                drop(o.start, o.end)
            new = _option_tokens(name, value, table, last.written,
                                 equals=last.end - last.start == 1 and "=" in tokens[last.start])
            replace[last.start] = (last.end, new)
            diff.append((last.start, "-", " ".join(tokens[last.start:last.end])))
            diff.append((last.start, "+", " ".join(new)))
        elif in_config:
            config_edits[in_config[-1]] = value
        elif parsed.config_file:
            config_edits[name.replace("_", "-")] = value  # the settings live in the YAML: add it there
        else:
            new = _option_tokens(name, value, table, None)
            appended += new
            if new:
                diff.append((len(tokens) + len(appended), "+", " ".join(new)))
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if i in replace:
            end, new = replace[i]
            out += new
            i = end
        else:
            out.append(tokens[i])
            i += 1
    out += appended
    inner = parsed.last("config")
    if parsed.config_file and (inner is None or inner.start < 0):
        out += ["--config", parsed.config_file]  # given to `check --config`: vLLM needs it on the line
    env = []
    for name, value in parsed.env:
        if value == MASK and name in parsed.secret_env:
            diff.append((-1, "-", f"{name}={MASK}"))
        else:
            env.append((name, value))
    config_text = None
    if parsed.config_file:
        config_text, config_diff = _config(parsed, config_edits, config_drop)
        diff += [(10**9 + k, sign, text) for k, (sign, text) in enumerate(config_diff)]
    diff.sort(key=lambda d: (d[0], d[1] == "+"))
    return Rewritten(tuple(env), tuple(out), tuple((sign, text) for _, sign, text in diff), config_text)


def _config(parsed: ParsedCommand, edits: dict[str, Any], drop: set[str]) -> tuple[str, list[tuple[str, str]]]:
    import yaml  # noqa: PLC0415 - PyYAML: loaded only when used, not at start-up

    data: dict[str, Any] = {}
    diff: list[tuple[str, str]] = []
    for key, value in parsed.config_items:
        if value == MASK or key in drop:
            diff.append(("-", f"{key}: {value}"))
            continue
        if key in edits:
            diff.append(("-", f"{key}: {value}"))
            diff.append(("+", f"{key}: {_value_text(edits[key])}"))
            value = edits[key]
        data[key] = value
    for key, value in edits.items():
        if key not in data and key not in {k for k, _ in parsed.config_items}:
            diff.append(("+", f"{key}: {_value_text(value)}"))
            data[key] = value
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True), diff


def contract_command(parsed: ParsedCommand, table: FlagTable) -> dict[str, Any]:
    """`command` of the JSON: the user's command as `vllm serve MODEL ...`, secrets by name only."""
    skip: set[int] = set()
    for o in parsed.options:
        if o.start >= 0 and (o.secret or o.dest in {"model", "model_tag", "config"}):
            skip.update(range(o.start, o.end))
    if parsed.model_span:
        skip.update(range(*parsed.model_span))
    start = len(parsed.program) if parsed.tokens[: len(parsed.program)] == parsed.program else 0
    rest = [t for i, t in enumerate(parsed.tokens) if i >= start and i not in skip]
    for o in parsed.options:
        if o.start < 0 and not o.secret and parsed.last(o.dest) is o:
            rest += _option_tokens(o.dest, o.value, table, o.written) if not isinstance(o.value, tuple) \
                else [o.option, *o.value]
    env = {name: (SECRET_ENV_VALUE if name in parsed.secret_env else value) for name, value in parsed.env}
    kept = {o.dest for o in parsed.options if o.secret}
    if "api_key" in kept:
        env["VLLM_API_KEY"] = SECRET_ENV_VALUE
    if "hf_token" in kept:
        env["HF_TOKEN"] = SECRET_ENV_VALUE
    return {"argv": ["vllm", "serve", parsed.model or "MODEL", *rest], "env": env}
