"""wizard.check.paste: what the app's Model step does with a pasted command or YAML path (headless)."""

from __future__ import annotations

import pytest

from wizard.check.paste import looks_like_command, one_line, read_paste
from wizard.errors import InputError

VERSION = "0.20.0"
SECRET = "sk-never-shown-1234"


@pytest.mark.parametrize("text", [
    "vllm serve Qwen/Qwen3-8B", "/opt/venv/bin/vllm serve m", "python3 -m vllm.entrypoints.openai.api_server --model m",
    "CUDA_VISIBLE_DEVICES=0,1 vllm serve m", "env HF_HOME=/x vllm serve m", "config.yaml", "/etc/vllm/serve.yml",
    "vllm serve m \\\n --max-model-len 8192", "--model m --port 1",
])
def test_commands_and_yaml_paths_are_recognised(text):
    assert looks_like_command(text)


@pytest.mark.parametrize("text", ["Qwen/Qwen3-8B", "hf:Qwen/Qwen3-8B", "ms:qwen/Qwen3-8B", "/models/Qwen3-8B",
                                  "./Qwen3-8B", "", "vllm-project/some-model", "someorg/vllm", "/models/my python"])
def test_model_ids_and_folders_are_not_commands(text):
    assert not looks_like_command(text)


def test_one_line_joins_continuations():
    assert one_line("vllm serve m \\\n  --tp 2 \\\r\n  --port 1\n") == "vllm serve m    --tp 2    --port 1"


def test_a_pasted_command_becomes_pins_exposure_and_kept_flags():
    p = read_paste(f"CUDA_VISIBLE_DEVICES=2,3 HF_TOKEN=hf_x VLLM_LOGGING_LEVEL=INFO vllm serve org/m \\\n"
                   f" -tp 2 --max-model-len=16384 --host 0.0.0.0 --port 9000 --api-key {SECRET} \\\n"
                   f" --served-model-name chat --disable-log-stats --uvicorn-log-level=warning", VERSION)
    assert p.model == "org/m" and p.pinned == {"tensor_parallel_size": 2, "max_model_len": 16384}
    assert p.gpu_indices == (2, 3) and p.all_interfaces is True and p.port == 9000 and p.served_model_name == "chat"
    assert p.extra_args == ("--disable-log-stats", "--uvicorn-log-level=warning")  # as written
    assert p.extra_env == (("VLLM_LOGGING_LEVEL", "INFO"),)  # no secret, no GPU selection
    assert SECRET not in repr(p) and "hf_x" not in repr(p) and "--api-key ***" in p.shown
    assert [n.key for n in p.notes] == ["appwire.note.api_key"]


def test_a_yaml_path(tmp_path):
    config = tmp_path / "serve.yaml"
    config.write_text(f"model: org/m\nmax_model_len: 8192\nhost: 127.0.0.1\napi-key: {SECRET}\nenforce-eager: true\n"
                      "disable-log-stats: true\n", encoding="utf-8")
    p = read_paste(str(config), VERSION)
    assert p.model == "org/m" and p.pinned == {"max_model_len": 8192, "enforce_eager": True}
    assert p.all_interfaces is False and p.extra_args == ("--disable-log-stats",)
    assert SECRET not in repr(p)
    assert read_paste("serve.yaml", VERSION, cwd=tmp_path).pinned == p.pinned  # relative to the app's folder


@pytest.mark.parametrize("text, key", [
    ("vllm serve", "appwire.error.no_model"), ("missing.yaml", "appwire.error.no_file"), ("  ", "appwire.error.empty"),
    ("vllm run m", "check.error.not_serve"), ("python -m http.server", "check.error.not_serve"),
    ('vllm serve "m', "check.error.unquotable"),
])
def test_bad_pastes_are_one_input_error(text, key):
    with pytest.raises(InputError) as caught:
        read_paste(text, VERSION)
    assert caught.value.message.key == key and "\n" not in caught.value.message


def test_a_yaml_without_a_model(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("max-model-len: 8192\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_paste(str(config), VERSION)
    assert caught.value.message.key == "appwire.error.no_model"
