"""How fast `vllm-wizard doctor` reads a big log, and how much memory it keeps (the bounded-reading
half of what tests/doctor/test_reading.py checks for correctness).

    python benchmarks/doctor_scan.py [--mib 20] [--runs 3]

The log is the healthy V1 start-up of seed write-up 003 repeated (a supervisor restarting vLLM into
one file), with a failure at the end. Targets (medians, shared 2-core VM): at least 3 MiB/s, and
peak memory of the scan under 64 MiB whatever the size. Exit status 1 if one is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wizard.doctor.diagnose import diagnose_text  # noqa: E402
from wizard.logtext import iter_log_lines  # noqa: E402

FIXTURE = ROOT / "tests" / "doctor" / "fixtures" / "seed003_healthy_v085.log"
FAILURE = "ERROR 05-16 23:09:36 [core.py:396] ValueError: No available memory for the cache blocks.\n"


def build(path: Path, mib: int) -> None:
    body = "".join(line + "\n" for line in FIXTURE.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(max(1, mib * (1 << 20) // len(body.encode()))):
            f.write(body)
        f.write(FAILURE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        build(log, args.mib)
        size = log.stat().st_size / (1 << 20)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            report = diagnose_text(iter_log_lines(log))
            times.append(time.perf_counter() - start)
            assert report.diagnoses and report.diagnoses[0].code == "no_kv_cache_memory"
        tracemalloc.start()
        diagnose_text(iter_log_lines(log))
        peak = tracemalloc.get_traced_memory()[1] / (1 << 20)
        tracemalloc.stop()
    rate = size / statistics.median(times)
    print(f"{size:.1f} MiB: median {statistics.median(times):.2f} s ({rate:.1f} MiB/s), peak traced memory {peak:.1f} MiB")
    return 0 if rate >= 3 and peak < 64 else 1


if __name__ == "__main__":
    raise SystemExit(main())
