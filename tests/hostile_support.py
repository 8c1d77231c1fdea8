"""Helpers for the hostile-input tests (tests/hostile, tests/fuzz): one line, exit code, no traceback."""

from __future__ import annotations


def one_line(err: str) -> str:
    """The single `vllm-wizard: ...` line a refused input prints (fails the test otherwise)."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("vllm-wizard: ") and "Traceback" not in err
    return lines[0]
