"""The import contract: wizard/ is headless (never textual, rich or screens), statically and at run time."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("textual", "rich", "screens")


def test_no_module_under_wizard_imports_the_ui():
    offenders = []
    for path in (ROOT / "wizard").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


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
