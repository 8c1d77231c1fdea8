"""One prediction (wizard.planner.predict.predict) must stay under 1 ms: the chooser calls it many
times per keystroke. Measures the median over a spread of setups that exercise every release rule:
the engine oracle, the scheduler defaults, per-rank sampler placement, TP/PP, V0 and V1 eras.

    python benchmarks/predict_speed.py [--runs N]

Exit status 1 if the median of any setup is 1 ms or more.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "planner"))

from factories import GIB, gpu, llama31_8b  # noqa: E402

from wizard.model.facts import VisionFacts  # noqa: E402
from wizard.planner.predict import predict  # noqa: E402
from wizard.planner.settings import Settings  # noqa: E402
from wizard.planner.versions import VllmVersion  # noqa: E402

H100 = dict(name="NVIDIA H100 80GB HBM3", total=int(79.19 * GIB), cc="9.0")
T4 = dict(name="Tesla T4", total=int(14.56 * GIB), cc="7.5")
SETUPS = {
    "0.33.0 V1, 1x H100": ("0.33.0", [gpu(0, **H100)], Settings(max_model_len=8192, max_num_batched_tokens=8192,
                                                                   max_num_seqs=1024)),
    "0.10.1 V1, TP4 H100": ("0.10.1", [gpu(i, **H100) for i in range(4)],
                            Settings(tensor_parallel_size=4, max_model_len=32768, max_num_seqs=1024,
                                     max_num_batched_tokens=8192)),
    "0.9.2 -> V0 fallback, T4": ("0.9.2", [gpu(0, **T4)], Settings(max_model_len=4096, max_num_batched_tokens=4096,
                                                                    enable_chunked_prefill=False)),
    "0.6.4 V0, TP2 x PP2": ("0.6.4", [gpu(i, **H100) for i in range(4)],
                            Settings(tensor_parallel_size=2, pipeline_parallel_size=2, max_model_len=8192,
                                     max_num_batched_tokens=8192, enable_chunked_prefill=False)),
    "0.11.0 V1 vision tower, TP4": ("0.11.0", [gpu(i, **H100) for i in range(4)],
                                    Settings(tensor_parallel_size=4, max_model_len=65536, max_num_seqs=256,
                                             max_num_batched_tokens=2048, limit_mm_per_prompt="image=2")),
}
# A Qwen3-VL-style tower on the Llama text model: the multimodal profile rules run too.
_VISION = VisionFacts(family="qwen3_vl", hidden_size=1152, intermediate_size=4304, num_layers=27, num_heads=16,
                      patch_size=16, spatial_merge_size=2, temporal_patch_size=2, out_hidden_size=4096,
                      deepstack_levels=3, video=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args(argv)
    text_model = llama31_8b()
    vlm = text_model.model_copy(update={"arch": text_model.arch.model_copy(update={"vision": _VISION,
                                                                                   "has_vision": True})})
    missed = 0
    for name, (version_text, gpus, settings) in SETUPS.items():
        model = vlm if "vision" in name else text_model
        version = VllmVersion.parse(version_text)
        predict(model, gpus, settings, version)  # warm caches (release tables)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            predict(model, gpus, settings, version)
            times.append((time.perf_counter() - start) * 1e3)
        median = statistics.median(times)
        p90 = sorted(times)[int(0.9 * len(times))]
        missed += median >= 1.0
        print(f"{name:32} median {median:.3f} ms  p90 {p90:.3f} ms  {'ok' if median < 1.0 else 'MISSED'} (target < 1 ms)")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
