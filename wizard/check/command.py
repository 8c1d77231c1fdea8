"""A `vllm serve` command line as the user has it, parsed the way the release's own parser would:
`--flag value`, `--flag=value`, `--flag` / `--no-flag`, `-tp 2`, `-O3`, underscores for dashes,
leading `VAR=value` assignments, `python -m vllm.entrypoints.openai.api_server --model M`, and
vLLM's YAML `--config`. Secrets (an API key, a Hugging Face token, a token inside a JSON value such as
`--hf-overrides '{"token": ...}'`, a proxy password) are masked while parsing, as `wizard.redact`
says: their values never leave this module.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.check.flags import FlagInfo, FlagTable
from wizard.errors import InputError
from wizard.i18n import msg
from wizard.redact import MASK, mask_data, mask_word, secret_name, secret_value

SECRET_DESTS = ("api_key", "hf_token")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_NUMBER = re.compile(r"^-\d+(\.\d+)?$|^-\.\d+$")
API_SERVER_MODULES = ("vllm.entrypoints.openai.api_server", "vllm.entrypoints.api_server")
MAX_TOKENS = 4096  # a pasted command longer than this is not a command
MAX_CONFIG_BYTES = 1 << 20  # a vLLM YAML config is a few hundred bytes: read no more than this


@dataclass(frozen=True)
class ParsedOption:
    dest: str
    option: str  # the release's spelling (underscores normalised), e.g. "--max-model-len", "-tp"
    written: str  # as the user wrote it
    value: Any  # str, tuple of str (nargs "+"), or bool for switches; MASK for a secret
    start: int  # token span in ParsedCommand.tokens; -1 for a value from the YAML config
    end: int
    secret: bool = False


@dataclass(frozen=True)
class UnknownOption:
    option: str
    start: int
    end: int


@dataclass(frozen=True)
class BadValue:
    option: str
    value: str  # masked where the flag is a secret
    reason: str


@dataclass(frozen=True)
class ParsedCommand:
    """One command, masked: `tokens` is what the user wrote after the env assignments."""

    env: tuple[tuple[str, str], ...]  # leading VAR=value, secret values masked
    program: tuple[str, ...]  # ("vllm", "serve") or ("python", "-m", "vllm.entrypoints.openai.api_server")
    tokens: tuple[str, ...]  # the whole command after the env assignments, secrets masked
    model: str | None
    model_span: tuple[int, int] | None  # token span of the model (positional, or --model VALUE)
    options: tuple[ParsedOption, ...]
    unknown: tuple[UnknownOption, ...] = ()
    bad_values: tuple[BadValue, ...] = ()
    extra_positionals: tuple[str, ...] = ()
    secret_env: tuple[str, ...] = ()  # names of secret env assignments
    secret_flags: tuple[str, ...] = ()  # flags (as written) whose value held a secret inside it (a JSON token)
    config_file: str | None = None  # a YAML given with --config (inside the command or to check)
    config_items: tuple[tuple[str, Any], ...] = field(default_factory=tuple)  # its keys and values, secrets masked

    def last(self, dest: str) -> ParsedOption | None:
        """The option that decides `dest` (argparse: the last one wins; command line over config)."""
        found = [o for o in self.options if o.dest == dest]
        on_line = [o for o in found if o.start >= 0]
        chosen = on_line or found
        return chosen[-1] if chosen else None

    @property
    def dests(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(o.dest for o in self.options))


def split_command(argv: list[str] | tuple[str, ...]) -> list[str]:
    """The user's tokens: one pasted string (with `\\` line continuations) is split like a shell."""
    tokens = list(argv)
    if tokens and (" " in tokens[0].strip() or "\n" in tokens[0]):
        # A pasted command line in one argument (the rest, if any, follows it).
        text = re.sub(r"\\\r?\n", " ", tokens[0])
        try:
            tokens = shlex.split(text, comments=False) + tokens[1:]
        except ValueError as exc:
            raise InputError(msg("check.error.unquotable", reason=str(exc))) from None
    tokens = [t for t in tokens if t.strip() != "" or t == ""]
    if len(tokens) > MAX_TOKENS:
        raise InputError(msg("check.error.too_long", count=len(tokens), limit=MAX_TOKENS))
    return tokens


def _is_option(token: str) -> bool:
    return token.startswith("-") and token != "-" and not _NUMBER.match(token)


def _is_secret_dest(info: FlagInfo) -> bool:
    return info.dest in SECRET_DESTS or (info.takes_value and secret_name(info.dest))


def _shown(words: list[str]) -> str:
    """The program words of a refused command, for the error line: never an option or its value."""
    shown = []
    for word in words:
        if word.startswith("-") and word != "-m" or "=" in word:
            break
        shown.append(word[:60])
    return " ".join(shown)


