"""`check --lang zh_CN` on every seed scenario (shared/seeds/, the Chinese write-ups): each verdict,
finding, suggestion and change the users of those write-ups would read is in Chinese (the detector is
tests/test_zh_output.py's)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from test_zh_output import untranslated

from wizard import i18n
from wizard.cli import main

sys.path.insert(0, str(Path(__file__).parent))
from test_check_seeds import RTX3080_20G, SEED000_FINAL, SEED003_CONFIG  # noqa: E402 - this folder's scenarios

SCENARIOS = {
    "seed000-final": ("qwen35_9b_awq", RTX3080_20G, "0.20.0", None),
    "seed000-first": ("qwen35_9b_awq", RTX3080_20G, "0.20.0",
                      "vllm serve {model} --gpu-memory-utilization 0.95 --max-model-len 65536 --max-num-seqs 16 "
                      "--quantization awq"),
    "seed001": ("r1_qwen_32b_gptq", ["--gpu", "T4", "--gpu-count", "4"], "0.7.3",
                "python -m vllm.entrypoints.openai.api_server --model {model} --tensor-parallel-size 4 "
                "--gpu-memory-utilization 0.9 --max-model-len 8192"),
    "seed002": ("qwen25_32b_gptq", ["--gpu", "A100-80GB"], "0.6.3", "vllm serve {model} --max-model-len 8192"),
    "seed004": ("qwen15_14b", ["--gpu", "RTX A6000", "--gpu-count", "2"], "0.6.3",
                "vllm serve {model} --tensor-parallel-size 1"),
}


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    i18n.set_language("en")  # main() sets the language for the process; the next test reads English


def _human(capsys, argv: list[str]) -> str:
    rc = main(argv)
    out = capsys.readouterr()
    assert rc in (0, 3), out.err
    assert re.search(r"[\u4e00-\u9fff]", out.out), out.out
    return out.out + out.err


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_a_seed_command_checked_in_chinese(name, seed_models, capsys):
    model_key, hardware, version, command = SCENARIOS[name]
    model = str(seed_models[model_key])
    line = SEED000_FINAL.format(model=model) if command is None else command.format(model=model)
    argv = ["check", *hardware, "--vllm-version", version, "--lang", "zh_CN", "--"]
    argv += [line] if command is None else line.split()
    assert untranslated(_human(capsys, argv)) == []


def test_the_seed003_yaml_config_checked_in_chinese(seed_models, capsys, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(SEED003_CONFIG.format(model=seed_models["r1_llama_70b"]), encoding="utf-8")
    out = _human(capsys, ["check", "--gpu", "V100-32GB", "--vllm-version", "0.7.3", "--lang", "zh_CN",
                          "--config", str(config)])
    assert "ltingzx" not in out
    assert untranslated(out) == []
