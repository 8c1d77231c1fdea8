"""Hostile input: each case from issue 11 ends in exit 2 (or 3) with one clear line, never a traceback."""

from __future__ import annotations

import pytest


@pytest.fixture
def cli(monkeypatch, tmp_path, capsys):
    """Run the CLI in-process with a private data dir; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("VLLM_WIZARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VLLM_WIZARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("VLLM_WIZARD_FAKE_GPUS", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        from wizard.cli import main

        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse's own errors
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run