def _program(tokens: list[str]) -> tuple[tuple[str, ...], int]:
    """(the program words, index of the first argument)."""
    if not tokens:
        raise InputError(msg("check.error.no_command"))
    first = Path(tokens[0]).name
    if first == "vllm":
        if len(tokens) > 1 and tokens[1] == "serve":
            return ("vllm", "serve"), 2
        raise InputError(msg("check.error.not_serve", got=_shown(tokens[:2])))
    if re.fullmatch(r"python[0-9.]*", first):
        if len(tokens) > 2 and tokens[1] == "-m" and tokens[2] in API_SERVER_MODULES:
            return (tokens[0], "-m", tokens[2]), 3
        if len(tokens) > 3 and tokens[1] == "-m" and tokens[2] == "vllm.entrypoints.cli.main" and tokens[3] == "serve":
            return (tokens[0], "-m", tokens[2], "serve"), 4
        raise InputError(msg("check.error.not_serve", got=_shown(tokens[:3])))
    if _is_option(tokens[0]):
        return ("vllm", "serve"), 0  # the arguments alone
    raise InputError(msg("check.error.not_serve", got=tokens[0][:80]))


def parse_command(argv: list[str] | tuple[str, ...], table: FlagTable, *,
                  config: str | Path | None = None) -> ParsedCommand:
    """Parse a command line (after `--`) against `table`; `config`: a YAML given to `check --config`."""
    raw = split_command(argv)
    env: list[tuple[str, str]] = []
    secret_env: list[str] = []
    i = 0
    if raw and raw[0] == "env":
        i = 1
    while i < len(raw) and _ENV.match(raw[i]):
        name, _, assigned = raw[i].partition("=")
        shown = MASK if secret_name(name) and secret_value(name, assigned) else mask_word(assigned)
        if shown != assigned:
            secret_env.append(name)
        env.append((name, shown))
        i += 1
    # Secrets inside a word (a JSON value's token, `--x=hf_...`, a URL's password) are masked before
    # parsing; the parser masks the values of secret flags (`--api-key KEY`) itself.
    tokens = [mask_word(t) for t in raw[i:]]
    changed = {k for k, t in enumerate(raw[i:]) if tokens[k] != t}
    if not tokens and config is not None:
        tokens = ["vllm", "serve"]
    program, first = _program(tokens)
    masked = list(tokens)
    options: list[ParsedOption] = []
    unknown: list[UnknownOption] = []
    bad: list[BadValue] = []
    positionals: list[tuple[int, str]] = []
    j = first
    while j < len(tokens):
        token = tokens[j]
        if token == "--":
            positionals += [(k, t) for k, t in enumerate(tokens[j + 1:], j + 1)]
            break
        if not _is_option(token):
            positionals.append((j, token))
            j += 1
            continue
        name, eq, attached = token.partition("=") if token.startswith("--") or "=" in token[:4] else (token, "", "")
        info = table.lookup(name)
        if info is None and not token.startswith("--") and len(token) > 2 and table.lookup(token[:2]):
            info, name, eq, attached = table.lookup(token[:2]), token[:2], "=", token[2:]  # -O3
        if info is None:
            end = j + 1
            if not eq and end < len(tokens) and not _is_option(tokens[end]) and positionals:
                end += 1  # `--unknown value` (argparse refuses both)
            if secret_name(name):
                masked[j] = name + ("=" + MASK if eq else "")
                masked[j + 1:end] = [MASK] * (end - j - 1)
            unknown.append(UnknownOption(name, j, end))
            j = end
            continue
        secret = _is_secret_dest(info)
        value: Any
        end = j + 1
        if eq:
            if not info.takes_value and not info.optional_value:
                bad.append(BadValue(name, MASK if secret else attached, "takes no value"))
                j = end
                continue
            value = attached
            if secret:
                masked[j] = f"{name}={MASK}"
        elif info.takes_value and not info.optional_value:
            values: list[str] = []
            while end < len(tokens) and not _is_option(tokens[end]) and (info.many or not values):
                values.append(tokens[end])
                end += 1
            if not values:
                bad.append(BadValue(name, "", "expected a value"))
                j = end
                continue
            value = tuple(values) if info.many else values[0]
            if secret:
                for k in range(j + 1, end):
                    masked[k] = MASK
        elif info.optional_value and end < len(tokens) and not _is_option(tokens[end]) and (
                not info.boolean or tokens[end].lower() in {"true", "false", "1", "0", "yes", "no"}):
            value = tokens[end]  # `--hf-token VALUE` / StoreBoolean's `--x False`
            if secret:
                masked[end] = MASK
            end += 1
        else:
            value = info.flag_value if info.boolean else True
        inside = not secret and any(k in changed for k in range(j, end))
        options.append(ParsedOption(info.dest, info.option, name, MASK if secret else value, j, end, secret or inside))
        j = end
    _mask_secret_words(masked)
    model, span = _model(program, options, positionals, tokens)
    extra = tuple(masked[k] for k, _ in positionals if span is None or k != span[0])
    held = [o.written for o in options if o.dest not in SECRET_DESTS and o.secret and
            any(k in changed for k in range(o.start, o.end))]
    held += [u.option for u in unknown if any(k in changed for k in range(u.start, u.end))]
    parsed = ParsedCommand(tuple(env), program, tuple(masked), model, span, tuple(options), tuple(unknown),
                           tuple(bad), extra, tuple(secret_env), tuple(dict.fromkeys(held)))
    inner = parsed.last("config")
    path = config if config is not None else (inner.value if inner is not None and isinstance(inner.value, str) else None)
    if path is not None:
        parsed = _merge_config(parsed, Path(path), table)
    return parsed


