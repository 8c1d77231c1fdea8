"""Every number a user types, checked once at the boundary: a number, finite, in a physical range.

Command-line options (argparse `type=`), `--set NAME=VALUE` pins and the app's fields all parse
their numbers here, so no NaN, infinity, 400-digit figure or million-GPU count reaches the planner,
where it would overflow a conversion or make the search run for minutes. Each cap is the largest
thing real hardware has (a server holds at most 64 GPUs, no GPU has 1 TiB of memory), and the
message says so, naming the input and what to give instead.

Pure: no I/O, so the planner may use it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from wizard.errors import InputError
from wizard.i18n import Message, msg

MAX_DIGITS = 24  # more digits than any bound below needs: refused before any conversion
SHOWN_CHARS = 64  # how much of a hostile input a message repeats


@dataclass(frozen=True)
class Bound:
    """The physical range of one kind of number: what it is (for the message), its limits, why the cap."""

    what: str  # catalog key naming the quantity, e.g. "bounds.what.gpu_count"
    lo: float
    hi: float
    example: str
    why: str  # catalog key saying why nothing real is larger
    lo_open: bool = False  # lo itself is refused (a memory size of 0)


COUNT = Bound("bounds.what.count", 1, 1 << 30, "1", "bounds.why.count")
GPUS_PER_NODE = Bound("bounds.what.gpu_count", 1, 64, "8", "bounds.why.gpus_per_node")
NODES = Bound("bounds.what.nodes", 1, 64, "2", "bounds.why.nodes")
GPU_MEMORY_GIB = Bound("bounds.what.gpu_memory", 0, 1024, "80", "bounds.why.gpu_memory", lo_open=True)
HOST_MEMORY_GIB = Bound("bounds.what.host_memory", 0, 64 * 1024, "64", "bounds.why.cpu_memory", lo_open=True)
GPU_USED_GIB = Bound("bounds.what.gpu_used", 0, 1024, "2.5", "bounds.why.gpu_memory")
TOKENS = Bound("bounds.what.tokens", 1, 1 << 30, "32768", "bounds.why.tokens")
REQUESTS = Bound("bounds.what.requests", 1, 1 << 20, "64", "bounds.why.requests")
PARALLEL = Bound("bounds.what.parallel", 1, 64 * 64, "2", "bounds.why.parallel")
BLOCK_TOKENS = Bound("bounds.what.block_size", 1, 1 << 16, "16", "bounds.why.block_size")
CPU_OFFLOAD_GIB = Bound("bounds.what.cpu_offload", 0, 64 * 1024, "8", "bounds.why.cpu_memory")
KV_CACHE_BYTES = Bound("bounds.what.kv_bytes", 0, 1 << 40, "20G", "bounds.why.gpu_memory")
FRACTION = Bound("bounds.what.fraction", 0, 1, "0.9", "bounds.why.fraction", lo_open=True)
INTERVAL_S = Bound("bounds.what.interval", 0.1, 3600, "1", "bounds.why.interval")
HISTORY_S = Bound("bounds.what.history", 0.1, 86400, "300", "bounds.why.history")
TIMEOUT_S = Bound("bounds.what.timeout", 0.1, 600, "2", "bounds.why.timeout")
WAIT_S = Bound("bounds.what.wait", 1, 86400, "900", "bounds.why.wait")
WORKERS = Bound("bounds.what.workers", 1, 64, "4", "bounds.why.workers")
PORT = Bound("bounds.what.port", 1, 65535, "8000", "bounds.why.port")

_SUFFIXES = {"k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_CC = re.compile(r"(\d{1,2})(?:\.(\d))?")


class OutOfBounds(ValueError):
    """A number that is not one, not finite or out of range; str() is the reason, a catalog sentence."""

    def __init__(self, reason: Message) -> None:
        super().__init__(reason)
        self.reason = reason


def shown(text: object) -> str:
    """The input as a message repeats it: quoted, control characters escaped, long ones cut."""
    value = str(text)
    if len(value) > SHOWN_CHARS:
        value = f"{value[:SHOWN_CHARS]}... ({len(value)} characters)"
    return ascii(value) if not value.isprintable() else value


def _limit(value: float) -> str:
    return f"{value:,}" if float(value).is_integer() else f"{value:g}"


def check(value: float, bound: Bound) -> float:
    """`value` when finite and inside `bound`; OutOfBounds naming the range otherwise."""
    if isinstance(value, float) and not math.isfinite(value):
        raise OutOfBounds(msg("bounds.reason.not_finite", what=msg(bound.what), example=bound.example))
    if value < bound.lo or (bound.lo_open and value == bound.lo):
        key = "bounds.reason.above_open" if bound.lo_open else "bounds.reason.below"
        raise OutOfBounds(msg(key, what=msg(bound.what), lo=_limit(bound.lo), example=bound.example))
    if value > bound.hi:
        raise OutOfBounds(msg("bounds.reason.above", what=msg(bound.what), hi=_limit(bound.hi), why=msg(bound.why),
                              example=bound.example))
    return value


def _digits(text: str, bound: Bound) -> str:
    raw = text.strip().replace("_", "").replace(",", "")
    if len(raw) > MAX_DIGITS:
        raise OutOfBounds(msg("bounds.reason.too_long", what=msg(bound.what), example=bound.example))
    return raw


def _not_number(bound: Bound) -> OutOfBounds:
    return OutOfBounds(msg("bounds.reason.not_number", what=msg(bound.what), example=bound.example))


def parse_int(text: str, bound: Bound) -> int:
    """A whole number in `bound` (underscores and thousands commas allowed)."""
    raw = _digits(text, bound)
    if not re.fullmatch(r"[+-]?\d+", raw):
        raise _not_number(bound)
    return int(check(int(raw), bound))


def parse_float(text: str, bound: Bound) -> float:
    """A finite decimal number in `bound` (nan, inf and 1e999 are refused)."""
    raw = _digits(text, bound)
    try:
        value = float(raw)
    except ValueError:
        raise _not_number(bound) from None
    return float(check(value, bound))


def parse_human_int(text: str, bound: Bound) -> int:
    """A whole number with an optional k/M/G/T suffix as vLLM reads it (32k = 32,000, 32K = 32,768)."""
    raw = _digits(text, bound)
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kmgtKMGT]?)", raw)
    if not match:
        raise _not_number(bound)
    number, suffix = match.groups()
    try:
        value = int(Decimal(number) * _SUFFIXES.get(suffix, 1))
    except InvalidOperation:
        raise _not_number(bound) from None
    return int(check(value, bound))


def compute_capability(text: str) -> str:
    """`X.Y` (or `X`, read as X.0) with one- or two-digit major: what CUDA reports, normalised."""
    match = _CC.fullmatch(text.strip()) if len(text) <= 8 else None
    if match is None:
        raise InputError(msg("bounds.compute_capability", text=shown(text)))
    major, minor = match.groups()
    return f"{int(major)}.{int(minor or 0)}"


def flag_error(flag: str, text: object, reason: object) -> InputError:
    """The one line for a bad option value: the option, the value (shortened), the reason and the fix."""
    return InputError(msg("bounds.flag", flag=flag, text=shown(text), reason=reason))


def option(flag: str, parse: Callable[[str, Bound], object], bound: Bound) -> Callable[[str], object]:
    """An argparse `type=` for `flag`: parses with `parse` and `bound`, raising InputError (the CLI
    prints it as one line and exits 2, not argparse's usage block)."""

    def parse_option(text: str) -> object:
        try:
            return parse(text, bound)
        except OutOfBounds as exc:
            raise flag_error(flag, text, exc.reason) from None

    parse_option.__name__ = flag.lstrip("-").replace("-", "_")
    return parse_option


def check_option(flag: str, value: float | None, bound: Bound) -> None:
    """The same check for a value that arrived already typed (a Namespace built by code, the app)."""
    if value is None:
        return
    try:
        check(value, bound)
    except OutOfBounds as exc:
        raise flag_error(flag, value, exc.reason) from None
