"""Helpers for the hostile-input tests (tests/hostile, tests/fuzz): one line, exit code, no traceback."""

from __future__ import annotations

import contextlib
import io
import traceback

import pytest


def one_line(err: str) -> str:
    """The single `vllm-wizard: ...` line a refused input prints (fails the test otherwise)."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("vllm-wizard: ") and "Traceback" not in err
    return lines[0]


def run_main(argv: list[str]) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of one in-process run; an escaping exception fails the example."""
    from wizard.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException:  # noqa: BLE001 - report it with the input that caused it
            pytest.fail(f"{argv!r} raised:\n{traceback.format_exc()}")
    return code, out.getvalue(), err.getvalue()


def assert_clean(argv: list[str], allowed=(0, 2, 3)) -> tuple[int, str, str]:
    code, out, err = run_main(argv)
    assert code in allowed, (argv, code, err[-800:])
    assert "Traceback" not in err, (argv, err[-2000:])
    if code == 2 and not err.startswith("usage:"):
        # A refused input: its own line, naming what was wrong (argparse's usage block aside).
        assert err.strip().splitlines()[-1].startswith("vllm-wizard"), (argv, err[-800:])
    return code, out, err
