"""A stand-in for `vllm serve` that starts the way vLLM does: it prints a real start-up log over a
few seconds, then serves the scripted OpenAI API (fake_openai.py) until SIGINT/SIGTERM.

    fake_vllm.py serve MODEL [--host H] [--port P] [--served-model-name N] [--max-model-len L] ...

Steered by the environment: FAKE_VLLM_LOG (a file in fixtures/, default the 0.10.2 GPU log),
FAKE_VLLM_LINE_DELAY (seconds between lines, default 0.04), FAKE_VLLM_EXIT (exit with this code after
the log instead of serving: a failed start), FAKE_VLLM_HANG (print the log, then never serve),
FAKE_OPENAI_MODE (the fake server's mode once it serves). VLLM_API_KEY makes the API require the key.
"""

import os
import signal
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from fake_openai import FakeConfig, FakeOpenAI  # noqa: E402


def option(argv, name, default=None):
    return argv[argv.index(name) + 1] if name in argv else default


def main() -> int:
    argv = sys.argv[1:]
    if argv and argv[0] == "serve":
        argv = argv[1:]
    model = argv[0]
    port = int(option(argv, "--port", "8000"))
    log = HERE / "fixtures" / os.environ.get("FAKE_VLLM_LOG", "startup-0.10.2-gpu.log")
    delay = float(os.environ.get("FAKE_VLLM_LINE_DELAY", "0.04"))
    for line in log.read_text(encoding="utf-8").splitlines():
        print(line, flush=True)
        time.sleep(delay)
    if os.environ.get("FAKE_VLLM_EXIT"):
        return int(os.environ["FAKE_VLLM_EXIT"])
    if os.environ.get("FAKE_VLLM_HANG"):
        signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
        time.sleep(3600)
        return 0
    config = FakeConfig(mode=os.environ.get("FAKE_OPENAI_MODE", "healthy"),
                        model=option(argv, "--served-model-name", model),
                        max_model_len=int(option(argv, "--max-model-len", "4096")),
                        api_key=os.environ.get("VLLM_API_KEY") or None,
                        reasoning="--reasoning-parser" in argv)  # vLLM with a parser splits the thinking off
    server = FakeOpenAI(config, port=port)
    done = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: done.set())
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with server:
        print(f"INFO:     Uvicorn running on http://127.0.0.1:{port} (Press CTRL+C to quit)", flush=True)
        done.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
