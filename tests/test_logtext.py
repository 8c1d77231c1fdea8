"""The bounded log reader: any input, bounded memory, no traceback."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.errors import InputError
from wizard.logtext import ReadStats, iter_log_lines, read_log_text


def test_lines_without_endings_and_invalid_bytes_replaced(tmp_path):
    log = tmp_path / "server.log"
    log.write_bytes(b"INFO one\r\nWARNING \xff\xfe two\x00\nlast without newline")
    assert list(iter_log_lines(log)) == ["INFO one", "WARNING \ufffd\ufffd two", "last without newline"]


def test_an_endless_line_is_cut_and_reading_stops_at_the_byte_cap():
    stats = ReadStats()
    lines = list(iter_log_lines(io.BytesIO(b"\x00" * 5_000_000), max_line=100, max_bytes=1_000_000, stats=stats))
    assert stats.bytes_read <= 1_000_000 and stats.stopped_early
    assert all(len(line) <= 100 for line in lines)


def test_a_long_line_is_cut_and_the_next_line_still_read():
    data = b"x" * 100_000 + b"\nGPU KV cache size: 1,024 tokens\n"
    stats = ReadStats()
    lines = list(iter_log_lines(io.BytesIO(data), max_line=1000, stats=stats))
    assert lines[-1] == "GPU KV cache size: 1,024 tokens" and stats.cut_lines == 1 and len(lines[0]) == 1000


def test_unreadable_paths_name_the_input(tmp_path):
    with pytest.raises(InputError, match="LOGFILE .*missing.log: cannot be read"):
        read_log_text(tmp_path / "missing.log")
    with pytest.raises(InputError, match="is a folder"):
        read_log_text(tmp_path)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096), st.integers(min_value=1, max_value=64))
def test_any_bytes_give_bounded_lines(data, max_line):
    lines = list(iter_log_lines(io.BytesIO(data), max_line=max_line, max_bytes=2048))
    assert all(len(line) <= max_line and "\n" not in line for line in lines)
