"""Nothing the user had is lost: the calibration store under concurrent saves and corruption, and
the export's files (exclusive temporary files, existing names and links never silently replaced)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from hostile_support import one_line
from support import ROOT

STARTUP = ("INFO vLLM API server version 0.10.1\nINFO Model loading took 14.9889 GiB and 10.2 seconds\n"
           "INFO Available KV cache memory: 55.15 GiB\nINFO GPU KV cache size: 451,744 tokens\n")


def test_eight_concurrent_calibrate_saves_keep_eight_records(cli_env, tmp_path, llama_folder):
    log = tmp_path / "server.log"
    log.write_text(STARTUP)
    env = {**cli_env, "VLLM_WIZARD_DATA_DIR": str(tmp_path / "data")}
    # Eight setups (max-num-seqs is part of the key's fingerprint), saved at once.
    procs = [subprocess.Popen([sys.executable, "-m", "wizard", "calibrate", str(log), str(llama_folder), "--gpu", "H100",
                               "--set", f"max-num-seqs={16 * (i + 1)}"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT) for i in range(8)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    from wizard.launch.calibration.store import CalibrationStore

    records = CalibrationStore(tmp_path / "data" / "calibration.json").records()
    assert len(records) == 8 and len({r.key for r in records}) == 8


def test_concurrent_saves_in_threads_lose_nothing(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from wizard.launch.calibration.store import CalibrationKey, CalibrationRecord, CalibrationStore
    from wizard.planner.inputs import MeasuredOverheads

    path = tmp_path / "calibration.json"

    def save(i: int) -> None:
        key = CalibrationKey(gpu_name="G", vllm_version="0.10.1", model_id="m", fingerprint=f"f{i}")
        CalibrationStore(path).save(CalibrationRecord(key=key, settings={}, measured=MeasuredOverheads(), figures={}))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(save, range(32)))
    assert len(CalibrationStore(path).records()) == 32


@pytest.mark.parametrize("content", ['{"schema_version": 1, "records": [{"key"', "", "[1, 2]", "\x00\x01binary"])
def test_a_corrupt_store_is_set_aside_and_said(cli, tmp_path, llama_folder, content):
    data = tmp_path / "data"
    data.mkdir()
    (data / "calibration.json").write_text(content)
    log = tmp_path / "server.log"
    log.write_text(STARTUP)
    code, out, err = cli("calibrate", str(log), str(llama_folder), "--gpu", "H100")
    assert code == 0 and "Saved for" in out
    aside = [p for p in data.iterdir() if p.name.startswith("calibration.json.corrupt-")]
    assert len(aside) == 1 and aside[0].read_text() == content
    assert str(aside[0]) in err and "not valid JSON" in err


def _export(cli, folder, out, *extra):
    return cli("export", str(folder), "--gpu", "H100", "--format", "env", "--api-key-env", "SECRET_KEY",
               "--out", str(out), *extra)


def test_env_export_ignores_a_planted_temporary_file_and_symlink(cli, tmp_path, llama_folder, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "sk-very-secret")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "vllm.env"
    # Another user pre-creates the old fixed temporary name as a link to their own file.
    planted = tmp_path / ".vllm.env.vllm-wizard-tmp"
    planted.symlink_to(victim)
    code, _, err = _export(cli, llama_folder, out)
    assert code == 0, err
    assert victim.read_text() == "keep me" and planted.is_symlink()
    assert "sk-very-secret" in out.read_text()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".vllm-wizard-tmp") and p != planted]


@pytest.mark.parametrize("kind", ["dangling", "link", "file"])
def test_export_out_onto_any_existing_name_is_refused(cli, tmp_path, llama_folder, monkeypatch, kind):
    monkeypatch.setenv("SECRET_KEY", "sk-very-secret")
    out = tmp_path / "vllm.env"
    other = tmp_path / "other.txt"
    if kind == "dangling":
        out.symlink_to(tmp_path / "nowhere")
    elif kind == "link":
        other.write_text("keep me")
        out.symlink_to(other)
    else:
        out.write_text("keep me")
    code, _, err = _export(cli, llama_folder, out)
    line = one_line(err)
    assert code == 2 and "--force" in line and str(out) in line
    if kind != "file":
        assert out.is_symlink() and "symbolic link" in line
    if kind == "link":
        assert other.read_text() == "keep me"
    # With --force the name itself is replaced (never the file a link points to).
    code, _, err = _export(cli, llama_folder, out, "--force")
    assert code == 0 and not out.is_symlink() and "sk-very-secret" in out.read_text()
    if kind == "link":
        assert other.read_text() == "keep me"


def test_export_file_is_0600_from_its_creation(tmp_path, monkeypatch):
    import tempfile

    from wizard.launch.export import write_export

    modes = []
    real = tempfile.mkstemp

    def spy(*args, **kwargs):
        fd, name = real(*args, **kwargs)
        modes.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    write_export(tmp_path / "a.env", "KEY=1\n", mode=0o644, secret=True)
    assert modes == [0o600] and stat.S_IMODE((tmp_path / "a.env").stat().st_mode) == 0o600
