"""The app in a real pseudo-terminal: time to the first screen and memory (issue targets).

    python benchmarks/tui_startup.py [--runs N]

Runs the installed `vllm-wizard --demo` at 80x24 (pexpect) and measures, as medians over N runs:
- time from spawn to the first step's title on the terminal (target < 1 s),
- resident memory (RSS) of the running app once the Plan step is drawn (target < 120 MB),
- for information, a step change: Ctrl+N until the next step's text is on the terminal.
Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import pexpect
import psutil

FIRST_SCREEN_S = 1.0
RSS_MB = 120
CTRL_N = "\x0e"


def console_script() -> str:
    beside = Path(sys.executable).with_name("vllm-wizard")
    found = str(beside) if beside.is_file() else shutil.which("vllm-wizard")
    if not found:
        sys.exit("vllm-wizard is not installed: pip install -e .")
    return found


def one_run(exe: str) -> tuple[float, float, list[float]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VLLM_WIZARD_", "LC_", "LANG"))}
    env.update(TERM="xterm-256color", LANG="C.UTF-8")
    start = time.perf_counter()
    child = pexpect.spawn(exe, ["--demo", "--vllm-version", "0.33.0"], env=env, dimensions=(24, 80),
                          encoding="utf-8", timeout=30)
    try:
        child.expect_exact("Which GPUs should vLLM use?")
        first = time.perf_counter() - start
        child.expect_exact("2 GPU(s) detected")
        steps = []
        for next_text in ("Which model should vLLM serve?", "What should the server do well", "predicted to start"):
            sent = time.perf_counter()
            child.send(CTRL_N)
            child.expect_exact(next_text)
            steps.append(time.perf_counter() - sent)
        time.sleep(0.5)  # let it settle at the Plan step
        rss = psutil.Process(child.pid).memory_info().rss / 1e6
        child.sendcontrol("q")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return first, rss, steps


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    exe = console_script()
    one_run(exe)  # warm the file cache and .pyc files, as a second start on a server would be
    results = [one_run(exe) for _ in range(args.runs)]
    first = statistics.median(r[0] for r in results)
    rss = statistics.median(r[1] for r in results)
    print(f"time to first screen: median {first * 1000:.0f} ms over {args.runs} runs (target < {FIRST_SCREEN_S * 1000:.0f} ms)")
    print(f"RSS at the Plan step: median {rss:.1f} MB (target < {RSS_MB} MB)")
    step = statistics.median(s for r in results for s in r[2])
    print(f"step change (Ctrl+N to the next step drawn): median {step * 1000:.0f} ms")
    return 0 if first < FIRST_SCREEN_S and rss < RSS_MB else 1


if __name__ == "__main__":
    raise SystemExit(main())
