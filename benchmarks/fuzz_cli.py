"""Throw many hostile inputs at the headless CLI, in-process, and count what happens.

    python benchmarks/fuzz_cli.py [--cases 15000] [--seed 1] [--limit 5] [--slow 2] [--show 5]

Each case runs `wizard.cli.main(argv)` with stdout/stderr captured and a per-case time limit
(SIGALRM). Entry points: plan/serve --dry-run/export flags (numbers, names, pins), monitor --url
against a local server that answers fuzzed /metrics text (or drips, or lies), calibrate of
generated logs (real start-up lines with mutated figures, junk, huge lines), and model ids / paths
for inspect. Only 127.0.0.1 is contacted: the hub endpoints point at a closed local port.

A case fails when: it raises (a traceback), prints "Traceback", exits with a code outside
{0, 2, 3} (1 allowed for serve's own verdicts), or runs past --limit seconds (a hang). Prints
counts of cases, exit codes, tracebacks, hangs, and slow cases (over --slow seconds), and the
first --show failures of each kind with their argv.
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import io
import os
import random
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

NUMBERS = ["0", "1", "-1", "2", "8", "64", "65", "100000", "nan", "NaN", "inf", "-inf", "Infinity", "1e999",
           "1e-999", "9" * 400, "9" * 5000, "0.0", "-0", "1.5", "1_000", "1,000", "0x10", "", " ", "1e3", "3.",
           ".5", "٣", "１", "+7", "--1", "1 2", "\x00", "9" * 24, "9" * 25, "4294967296", "18446744073709551617",
           "0.1", "0.0001", "1024", "1025", "65535", "65536"]
NAMES = ["H100", "h100", "A100-80GB", "L4", "RTX 4090", "T4", "nosuch", "", " ", "\x00", "é" * 50, "a" * 5000,
         "../../etc/passwd", "H100;rm -rf /", "\udcff"]
PINS = ["max-model-len", "kv-cache-memory-bytes", "cpu-offload-gb", "gpu-memory-utilization",
        "tensor-parallel-size", "pipeline-parallel-size", "max-num-seqs", "max-num-batched-tokens", "block-size",
        "dtype", "kv-cache-dtype", "quantization", "enforce-eager", "nosuch", "", "=", "decode-context-parallel-size"]
PIN_VALUES = NUMBERS + ["32k", "32K", "1.5G", "99999999999999999999T", "auto", "true", "fp8", "none", "-1", "9" * 400 + "k"]
SANE = {"--gpu-count": ["1", "2", "4", "8"], "--nodes": ["1", "2", "4"], "--gpu-memory": ["24", "80", "16.5"],
        "--gpu-used": ["0", "1.5", "10"], "--context": ["4096", "32768", "131072"], "--concurrency": ["1", "8", "64"],
        "--vllm-version": ["0.10.1", "0.6.4", "0.32.0"], "--compute-capability": ["8.9", "9.0", "7.5"]}
CC = ["8.9", "9.0", "12.0", "8", "80", "8.10", "x", "4" * 4400, "9.0.1", "", "١.٢", "-1.0", "nan"]
VERSIONS = ["0.10.1", "0.6.4", "0.32.0", "banana", "9" * 400, "0.0.1", "v0.11.0", "", "1.0.0rc1"]

STARTUP_LINES = [
    "INFO vLLM API server version {v}",
    "INFO Model loading took {f} GiB and {f} seconds",
    "INFO Available KV cache memory: {f} GiB",
    "INFO GPU KV cache size: {i} tokens",
    "INFO Maximum concurrency for {i} tokens per request: {f}x",
    "INFO Graph capturing finished in {i} secs, took {f} GiB",
    "INFO init engine (profile, create kv cache, warmup model) took {f} s",
    "INFO Free memory on device ({f}/{f} GiB) on startup. Desired GPU memory utilization is ({f}, {f} GiB). "
    "Actual usage is {f} GiB for weight, {f} GiB for peak activation, {f} GiB for non-torch memory, "
    "and {f} GiB for CUDAGraph memory.",
    "INFO Explicitly set ({f}/{f}) GiB for KV cache on node 0.",
    "INFO non-default args: {{'model': '{m}'}}",
]
FIGURES = ["14.0786", "0", "-3.5", "9" * 400, "1e5", "nan", "inf", "1,234", "0.0000001", "9" * 9, "12.5.6", "٣"]


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


class MetricsServer:
    """127.0.0.1 server whose /health and /metrics answers are set per case."""

    def __init__(self) -> None:
        self.body = b""
        self.status = 200
        self.drip = False
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                if outer.drip:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                    for _ in range(40):
                        try:
                            self.wfile.write(b"x")
                            self.wfile.flush()
                        except OSError:
                            return
                        time.sleep(0.25)
                    return
                body = outer.body if self.path.endswith("/metrics") else b"ok"
                self.send_response(outer.status if self.path.endswith("/health") else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def metrics_text(rng: random.Random) -> bytes:
    names = ["vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:gpu_cache_usage_perc",
             "vllm:kv_cache_usage_perc", "vllm:prompt_tokens_total", "vllm:generation_tokens_total",
             "vllm:time_to_first_token_seconds_bucket", "vllm:e2e_request_latency_seconds_bucket",
             "vllm:prefix_cache_hits_total", "vllm:prefix_cache_queries_total", "junk"]
    values = ["1", "0", "nan", "+Inf", "-Inf", "1e308", "9" * 400, "-5", "abc", "", "0x1p3"]
    lines = []
    for _ in range(rng.choice([1, 2, 5, 30])):
        name = rng.choice(names)
        labels = rng.choice(["", '{model_name="m"}', '{le="0.5"}', '{le="+Inf",engine="0"}'] if rng.random() < 0.9
                            else ['{le="x"}', "{", '{model_name="' + "\\" * 3 + '"}'])
        lines.append(f"{name}{labels} {rng.choice(values)}")
    if rng.random() < 0.05:
        lines.append(rng.choice(["\x00" * 100, "#" * 10000, "é" * 1000]))
    text = "\n".join(lines)
    return text.encode("utf-8", errors="surrogateescape") if rng.random() < 0.9 else os.urandom(rng.randint(0, 4096))


def startup_log(rng: random.Random) -> str:
    out = []
    for _ in range(rng.randint(0, 12)):
        template = rng.choice(STARTUP_LINES)
        out.append(template.format(f=rng.choice(FIGURES), i=rng.choice(FIGURES + ["451,744", "4,096"]),
                                   v=rng.choice(VERSIONS), m=rng.choice(["llama", "a" * 3000, "'", ""])))
    if rng.random() < 0.2:
        out.insert(rng.randint(0, len(out)), "y" * rng.choice([70_000, 300_000]))
    if rng.random() < 0.1:
        out.append("\x00\xff\udcff")
    return "\n".join(out)


class Cases:
    def __init__(self, rng: random.Random, model: Path, work: Path, server: MetricsServer) -> None:
        self.rng, self.model, self.work, self.server = rng, model, work, server

    def plan_flags(self, command: str = "plan") -> list[str]:
        r = self.rng
        argv = [command, str(self.model) if r.random() < 0.9 else r.choice(NAMES)]
        if r.random() < 0.8:
            argv += ["--gpu", r.choice(NAMES[:6]) if r.random() < 0.85 else r.choice(NAMES)]
        for flag, pool, p in (("--gpu-count", NUMBERS, 0.3), ("--nodes", NUMBERS, 0.2), ("--gpu-memory", NUMBERS, 0.2),
                              ("--gpu-used", NUMBERS, 0.15), ("--compute-capability", CC, 0.15),
                              ("--context", NUMBERS, 0.15), ("--concurrency", NUMBERS, 0.15),
                              ("--vllm-version", VERSIONS, 0.2), ("--gpus", ["0", "0,1", "x", "-1", "99", ""], 0.05)):
            if r.random() < p:
                sane = SANE.get(flag)
                argv += [flag, r.choice(sane) if sane and r.random() < 0.6 else r.choice(pool)]
        for _ in range(r.choice([0, 0, 1, 2, 3])):
            value = r.choice(PIN_VALUES) if r.random() < 0.5 else r.choice(["1", "2", "16", "8192", "0.8", "auto", "1k"])
            argv += ["--set", f"{r.choice(PINS)}={value}"]
        if r.random() < 0.5:
            argv.append("--json")
        if command == "export":
            argv += ["--format", r.choice(["yaml", "env", "systemd", "docker", "compose", "script", "k8s"])]
        if command == "serve":
            argv += ["--dry-run", "--yes"]
        return argv

    def monitor(self) -> list[str]:
        r = self.rng
        s = self.server
        s.body, s.status, s.drip = metrics_text(r), r.choice([200, 200, 200, 503, 500]), r.random() < 0.02
        url = s.url if r.random() < 0.8 else r.choice(["http://[::1", "http://127.0.0.1:99999", "ftp://x",
                                                       "http://127.0.0.1:1", "127.0.0.1:1", "http://", "", "\x00",
                                                       "http://a b", "http://" + "a" * 300 + ":1"])
        argv = ["monitor", "--once", "--url", url, "--timeout", r.choice(["1", "1", "0.5", "nan", "inf", "0"])]
        if r.random() < 0.5:
            argv.append("--json")
        if r.random() < 0.2:
            argv += [r.choice(["--history", "--interval"]), r.choice(NUMBERS)]
        return argv

    def calibrate(self) -> list[str]:
        r = self.rng
        log = self.work / f"log-{r.randint(0, 7)}.log"
        log.write_text(startup_log(r), encoding="utf-8", errors="surrogateescape")
        target = str(log) if r.random() < 0.9 else r.choice(["/dev/zero", "/dev/null", "/nonexistent", str(self.work),
                                                               "~nosuchuser/x", "a" * 300, "-"])
        argv = ["calibrate", target]
        if r.random() < 0.6:
            argv += [str(self.model), "--gpu", r.choice(["H100", "L4", "nosuch"])]
            if r.random() < 0.3:
                argv += ["--set", f"{r.choice(PINS)}={r.choice(PIN_VALUES)}"]
        if r.random() < 0.5:
            argv.append("--no-save")
        if r.random() < 0.3:
            argv.append("--json")
        return argv

    def model_id(self) -> list[str]:
        r = self.rng
        alphabet = "ab/.-_~:\\ \x00é\udcff模0"
        ident = r.choice([
            "".join(r.choice(alphabet) for _ in range(r.randint(0, 40))),
            "a" * r.choice([255, 256, 300, 5000]),
            "org/" + "a" * 300, "~nosuchuser/x", "hf:", "ms:", "hf:org/x", "ms:../..", "/dev/zero", "/dev/null",
            "/proc/self", "..", ".", "~", str(self.model), str(self.model) + "/config.json",
        ])
        argv = ["inspect", ident]
        if r.random() < 0.5:
            argv.append("--json")
        return argv

    def next(self) -> tuple[str, list[str]]:
        kind = self.rng.choices(["plan", "export", "serve", "monitor", "calibrate", "inspect"],
                                weights=[45, 8, 4, 10, 18, 15])[0]
        if kind in ("plan", "export", "serve"):
            return kind, self.plan_flags(kind)
        return kind, {"monitor": self.monitor, "calibrate": self.calibrate, "inspect": self.model_id}[kind]()


def run_case(argv: list[str], limit: float) -> tuple[object, str, float]:
    from wizard.cli import main

    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code: object = main(list(argv))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 2
    except Hang:
        code = "hang"
    except BaseException:  # noqa: BLE001 - what the fuzzer is here to find
        code = "traceback"
        err.write(traceback.format_exc())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return code, err.getvalue(), time.perf_counter() - started


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=15000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=float, default=5.0, help="seconds before a case counts as a hang")
    ap.add_argument("--slow", type=float, default=2.0, help="seconds after which a case counts as slow")
    ap.add_argument("--show", type=int, default=5)
    opts = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="vllm-wizard-fuzz-"))
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{closed.getsockname()[1]}"  # bound, never listening: refused at once
    os.environ.update({"HOME": str(work / "home"), "VLLM_WIZARD_DATA_DIR": str(work / "data"),
                       "VLLM_WIZARD_STATE_DIR": str(work / "state"), "VLLM_WIZARD_CACHE_DIR": str(work / "cache"),
                       "HF_HOME": str(work / "hf"), "MODELSCOPE_CACHE": str(work / "ms"), "HF_ENDPOINT": dead,
                       "MODELSCOPE_ENDPOINT": dead, "HF_HUB_DISABLE_TELEMETRY": "1", "NO_PROXY": "*"})
    os.environ.pop("HF_TOKEN", None)
    from support import LLAMA31_8B_CONFIG, make_model_folder

    model = make_model_folder(work / "Llama-3.1-8B", LLAMA31_8B_CONFIG)
    signal.signal(signal.SIGALRM, _alarm)
    rng = random.Random(opts.seed)
    cases = Cases(rng, model, work, MetricsServer())
    codes: Counter = Counter()
    kinds: Counter = Counter()
    failures: dict[str, list[tuple[list[str], str]]] = {"traceback": [], "hang": [], "exit": []}
    slow: list[tuple[float, list[str]]] = []
    started = time.perf_counter()
    for n in range(opts.cases):
        os.environ["VLLM_WIZARD_FAKE_GPUS"] = rng.choice(["rtx4090-x1", "h100-sxm-x8", "no-gpu", "t4-x4"])
        kind, argv = cases.next()
        kinds[kind] += 1
        code, err, took = run_case(argv, opts.limit)
        if code not in ("hang", "traceback") and "Traceback" in err:
            code = "traceback"
        codes[code] += 1
        if code in ("hang", "traceback"):
            failures[str(code)].append((argv, err[-1500:]))
        elif code not in (0, 2, 3) and not (kind == "serve" and code == 1):
            failures["exit"].append((argv, err[-500:]))
        if took > opts.slow:
            slow.append((took, argv))
        if (n + 1) % 1000 == 0:
            print(f"  {n + 1} cases, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - started
    print(f"cases: {opts.cases} in {elapsed:.0f} s ({1000 * elapsed / opts.cases:.1f} ms each), seed {opts.seed}")
    print("by entry point: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
    print("exit codes: " + ", ".join(f"{k}: {v}" for k, v in sorted(codes.items(), key=lambda kv: str(kv[0]))))
    print(f"tracebacks: {len(failures['traceback'])}  hangs (> {opts.limit:g} s): {len(failures['hang'])}  "
          f"unexpected exit codes: {len(failures['exit'])}  slow (> {opts.slow:g} s): {len(slow)}")
    for what, items in failures.items():
        for argv, err in items[: opts.show]:
            shown = [a if len(a) <= 60 else a[:40] + f"...({len(a)})" for a in argv]
            print(f"\n--- {what}: {shown}\n{err}")
    for took, argv in sorted(slow, reverse=True)[: opts.show]:
        print(f"slow {took:.1f} s: {[a if len(a) <= 60 else a[:40] + '...' for a in argv]}")
    bad = sum(len(v) for v in failures.values())
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