def _mask_secret_words(masked: list[str]) -> None:
    """Whatever the parser made of it (a value after `--`, an unknown flag), a word that names a
    secret flag has its value masked."""
    for k, word in enumerate(masked):
        if not word.startswith("-"):
            continue
        name, eq, _ = word.partition("=")
        if secret_name(name):
            if eq:
                masked[k] = f"{name}={MASK}"
            elif k + 1 < len(masked) and not _is_option(masked[k + 1]):
                masked[k + 1] = MASK


def _model(program, options, positionals, tokens) -> tuple[str | None, tuple[int, int] | None]:
    flagged = [o for o in options if o.dest in {"model", "model_tag"} and isinstance(o.value, str)]
    if program[-1] == "serve" and positionals:
        k, name = positionals[0]
        return name, (k, k + 1)
    if flagged:
        o = flagged[-1]
        return o.value, (o.start, o.end)
    return None, None


def _yaml_value(value: Any) -> Any:
    if isinstance(value, (dict, list)) and not (isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value)):
        return json.dumps(value)
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return value


def read_config(path: Path) -> dict[str, Any]:
    """vLLM's YAML config: a mapping of flag names (dashes or underscores) to values."""
    import yaml  # noqa: PLC0415 - PyYAML: loaded only when used, not at start-up

    if path.suffix not in {".yaml", ".yml"}:
        raise InputError(msg("check.error.config_suffix", path=str(path)))
    try:
        # Non-blocking open, then fstat: a FIFO would wait for a writer, a device would never end.
        with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise InputError(msg("review.config_not_a_file", path=str(path)))
            raw = fh.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            raise InputError(msg("review.config_too_big", path=str(path), limit=MAX_CONFIG_BYTES >> 10))
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(msg("check.error.config_unreadable", path=str(path), reason=str(exc))) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f"line {where.line + 1}" if where is not None else "?"
        raise InputError(msg("check.error.config_yaml", path=str(path), where=line)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(msg("check.error.config_not_mapping", path=str(path)))
    return {str(k): v for k, v in data.items()}


def _merge_config(parsed: ParsedCommand, path: Path, table: FlagTable) -> ParsedCommand:
    data = read_config(path)
    options: list[ParsedOption] = []
    unknown: list[UnknownOption] = []
    bad: list[BadValue] = []
    held: list[str] = []
    model, span = parsed.model, parsed.model_span
    for key, value in data.items():
        option = "--" + key.replace("_", "-")
        if key in {"model", "model_tag"} and isinstance(value, (str, int, float)):
            model = model or str(value)
            continue
        info: FlagInfo | None = table.lookup(option)
        if info is None:
            unknown.append(UnknownOption(option, -1, -1))
            continue
        secret = _is_secret_dest(info)
        if not secret and not isinstance(value, bool):
            clean = mask_data(value)
            if clean != value:  # a token inside a mapping (`hf-overrides: {token: ...}`) or a URL's password
                held.append(option)
                secret, value = True, clean
        if isinstance(value, bool):
            if info.boolean:
                written = option if value else "--no-" + option[2:]
                options.append(ParsedOption(info.dest, info.option, written, value, -1, -1))
            else:
                options.append(ParsedOption(info.dest, info.option, option, str(value).lower(), -1, -1, secret))
            continue
        if value is None:
            bad.append(BadValue(option, "", "expected a value"))
            continue
        shown = MASK if info.dest in SECRET_DESTS or secret and option not in held else _yaml_value(value)
        if not isinstance(shown, (str, tuple)):
            shown = str(shown)
        options.append(ParsedOption(info.dest, info.option, option, shown, -1, -1, secret))
    return ParsedCommand(parsed.env, parsed.program, parsed.tokens, model, span,
                         tuple(options) + parsed.options, parsed.unknown + tuple(unknown),
                         parsed.bad_values + tuple(bad), parsed.extra_positionals, parsed.secret_env,
                         tuple(dict.fromkeys(parsed.secret_flags + tuple(held))), str(path),
                         tuple(_config_items(data, table)))


def _config_items(data: dict[str, Any], table: FlagTable) -> list[tuple[str, Any]]:
    items = []
    for key, value in data.items():
        info = table.lookup("--" + key.replace("_", "-"))
        secret = info is not None and _is_secret_dest(info) and not isinstance(value, bool)
        items.append((key, MASK if secret else mask_data(value)))
    return items
