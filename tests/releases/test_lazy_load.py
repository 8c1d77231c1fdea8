"""The release table is read on first use only: commands that never ask for a release fact do not
pay for it (`--help`, `gpus`), and `plan` does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _table_loaded(argv: list[str], env: dict) -> bool:
    code = (
        "import contextlib, io, json, sys\n"
        "from wizard.cli import main\n"
        "try:\n"
        f"    with contextlib.redirect_stdout(io.StringIO()): rc = main({argv!r})\n"
        "except SystemExit as exc: rc = exc.code\n"
        "m = sys.modules.get('wizard.releases.facts')\n"
        "print(json.dumps({'rc': rc, 'loaded': bool(m and m._table.cache_info().currsize)}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                            timeout=120)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["rc"] in (0, None), result.stderr
    return report["loaded"]


@pytest.mark.parametrize("argv", [["--help"], ["gpus", "--catalog", "--json"], ["gpus", "--json"]])
def test_commands_that_need_no_release_do_not_load_the_table(argv, cli_env):
    env = dict(cli_env, VLLM_WIZARD_FAKE_GPUS="h100-sxm-x8")
    assert not _table_loaded(argv, env)


def test_plan_loads_it(llama_folder, cli_env):
    assert _table_loaded(["plan", str(llama_folder), "--gpu", "L4", "--json"], cli_env)
