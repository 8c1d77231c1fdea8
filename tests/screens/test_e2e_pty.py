"""End to end: the installed `vllm-wizard --demo` in a real pseudo-terminal at 80x24, keys only, to
the printed command. This is the README's quick start, driven the way a person over SSH would."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

CTRL_N = "\x0e"


def _console_script() -> str:
    beside = Path(sys.executable).with_name("vllm-wizard")
    found = str(beside) if beside.is_file() else shutil.which("vllm-wizard")
    if not found:
        pytest.skip("vllm-wizard is not installed (pip install -e .)")
    return found


@pytest.mark.slow
def test_demo_in_a_real_terminal_keys_only(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VLLM_WIZARD_", "CUDA_VISIBLE", "LC_", "LANG"))}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", COLUMNS="80", LINES="24", TEXTUAL_ANIMATIONS="none")
    child = pexpect.spawn(_console_script(), ["--demo", "--vllm-version", "0.33.0"], env=env, cwd=str(tmp_path),
                          dimensions=(24, 80), encoding="utf-8", timeout=30)
    try:
        # Each text is one styled run, so it arrives contiguous in the terminal stream; each is what
        # a person waits for before pressing Next (the GPUs found, the model inspected, ...).
        for expected in ("2 GPU(s) detected", "Inspected from its config files", "What should the server do well",
                         "predicted to start"):
            child.expect_exact(expected)
            child.send(CTRL_N)
        child.expect_exact("exactly what will run")
        child.send("l")
        child.expect_exact("again")  # "Launch again to start anyway": the plan's warnings, asked once
        child.send("l")
        child.expect_exact("this is the command it would run:")
        child.expect(r"vllm serve Qwen/Qwen3-14B --pipeline-parallel-size 2 [^\r\n]*--port 8000")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


@pytest.mark.slow
@pytest.mark.parametrize(("system", "forbidden"), [
    ("standard", (r"\x1b\[[0-9;]*[34]8;2;", r"\x1b\[[0-9;]*[34]8;5;")),  # 16 colours: no 256 or RGB codes
    ("256", (r"\x1b\[[0-9;]*[34]8;2;",)),  # 256 colours: no RGB codes
])
def test_the_plan_step_in_16_and_256_colours(system, forbidden, tmp_path):
    import re

    env = {k: v for k, v in os.environ.items() if not k.startswith(("VLLM_WIZARD_", "CUDA_VISIBLE", "LC_", "LANG"))}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", TEXTUAL_COLOR_SYSTEM=system, TEXTUAL_ANIMATIONS="none")
    child = pexpect.spawn(_console_script(), ["--demo", "--vllm-version", "0.33.0"], env=env, cwd=str(tmp_path),
                          dimensions=(24, 80), encoding="utf-8", timeout=30)
    seen: list[str] = []
    child.logfile_read = type("Log", (), {"write": lambda self, s: seen.append(s), "flush": lambda self: None})()
    try:
        for expected in ("2 GPU(s) detected", "Inspected from its config files", "What should the server do well"):
            child.expect_exact(expected)
            child.send(CTRL_N)
        child.expect_exact("predicted to start")
        child.sendcontrol("q")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    out = "".join(seen)
    assert not any(re.search(pattern, out) for pattern in forbidden)
    # Each budget segment keeps its own glyph, so the bar reads even where colours collapse.
    assert all(glyph in out for glyph in "▞█▄░▓")
