"""Cost of the release table (wizard/data/vllm_releases.json): file size, the first lookup in a
fresh process (read + parse + one release built), and warm lookups.

    python benchmarks/release_facts.py [--runs N]

Targets: the file well under 1 MB; the first lookup small next to `plan`'s 300 ms budget
(benchmarks/speed.py measures `plan` itself); warm lookups in microseconds. Exit 1 on a miss.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT / "wizard" / "data" / "vllm_releases.json"
# wizard.i18n (and with it importlib.resources, dataclasses) is imported by every command anyway:
# what is measured is the table's own cost on top.
COLD = ("import time, json, wizard.i18n, wizard.errors\n"
        "t0 = time.perf_counter()\n"
        "from wizard.releases import facts\n"
        "t1 = time.perf_counter()\n"
        "facts.release_facts('0.32.0')\n"
        "t2 = time.perf_counter()\n"
        "facts.release_facts('0.8.5')\n"
        "t3 = time.perf_counter()\n"
        "print(json.dumps([t1 - t0, t2 - t1, t3 - t2]))\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    size = DATA.stat().st_size
    rows = []
    for _ in range(args.runs):
        out = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, cwd=ROOT, check=True)
        rows.append(json.loads(out.stdout))
    imp, first, second = (statistics.median(r[i] for r in rows) * 1000 for i in range(3))

    from wizard.releases.facts import first_release_with_parser, release_facts

    release_facts("0.32.0")
    n = 2000
    t0 = time.perf_counter()
    for _ in range(n):
        release_facts("0.32.0").has_flag("--kv-cache-memory-bytes")
    warm_us = (time.perf_counter() - t0) / n * 1e6
    t0 = time.perf_counter()
    first_release_with_parser("reasoning", "qwen3")
    scan_ms = (time.perf_counter() - t0) * 1000

    print(f"data file: {size / 1024:.0f} KiB ({len(json.loads(DATA.read_text())['releases'])} releases)")
    print(f"import wizard.releases.facts on top of wizard.i18n: {imp:.1f} ms (median of {args.runs}, fresh processes)")
    print(f"first lookup (read + parse + build 0.32.0): {first:.1f} ms; a second release: {second:.1f} ms")
    print(f"warm lookup + has_flag: {warm_us:.1f} us; first_release_with_parser (builds every release): {scan_ms:.1f} ms")
    ok = size < 1_000_000 and first < 60 and warm_us < 50
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
