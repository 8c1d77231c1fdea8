"""How long `verify` takes: against the scripted OpenAI server of tests/verify (in-process, no token
delay, so this is verify's own overhead), and optionally against a real server.

    python benchmarks/verify_speed.py [--runs N] [--url URL --model NAME]

Targets (medians): < 1 s against the fake server (a handful of requests, no load test); against a
real server it is the server's time for ~200 generated tokens plus the same overhead. Exit status 1
if the fake-server target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "verify"))

from fake_openai import FakeConfig, FakeOpenAI  # noqa: E402

from wizard.verify.runner import VerifyTarget, run_verify  # noqa: E402

TARGET_FAKE_S = 1.0


def timed(target: VerifyTarget, runs: int) -> tuple[float, list[float], bool]:
    times, ok = [], True
    for _ in range(runs):
        start = time.perf_counter()
        report = run_verify(target, timeout=120)
        times.append(time.perf_counter() - start)
        ok = ok and report.ok
    return statistics.median(times), times, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--url")
    parser.add_argument("--model")
    args = parser.parse_args(argv)
    with FakeOpenAI(FakeConfig()) as url:
        median, times, ok = timed(VerifyTarget(url), args.runs)
    print(f"fake server: median {median:.3f} s over {args.runs} runs (min {min(times):.3f}, max {max(times):.3f}), "
          f"all passed: {ok}; target < {TARGET_FAKE_S} s")
    missed = median >= TARGET_FAKE_S or not ok
    if args.url:
        median, times, ok = timed(VerifyTarget(args.url, model=args.model), args.runs)
        print(f"{args.url}: median {median:.3f} s over {args.runs} runs (min {min(times):.3f}, max {max(times):.3f}), "
              f"all passed: {ok}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
