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


def loaded_after(entry: str, argv: list[str], llama_folder, cli_env, watched: tuple[str, ...]) -> tuple[object, list]:
    """(exit code, which of `watched` were imported) for `entry`'s main(argv), in a fresh interpreter."""
    args = [a.replace("{model}", str(llama_folder)) for a in argv]
    code = (
        "import contextlib, io, json, sys\n"
        f"from {entry} import main\n"
        "try:\n"
        f"    with contextlib.redirect_stdout(io.StringIO()): rc = main({args!r})\n"
        "except SystemExit as exc: rc = exc.code\n"
        f"print(json.dumps([rc, [m for m in {watched!r} if m in sys.modules]]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli_env, cwd=ROOT)
    assert result.stdout.strip(), result.stderr
    rc, loaded = json.loads(result.stdout.strip().splitlines()[-1])
    return rc, loaded


@pytest.mark.parametrize("argv", [
    ["--help"],
    ["gpus", "--catalog", "--json"],
    ["inspect", "{model}", "--json"],
    ["plan", "{model}", "--gpu", "L4", "--json"],
])
def test_headless_commands_leave_the_ui_unimported(argv, llama_folder, cli_env):
    rc, loaded = loaded_after("wizard.cli", argv, llama_folder, cli_env, FORBIDDEN)
    assert rc in (0, None) and loaded == []


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
    assert loaded_after("screens.entry", argv, llama_folder, cli_env, ("pydantic", "textual")) == (0, [])
