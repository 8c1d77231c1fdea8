"""Hostile logs and paths: bounded reads, no home, names too long, bytes that are not UTF-8, a
terminal that only takes ASCII, a home that cannot be written."""

from __future__ import annotations

import os
from pathlib import Path
import subprocess
import sys

import pytest
from hostile_support import one_line
from support import LLAMA31_8B_CONFIG, LLAMA_TOKENIZER_CONFIG, ROOT, make_model_folder

NINES = "9" * 400
STARTUP = ("INFO vLLM API server version 0.10.1\nINFO Model loading took 14.9889 GiB and 10.2 seconds\n"
           "INFO Available KV cache memory: 55.15 GiB\nINFO GPU KV cache size: 451,744 tokens\n"
           "INFO Graph capturing finished in 5 secs, took 0.67 GiB\n")


@pytest.mark.parametrize("line", [f"Model loading took {NINES} GiB and 3 seconds",
                                  f"GPU KV cache size: {NINES} tokens",
                                  f"Available KV cache memory: {NINES}.5 GiB",
                                  f"{NINES} GiB for weight, 1.0 GiB for peak activation"])
def test_calibrate_ignores_absurd_figures(cli, tmp_path, llama_folder, line):
    log = tmp_path / "server.log"
    log.write_text(f"INFO {line}\n")
    code, out, err = cli("calibrate", str(log), str(llama_folder), "--gpu", "H100")
    assert code == 2 and out == "" and "no vLLM start-up memory lines" in one_line(err)


def test_absurd_figure_next_to_real_ones_is_not_read(tmp_path):
    from wizard.launch.calibration.parse import parse_startup_log

    figures = parse_startup_log(STARTUP + f"INFO {NINES} GiB for weight, 2.0 GiB for peak activation\n")
    assert figures.weights_gib == pytest.approx(14.9889) and figures.split_weight_gib is None
    assert figures.split_activation_gib == pytest.approx(2.0)


def test_calibrate_dev_zero_ends_in_bounded_time(cli):
    code, out, err = cli("calibrate", "/dev/zero")
    assert code == 2 and "LOGFILE /dev/zero" in one_line(err) and out == ""


def test_calibrate_reads_the_start_up_among_long_junk(cli, tmp_path, llama_folder):
    log = tmp_path / "server.log"
    with open(log, "w") as fh:
        fh.write("x" * 300_000 + "\n")  # one line far over the line cap
        fh.write(STARTUP)
    code, out, err = cli("calibrate", str(log), str(llama_folder), "--gpu", "H100")
    assert code == 0, err
    assert "Saved for" in out


def test_inspect_names_too_long_and_unknown_home(cli):
    code, _, err = cli("inspect", "a" * 300)
    assert code == 2 and "MODEL aaaa" in one_line(err) and "300 characters" in err
    code, _, err = cli("inspect", "/" + "a" * 300)
    assert code == 2 and "no such model folder" in one_line(err)
    code, _, err = cli("inspect", "~nosuchuser/x")
    line = one_line(err)
    assert code == 2 and "~nosuchuser/x" in line and "full path" in line
    code, _, err = cli("calibrate", "~nosuchuser/server.log")
    assert code == 2 and "LOGFILE ~nosuchuser/server.log" in one_line(err)


def _bytes_path(folder) -> str:
    return os.fsdecode(os.fsencode(str(folder)) + b"/m\xff")


def _llama_at(path) -> None:
    """The Llama-3.1-8B folder written where it is needed: sparse shards (a copy would write 15 GiB)."""
    make_model_folder(Path(path), LLAMA31_8B_CONFIG,
                      extra={"tokenizer_config.json": LLAMA_TOKENIZER_CONFIG, "tokenizer.json": "{}"})


def test_export_of_a_model_path_that_is_not_utf8(cli, tmp_path):
    model = _bytes_path(tmp_path)
    _llama_at(model)
    out_file = tmp_path / "serve.sh"
    code, _, err = cli("export", model, "--gpu", "H100", "--format", "script", "--out", str(out_file))
    assert code == 0 and "Traceback" not in err
    assert b"/m\xff" in out_file.read_bytes()  # the same bytes as on disk, so the script finds the folder


def test_ascii_terminal_with_a_non_ascii_path(cli_env, tmp_path):
    model = tmp_path / "模型"
    _llama_at(model)
    env = {**cli_env, "PYTHONIOENCODING": "ascii"}
    result = subprocess.run([sys.executable, "-m", "wizard", "plan", str(model), "--gpu", "H100"],
                            capture_output=True, env=env, timeout=60, cwd=ROOT)
    assert result.returncode in (0, 3) and b"Traceback" not in result.stderr
    assert b"\\u6a21\\u578b" in result.stdout
    missing = subprocess.run([sys.executable, "-m", "wizard", "plan", str(tmp_path / "缺"), "--gpu", "H100"],
                             capture_output=True, env=env, timeout=60, cwd=ROOT)
    assert missing.returncode == 2 and b"Traceback" not in missing.stderr


def test_calibrate_with_an_unwritable_home_says_where_and_goes_on(cli_env, tmp_path, llama_folder):
    log = tmp_path / "server.log"
    log.write_text(STARTUP)
    home = tmp_path / "home-is-a-file"
    home.write_text("")  # nothing can be created under it, even by root
    env = {**cli_env, "HOME": str(home)}
    for var in ("XDG_DATA_HOME", "VLLM_WIZARD_DATA_DIR"):
        env.pop(var, None)
    result = subprocess.run([sys.executable, "-m", "wizard", "calibrate", str(log), str(llama_folder), "--gpu", "H100"],
                            capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "Measured overheads" in result.stdout and "Saved for" not in result.stdout
    assert f"{home}/.local/share/vllm-wizard/calibration.json" in result.stderr
    assert "VLLM_WIZARD_DATA_DIR" in result.stderr
