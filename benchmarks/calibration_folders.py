"""How fast the faithful calibration folders are built (the speed half of what
tests/calibration/test_synthetic_arch.py checks for faithfulness and sparseness).

    python benchmarks/calibration_folders.py [--runs N]

Targets (medians): < 1 s per folder with fewer than 10,000 tensors; big MoE checkpoints (50k-210k
tensors, tens of MB of real header JSON) < 1 s per 50,000 tensors. Exit status 1 if one is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from calibration_models import CALIBRATION_MODELS, build_model_folder  # noqa: E402

from wizard.model.synthetic_arch import tensors_for_config  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    missed = 0
    for record_id, spec in sorted(CALIBRATION_MODELS.items()):
        count = len(tensors_for_config(spec.config, quantization=spec.quantization))
        times = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                build_model_folder(record_id, Path(tmp) / "model")
                times.append(time.perf_counter() - start)
        median = statistics.median(times)
        target = 1.0 if count < 10_000 else max(1.0, count / 50_000)
        flag = "ok" if median < target else "MISSED"
        missed += median >= target
        print(f"{record_id:64} {count:>8,} tensors  {median * 1000:8.1f} ms  (target {target * 1000:.0f} ms) {flag}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
