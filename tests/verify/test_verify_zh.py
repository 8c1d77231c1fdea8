"""`verify --lang zh_CN` against the scripted OpenAI server, in each of the failures it catches: every
check, its evidence label, cause and fix in Chinese (the detector is tests/test_zh_output.py's; the
model's own reply, quoted as evidence, stays as it was)."""

from __future__ import annotations

import re

import pytest
from test_zh_output import untranslated

from wizard import i18n
from wizard.cli import main

TOOLS = {"tool_call_parser": "hermes", "enable_auto_tool_choice": True}
# (the server's mode and settings, the plan's record or None: no record)
CASES = {
    "healthy": ({}, None),
    "bang-short-gptq-t4": ({"mode": "bang_short"}, {"checkpoint_quantization": "gptq", "compute_capability": "7.5",
                                                    "gpu_name": "Tesla T4"}),
    "bang-float16": ({"mode": "bang"}, {"settings": {"dtype": "float16"}, "compute_capability": "8.6"}),
    "empty": ({"mode": "empty"}, None),
    "replacement": ({"mode": "replacement"}, None),
    "think-leak": ({"mode": "think_leak"}, {}),
    "reasoning-parser-unused": ({}, {"settings": {"reasoning_parser": "qwen3"}}),
    "tools-as-text": ({"mode": "tools_as_text"}, {"settings": TOOLS}),
    "auto-tool-off": ({"mode": "auto_tool_off"}, {"settings": {"tool_call_parser": "hermes"}}),
    "no-tool": ({"mode": "no_tool"}, {"settings": TOOLS}),
    "context-length": ({"max_model_len": 2048}, {"settings": {"max_model_len": 4096}}),
    "api-key-missing": ({"api_key": "sk-verify-zh-1234"}, None),
    "slow": ({"token_delay": 0.02}, {"performance": {"decode_tokens_per_s_single": 1000.0,
                                                     "ttft_ms": {"prompt_tokens": 2048, "ms": 200.0}}}),
}


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    i18n.set_language("en")  # main() sets the language for the process; the next test reads English


@pytest.mark.parametrize("case", sorted(CASES))
def test_verify_in_chinese(case, fake, record_for, capsys):
    server, record = CASES[case]
    url = fake(**server)
    if record is not None:
        record_for(url, **record)
    rc = main(["verify", url, "--lang", "zh_CN"])
    out = capsys.readouterr()
    text = out.out + out.err
    assert rc in (0, 2, 3), text
    assert re.search(r"[\u4e00-\u9fff]", text), text
    assert untranslated(text) == []
