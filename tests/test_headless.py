"""wizard/ is headless at run time: its commands never load textual, rich or screens. (The static
import contracts, layers included, are import-linter's: pyproject.toml, run by .ci/run.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("textual", "rich", "screens")
# Start-up: these commands must not pay for pydantic (its import and schema building were about half
# of their time); benchmarks/startup.py measures the time itself.
WITHOUT_PYDANTIC = (["--help"], ["gpus", "--catalog"], ["plan", "{model}", "--gpu", "L4", "--json"],
                    ["inspect", "{model}", "--json"])


@pytest.mark.parametrize("argv", [
    ["--help"],
    ["gpus", "--catalog", "--json"],
    ["inspect", "{model}", "--json"],
    ["plan", "{model}", "--gpu", "L4", "--json"],
])
def test_headless_commands_leave_the_ui_unimported(argv, llama_folder, cli_env):
    args = [a.replace("{model}", str(llama_folder)) for a in argv]
    code = (
        "import contextlib, io, json, sys\n"
        "from wizard.cli import main\n"
        "out = io.StringIO()\n"
        "try:\n"
        f"    with contextlib.redirect_stdout(out): rc = main({args!r})\n"
        "except SystemExit as exc: rc = exc.code\n"
        f"print(json.dumps({{'rc': rc, 'ui': [m for m in {FORBIDDEN!r} if m in sys.modules]}}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli_env, cwd=ROOT)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["rc"] in (0, None), result.stderr
    assert report["ui"] == []


def test_help_lists_the_subcommands(cli_env):
    from support import run_cli

    result = run_cli("--help", env=cli_env)
    assert result.returncode == 0
    for name in ("gpus", "inspect", "plan"):
        assert name in result.stdout
    version = run_cli("--version", env=cli_env)
    assert version.returncode == 0 and version.stdout.startswith("vllm-wizard ")


@pytest.mark.parametrize("argv", WITHOUT_PYDANTIC, ids=lambda a: " ".join(a[:2]))
def test_the_first_commands_people_type_do_not_load_pydantic(argv, llama_folder, cli_env):
    args = [a.replace("{model}", str(llama_folder)) for a in argv]
    code = (
        "import contextlib, io, json, sys\n"
        "from screens.entry import main\n"
        "out = io.StringIO()\n"
        "try:\n"
        f"    with contextlib.redirect_stdout(out): rc = main({args!r})\n"
        "except SystemExit as exc: rc = exc.code\n"
        "print(json.dumps({'rc': rc, 'loaded': [m for m in ('pydantic', 'textual') if m in sys.modules]}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli_env, cwd=ROOT)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"rc": 0, "loaded": []}, result.stderr
