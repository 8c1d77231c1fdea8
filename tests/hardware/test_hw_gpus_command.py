"""`vllm-wizard gpus` end to end, in subprocesses, as a user would run it."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.cli import COMMANDS
from wizard.hardware.catalog import CatalogGpu
from wizard.hardware.facts import HardwareFacts

ROOT = Path(__file__).resolve().parents[2]
SIBLINGS_MISSING = [m for name, (m, _) in COMMANDS.items() if importlib.util.find_spec(m) is None]

# Runs wizard.cli.main like the console script does. Subcommands that other work has not landed
# yet are dropped from the parser so this file tests `gpus` on its own.
MAIN = """
import importlib.util, sys
from wizard import cli
for name, (module, _) in list(cli.COMMANDS.items()):
    if name != "gpus" and importlib.util.find_spec(module) is None:
        del cli.COMMANDS[name]
sys.exit(cli.main(sys.argv[1:]))
"""


def run(*args: str, fake: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {
        k: v for k, v in os.environ.items() if k not in ("VLLM_WIZARD_FAKE_GPUS", "CUDA_VISIBLE_DEVICES")
    }
    if fake is not None:
        full_env["VLLM_WIZARD_FAKE_GPUS"] = fake
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", MAIN, "gpus", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("vllm-wizard: "), proc.stderr
    return lines[0]


@pytest.mark.skipif(bool(SIBLINGS_MISSING), reason=f"not written yet: {SIBLINGS_MISSING}")
def test_python_dash_m_wizard_gpus_json():
    env = {k: v for k, v in os.environ.items() if k != "CUDA_VISIBLE_DEVICES"}
    env["VLLM_WIZARD_FAKE_GPUS"] = "h100-sxm-x8"
    proc = subprocess.run(
        [sys.executable, "-m", "wizard", "gpus", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(HardwareFacts.model_validate(json.loads(proc.stdout)).gpus) == 8


def test_gpus_json_with_fake_gpus():
    proc = run("--json", fake="h100-sxm-x8")
    assert proc.returncode == 0, proc.stderr
    facts = HardwareFacts.model_validate(json.loads(proc.stdout))
    assert facts.source == "fake" and len(facts.gpus) == 8
    assert facts.gpus[0].total_bytes == 85031714816 and facts.all_pairs_p2p() is True


def test_gpus_json_honours_cuda_visible_devices():
    proc = run("--json", fake="t4-x4", CUDA_VISIBLE_DEVICES="2,3")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["visible_devices"] == "2,3" and [g["index"] for g in data["gpus"]] == [0, 1]
    assert data["links"] == [{"a": 0, "b": 1, "p2p": True, "nvlink": False}]


def test_gpus_table_with_fake_gpus():
    proc = run(fake="rtx4090-x1")
    assert proc.returncode == 0, proc.stderr
    assert "NVIDIA GeForce RTX 4090" in proc.stdout and "23.65" in proc.stdout and "N/A" in proc.stdout


def test_gpus_fixture_path(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"devices": [{"name": "NVIDIA L4", "compute_capability": [8, 9]}]}))
    proc = run("--json", fake=str(path))
    assert proc.returncode == 0, proc.stderr
    (gpu,) = json.loads(proc.stdout)["gpus"]
    assert (gpu["name"], gpu["compute_capability"], gpu["total_bytes"]) == ("NVIDIA L4", "8.9", None)


def test_gpus_catalog_table():
    proc = run("--catalog")
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) >= 42
    assert "h100-sxm" in proc.stdout and "NVIDIA GeForce RTX 3090" in proc.stdout


def test_gpus_catalog_json():
    proc = run("--catalog", "--json")
    assert proc.returncode == 0, proc.stderr
    entries = json.loads(proc.stdout)
    assert len(entries) >= 40
    for item in entries:
        gib = item.pop("total_gib")
        entry = CatalogGpu.from_json(item)
        assert gib == round(entry.total_gib, 2)


@pytest.mark.parametrize(
    ("fixture", "needle"),
    [
        ("nvml-library-missing", "libnvidia-ml.so.1"),
        ("nvml-driver-not-loaded", "driver is not loaded"),
        ("nvml-version-mismatch", "different versions"),
        ("nvml-no-permission", "no permission"),
        ("no-gpu", "no NVIDIA GPU"),
    ],
)
def test_gpus_error_fixture_exits_2_with_one_line(fixture, needle):
    line = assert_one_line_error(run(fake=fixture))
    assert needle in line and "vllm-wizard plan MODEL --gpu H100 --gpu-count 2" in line
    assert_one_line_error(run("--json", fake=fixture))


def test_gpus_nothing_visible_exits_2():
    line = assert_one_line_error(run(fake="h100-sxm-x8", CUDA_VISIBLE_DEVICES=""))
    assert "CUDA_VISIBLE_DEVICES" in line


def test_gpus_unknown_fixture_exits_2():
    line = assert_one_line_error(run(fake="no-such-fixture"))
    assert "h100-sxm-x8" in line


def test_gpus_real_nvml_on_this_machine():
    proc = run()
    if proc.returncode == 0:
        pytest.skip("this machine has NVIDIA GPUs")
    assert_one_line_error(proc)


@pytest.mark.parametrize("args", [["gpus", "--catalog", "--json"], ["gpus", "--json"], ["gpus"]])
def test_gpus_never_imports_the_ui_toolkit(args):
    code = (
        "import contextlib, importlib.util, io, sys\n"
        "from wizard import cli\n"
        "for name, (module, _) in list(cli.COMMANDS.items()):\n"
        "    if name != 'gpus' and importlib.util.find_spec(module) is None:\n"
        "        del cli.COMMANDS[name]\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    rc = cli.main({args!r})\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'screens'))\n"
        "print(rc, leaked)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "CUDA_VISIBLE_DEVICES"}
    env["VLLM_WIZARD_FAKE_GPUS"] = "t4-x4"
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0 []"
