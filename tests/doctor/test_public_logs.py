"""The public start-up logs of shared/calibration (real vLLM output, 0.6 through 0.26, V0 and V1, as
quoted by their sources): the doctor raises no failure where they show none, and names the one
KV-cache failure that is quoted (split over two lines by its source)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wizard.doctor import diagnose_text

HERE = Path(__file__).resolve()
SHARED = next((p / "shared" / "calibration" for p in HERE.parents if (p / "shared" / "calibration").is_dir()), None)
RECORDS = [json.loads(line) for name in ("vllm_logs_public.jsonl", "vllm_logs_public_more.jsonl")
           for line in ((SHARED / name).read_text(encoding="utf-8").splitlines() if SHARED else []) if line.strip()]
# Records whose quote tells of a failure (in prose or as vLLM printed it).
FAILURES = {"pub-qwen38-27b-nvfp4-1xrtx5090-eager-fp8kv-32k-v0261": "cuda_oom",
            "pub-qwen38-27b-nvfp4-1xrtx5090-eager-bf16kv-32k-v0261": "cuda_oom",
            "pub-mineru-vlm-rtx2080ti-11gb-util050-len16k-kv-error": "max_model_len_exceeds_kv_cache",
            "pub-qwen3coder-next-4xl40s-tp4-mamba-blocks-error": "mamba_cache_blocks"}


@pytest.mark.skipif(not RECORDS, reason="shared/calibration is not next to this checkout")
@pytest.mark.parametrize("record", RECORDS, ids=[r["id"] for r in RECORDS])
def test_public_start_up_logs(record):
    report = diagnose_text(record["quote"])
    codes = [d.code for d in report.diagnoses]
    if record["id"] in FAILURES:
        assert codes[:1] == [FAILURES[record["id"]]]
    else:
        assert codes == [], report.diagnoses[0].evidence
