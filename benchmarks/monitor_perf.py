"""Monitor cost with 8 fake GPUs at 1 Hz (issue #6 targets; numbers go in the closing note).

    python benchmarks/monitor_perf.py [--seconds 30] [--runs 15]

Measures, with VLLM_WIZARD_FAKE_GPUS=monitor-h100-x8 and a local HTTP server answering /health and
/metrics with vLLM 0.11 metric text (tests/monitor/fixtures):
- `vllm-wizard monitor --once` wall time, median of --runs (target < 400 ms), with and without --url;
- the headless sampler loop (GPUs + host + processes + server) at 1 Hz: CPU % of one core over
  --seconds after a 3 s warm-up (target < 3 %), and RSS at the end (target < 100 MB);
- the Textual MonitorApp (headless driver, 120x40) at 1 Hz: same figures, rendering included.
Each live measurement runs in its own process; CPU is that process's own CPU time (all threads).
Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
METRICS = (ROOT / "tests/monitor/fixtures/metrics-v0.11.0-t10.txt").read_bytes()
WARMUP_S = 3.0

SAMPLER_CHILD = """
import json, sys, threading, time, psutil
from wizard.monitor.sampler import MonitorConfig, Sampler
url, seconds, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
sampler = Sampler.from_config(MonitorConfig(interval_s=1.0, url=url or None, use_last_launch=False))
count = [0]
stop = threading.Event()
thread = threading.Thread(target=sampler.run, args=(lambda s: count.__setitem__(0, count[0] + 1), stop))
thread.start()
time.sleep(WARMUP)
cpu0, t0, n0 = time.process_time(), time.monotonic(), count[0]
time.sleep(seconds)
cpu1, t1, n1 = time.process_time(), time.monotonic(), count[0]
stop.set(); thread.join()
json.dump({"cpu": (cpu1 - cpu0) / (t1 - t0), "rss": psutil.Process().memory_info().rss, "samples": n1 - n0},
          open(out, "w"))
""".replace("WARMUP", str(WARMUP_S))

APP_CHILD = """
import json, sys, time, psutil
from screens.monitor.app import MonitorApp
from screens.monitor.screen import SnapshotReady
from wizard.monitor.sampler import MonitorConfig
url, seconds, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
marks = {}
count = [0]

class Bench(MonitorApp):
    def on_mount(self):
        self.set_timer(WARMUP, self.start_mark)
        self.set_timer(WARMUP + seconds, self.end_mark)

    def on_snapshot_ready(self, message):
        count[0] += 1

    def start_mark(self):
        marks["start"] = (time.process_time(), time.monotonic(), count[0])

    def end_mark(self):
        marks["end"] = (time.process_time(), time.monotonic(), count[0])
        self.exit()

Bench(MonitorConfig(interval_s=1.0, url=url or None, use_last_launch=False)).run(headless=True, size=(120, 40))
(c0, t0, n0), (c1, t1, n1) = marks["start"], marks["end"]
json.dump({"cpu": (c1 - c0) / (t1 - t0), "rss": psutil.Process().memory_info().rss, "samples": n1 - n0},
          open(out, "w"))
""".replace("WARMUP", str(WARMUP_S))


def serve_metrics() -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = METRICS if self.path.startswith("/metrics") else b""
            self.send_response(200 if self.path in ("/health", "/metrics") else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _wall(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, env=env, stdin=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000


def once_ms(env: dict, runs: int, *extra: str) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        # The console script's code path (screens.entry), without a pyenv/venv shim in front of it.
        result = subprocess.run([sys.executable, "-m", "screens.entry", "monitor", "--once", *extra],
                                capture_output=True, env=env, stdin=subprocess.DEVNULL)
        times.append((time.perf_counter() - start) * 1000)
        assert result.returncode == 0, result.stderr
    return statistics.median(times)


def live(code: str, env: dict, url: str, seconds: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        subprocess.run([sys.executable, "-c", code, url, str(seconds), str(out)], check=True, env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, cwd=ROOT)
        return json.loads(out.read_text())


def parallel_round_ms(runs: int) -> float:
    """One sampling round of 8 GPUs whose PCIe counter reads cost 20 ms each (as NVML's do):
    sequential would take 8 x 2 x 20 = 320 ms; the parallel sampler's target is < 250 ms."""
    sys.path.insert(0, str(ROOT))
    from wizard.hardware.fake_backend import load_fixture  # noqa: PLC0415
    from wizard.monitor.gpu_sampler import GpuSampler  # noqa: PLC0415
    from wizard.monitor.scripted_backend import ScriptedBackend  # noqa: PLC0415

    class Slow(ScriptedBackend):
        source = "nvml"

        def pcie_throughput_kib_s(self, index, direction):
            time.sleep(0.02)
            return super().pcie_throughput_kib_s(index, direction)

        def start(self):
            pass

    label, data = load_fixture("monitor-h100-x8")
    times = []
    for _ in range(runs):
        sampler = GpuSampler(Slow(data, label))
        started = time.perf_counter()
        sampler.sample()
        times.append((time.perf_counter() - started) * 1000)
        sampler.close()
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT), VLLM_WIZARD_FAKE_GPUS="monitor-h100-x8")
    server, url = serve_metrics()
    bare = statistics.median(_wall([sys.executable, "-c", "pass"], env) for _ in range(args.runs))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}; bare interpreter start {bare:.0f} ms")
    failed = False
    for label, extra in (("monitor --once (8 GPUs)", ()), ("monitor --once --json --url", ("--json", "--url", url))):
        ms = once_ms(env, args.runs, *extra)
        ok = ms < 400
        failed |= not ok
        print(f"{label:<34} {ms:7.0f} ms wall (median of {args.runs})   target < 400 ms   {'ok' if ok else 'MISSED'}")
    ms = parallel_round_ms(args.runs)
    failed |= ms >= 250
    print(f"{'one round, 8 slow GPUs (parallel)':<34} {ms:7.0f} ms wall (median of {args.runs})   target < 250 ms   "
          f"{'ok' if ms < 250 else 'MISSED'}")
    children = (("sampler loop, 1 Hz, with server", SAMPLER_CHILD), ("MonitorApp, 1 Hz, with server", APP_CHILD))
    for label, code in children:
        result = live(code, env, url, args.seconds)
        cpu, rss = 100 * result["cpu"], result["rss"] / 2**20
        ok = cpu < 3 and rss < 100
        failed |= not ok
        print(f"{label:<34} {cpu:6.2f} % CPU   {rss:6.1f} MB RSS   ({result['samples']} samples in "
              f"{args.seconds:g} s)   targets < 3 %, < 100 MB   {'ok' if ok else 'MISSED'}")
    server.shutdown()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
