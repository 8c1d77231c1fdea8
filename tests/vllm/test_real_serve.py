"""The real vLLM server, started the way a user starts it: `vllm-wizard serve --yes --detach` on a tiny
model built offline (followed live, compared, verified), queried, checked again with `vllm-wizard
verify`, calibrated from its real log, and stopped; and the exported YAML booted by `vllm serve --config`.

CPU notes (shared/research/vllm-cpu-lab.md): --enforce-eager keeps a boot near 30 s; a small
gpu-memory-utilization keeps the KV cache small (on CPU it is a fraction of the NUMA node's memory);
one server at a time, because vLLM pins its engine to one of the two cores.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.vllm
ROOT = Path(__file__).resolve().parents[2]
PINS = ["--set", "max-model-len=256", "--set", "gpu-memory-utilization=0.2", "--set", "enforce-eager=true"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wizard(env: dict, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wizard", *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def _get(url: str, timeout: float = 30) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - our own loopback server
        return json.loads(resp.read())


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/health", timeout=2) as resp:  # noqa: S310
            return resp.status == 200
    except OSError:
        return False


def _chat(base: str, model: str) -> dict:
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "Hello, how are you?"}],
                       "max_tokens": 8, "temperature": 0}).encode()
    req = urllib.request.Request(f"{base}/v1/chat/completions", data=body, headers={"Content-Type": "application/json"})  # noqa: S310
    with urllib.request.urlopen(req, timeout=120) as resp:  # noqa: S310
        assert resp.status == 200
        return json.loads(resp.read())


def test_serve_detach_boots_answers_calibrates_and_stops(vllm_env, tiny_model):
    port = _port()
    started = _wizard(vllm_env, "serve", str(tiny_model), "--gpu", "L4", *PINS, "--port", str(port),
                      "--served-model-name", "tiny", "--yes", "--detach", "--wait", "480")
    print(started.stdout[-4000:], started.stderr[-2000:])
    try:
        assert started.returncode == 0, started.stderr[-3000:]
        assert "vLLM accepts it" in started.stdout and "Predicted vs actual" in started.stdout
        assert "] loading weights" in started.stdout and "Serving correctly at " in started.stdout  # the verdict
        base = f"http://127.0.0.1:{port}"
        _check_verify(vllm_env, base)
        assert [m["id"] for m in _get(f"{base}/v1/models")["data"]] == ["tiny"]
        reply = _chat(base, "tiny")
        assert reply["choices"][0]["message"]["content"] is not None and reply["usage"]["completion_tokens"] > 0
        _check_real_metrics(base, reply["usage"]["completion_tokens"])

        store = json.loads((Path(vllm_env["VLLM_WIZARD_DATA_DIR"]) / "calibration.json").read_text())
        record, = store["records"]
        figures = record["figures"]
        assert figures["kv_cache_tokens"] > 0 and figures["max_concurrency"] > 0 and figures["concurrency_len"] == 256
        assert figures["cpu_kv_mode"] == "auto" and figures["available_kv_gib"] > 0
        assert record["measured"]["activation_bytes"] > 0  # derived from the CPU worker's non-KV line
        assert record["key"]["model_id"] == tiny_model.name and record["key"]["gpu_name"] == "NVIDIA L4"
        again = _wizard(vllm_env, "calibrate", record["source"], "--no-save")
        assert again.returncode == 0 and "KV cache tokens" in again.stdout
    finally:
        stopped = _wizard(vllm_env, "serve", "--stop", timeout=120)
    assert stopped.returncode == 0 and "Stopped the server" in stopped.stdout
    assert not _healthy(f"http://127.0.0.1:{port}")


def _check_verify(env: dict, base: str) -> None:
    """`verify` passes on the healthy real server: the tiny random model's gibberish is legitimate output,
    judged by its form; the plan's expectations (max_model_len 256, no parsers) come from the launch."""
    verified = _wizard(env, "verify", "--json", timeout=300)
    report = json.loads(verified.stdout)
    assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr[-2000:]
    checks = {c["code"]: c for c in report["checks"]}
    assert all(c["ok"] for c in checks.values()) and report["plan"] is not None
    assert not checks["degenerate_output"].get("skipped") and checks["context_length"]["evidence"].endswith("as planned")
    assert "CPU backend" in checks["speed"]["evidence"] or "no speed prediction" in checks["speed"]["evidence"]
    assert report["speed"]["ttft_ms"] > 0 and report["speed"]["decode_tokens_per_s"] > 0
    by_url = _wizard(env, "verify", base, "--model", "tiny", "--timeout", "120", timeout=300)
    assert by_url.returncode == 0 and "Serving correctly at" in by_url.stdout, by_url.stdout + by_url.stderr


def _check_real_metrics(base: str, generated: int) -> None:
    """The monitor's parser reads what this real vLLM exposes; VLLM_WIZARD_CAPTURE_METRICS=DIR keeps
    the text as a fixture named with the version (tests/monitor/fixtures/metrics-v<version>-cpu.txt)."""
    import os

    from wizard.monitor.prom import parse_metrics
    from wizard.vllm_env import find_vllm

    with urllib.request.urlopen(f"{base}/metrics", timeout=30) as resp:  # noqa: S310 - our loopback server
        text = resp.read().decode()
    capture = os.environ.get("VLLM_WIZARD_CAPTURE_METRICS")
    if capture:
        version = find_vllm().version.split("+")[0]
        Path(capture, f"metrics-v{version}-cpu.txt").write_text(text)
    frame = parse_metrics(text)
    assert frame.generation == "v1" and frame.model == "tiny"
    assert frame.counters["generation_tokens"] >= generated and frame.counters["prompt_tokens"] > 0
    assert {"running", "waiting", "kv_usage"} <= set(frame.gauges)
    assert frame.histograms["ttft"].count >= 1 and frame.histograms["e2e"].count >= 1


def test_exported_yaml_is_accepted_and_served_by_vllm_serve_config(vllm_env, vllm_python, tiny_model, scratch):
    from wizard.launch.introspect import validate
    from wizard.vllm_env import find_vllm

    port = _port()
    config = scratch / "tiny-serve.yaml"
    exported = _wizard(vllm_env, "export", str(tiny_model), "--gpu", "L4", "--vllm-version", "0.32.0", *PINS,
                       "--port", str(port), "--served-model-name", "tiny-yaml", "--format", "yaml", "--out",
                       str(config), "--force")
    assert exported.returncode == 0, exported.stderr
    assert validate(find_vllm(), [["--config", str(config)]])[0].ok  # the parser and engine config accept it
    vllm = Path(vllm_python).parent / "vllm"
    log = open(scratch / "yaml-serve.log", "wb")  # noqa: SIM115 - closed when the server is stopped
    proc = subprocess.Popen([str(vllm), "serve", "--config", str(config)], env=vllm_env, stdout=log,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 480
        while time.monotonic() < deadline:
            assert proc.poll() is None, (scratch / "yaml-serve.log").read_text()[-3000:]
            if _healthy(f"http://127.0.0.1:{port}"):
                break
            time.sleep(1)
        else:
            pytest.fail("vllm serve --config did not become healthy")
        assert [m["id"] for m in _get(f"http://127.0.0.1:{port}/v1/models")["data"]] == ["tiny-yaml"]
        assert _chat(f"http://127.0.0.1:{port}", "tiny-yaml")["usage"]["completion_tokens"] > 0
    finally:
        import os

        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
