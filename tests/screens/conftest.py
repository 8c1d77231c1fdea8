"""Every app test runs in English, with a steady cursor and no fake-GPU environment leaking in."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _app_environment(monkeypatch, tmp_path):
    from textual.widgets import Input

    from screens.i18n import set_language

    for var in ("VLLM_WIZARD_FAKE_GPUS", "CUDA_VISIBLE_DEVICES", "LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    # A blinking cursor would make snapshots depend on timing.
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.chdir(tmp_path)  # exports land here, never in the checkout
    set_language("en")
    yield
    set_language("en")
