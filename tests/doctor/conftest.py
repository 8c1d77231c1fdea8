"""The doctor command sets the process's output language (as every command's edge does); tests that
run it in-process put English back so later tests read the default."""

from __future__ import annotations

import pytest

from wizard.i18n import set_language


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    set_language("en")
