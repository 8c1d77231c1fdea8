"""Read a log (a file, `-` for standard input, or an open binary stream) line by line in bounded
memory and time, whatever it holds: binary junk, no newlines at all (/dev/zero), lines of
gigabytes, invalid UTF-8, NUL bytes.

Lines longer than `max_line` characters are cut (the rest of that line is skipped without being
kept); reading stops after `max_bytes`. Consumers (calibrate, doctor) look for known lines, so a
cut never hides one: vLLM's lines are short.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from wizard.errors import InputError
from wizard.i18n import msg
from wizard.userpath import expand

MAX_LINE = 16 * 1024  # characters kept of one line
MAX_BYTES = 2 * 1024**3  # bytes read from one log at most
_CHUNK = 64 * 1024


@dataclass
class ReadStats:
    """What the reader skipped, for a note in the output."""

    bytes_read: int = 0
    lines: int = 0
    cut_lines: int = 0
    stopped_early: bool = False


def _lines(stream: BinaryIO, max_line: int, max_bytes: int, stats: ReadStats) -> Iterator[str]:
    while stats.bytes_read < max_bytes:
        raw = stream.readline(min(max_line * 4 + 4, max_bytes - stats.bytes_read))
        if not raw:
            return
        stats.bytes_read += len(raw)
        if not raw.endswith(b"\n") and len(raw) >= max_line * 4 + 4:
            stats.cut_lines += 1
            # Skip the rest of an over-long line without keeping it.
            while stats.bytes_read < max_bytes:
                more = stream.readline(min(_CHUNK, max_bytes - stats.bytes_read))
                if not more:
                    break
                stats.bytes_read += len(more)
                if more.endswith(b"\n"):
                    break
        stats.lines += 1
        text = raw.decode("utf-8", errors="replace").replace("\x00", "").rstrip("\r\n")
        yield text[:max_line]
    stats.stopped_early = True


def iter_log_lines(
    source: str | Path | BinaryIO,
    *,
    max_line: int = MAX_LINE,
    max_bytes: int = MAX_BYTES,
    stats: ReadStats | None = None,
    what: str = "LOGFILE",
) -> Iterator[str]:
    """The lines of `source` (no line endings), bounded as the module says.

    An unreadable path raises InputError naming it; `-` reads standard input.
    """
    stats = stats if stats is not None else ReadStats()
    if not isinstance(source, (str, Path)):
        yield from _lines(source, max_line, max_bytes, stats)
        return
    if str(source) == "-":
        yield from _lines(sys.stdin.buffer, max_line, max_bytes, stats)
        return
    path = expand(source, what)
    try:
        if path.is_dir():
            raise InputError(msg("launch.log.is_folder", what=what, path=str(path)))
        stream = open(path, "rb")  # noqa: SIM115 - closed below, also when the consumer stops early
    except InputError:
        raise
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(msg("launch.log.unreadable", what=what, path=str(source), why=reason)) from None
    with stream:
        try:
            yield from _lines(stream, max_line, max_bytes, stats)
        except OSError as exc:
            raise InputError(msg("launch.log.read_failed", what=what, path=str(source), why=str(exc.strerror or exc))) \
                from None


def read_log_text(source: str | Path | BinaryIO, *, max_line: int = MAX_LINE, max_bytes: int = MAX_BYTES) -> str:
    """The whole log as one string, bounded the same way (for parsers that search across lines)."""
    return "\n".join(iter_log_lines(source, max_line=max_line, max_bytes=max_bytes))
