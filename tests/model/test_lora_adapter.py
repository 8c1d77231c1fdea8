"""LoRA adapters as the app takes them (wizard.model.lora_adapter): NAME=PATH, a folder or a Hugging
Face id; a folder's rank read from adapter_config.json; bad input is one sentence naming the fix."""

import json
import os

import pytest

from wizard.errors import InputError
from wizard.i18n import localize
from wizard.launch.command import join_list_flag
from wizard.model.lora_adapter import LoraAdapter, read_adapter, split_spec


def adapter(folder, rank=16, **extra):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "adapter_config.json").write_text(json.dumps({"r": rank, "peft_type": "LORA", **extra}))
    return folder


def test_a_folder_gives_its_rank_and_an_absolute_path(tmp_path, monkeypatch):
    folder = adapter(tmp_path / "sql-lora", 32)
    assert read_adapter(str(folder)) == LoraAdapter("sql-lora", str(folder), 32, True)
    assert read_adapter(f" sql = {folder} ").name == "sql"
    monkeypatch.chdir(tmp_path)
    relative = read_adapter("sql-lora")  # a relative folder: made absolute, vLLM runs elsewhere
    assert relative.source == str(folder) and relative.module == f"sql-lora={folder}"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert read_adapter("~/sql-lora").source == str(folder)


def test_a_hub_id_is_taken_as_vllm_downloads_it(tmp_path):
    assert read_adapter("org/sql-lora") == LoraAdapter("sql-lora", "org/sql-lora", None, False)
    assert read_adapter("mine=hf:org/sql-lora") == LoraAdapter("mine", "org/sql-lora", None, False)


def test_split_spec():
    assert split_spec("a=/x") == ("a", "/x") and split_spec("/x") == (None, "/x")


@pytest.mark.parametrize(("text", "key_words"), [
    ("", ("NAME=",)),
    ('{"name": "a", "path": "/x"}', ("NAME=PATH",)),
    ("=/x", ("=",)),
    ("a=", ("=",)),
    ("a=/x=y", ("=",)),
    ("ms:org/lora", ("ModelScope",)),
    ("bad name=org/x", ("bad name",)),
    ("base=org/x", ("base",)),
])
def test_refusals_name_the_input_and_the_fix(text, key_words):
    with pytest.raises(InputError) as info:
        read_adapter(text, taken=("base",))
    for lang in ("en", "zh_CN"):
        rendered = localize(info.value.message, lang)
        assert "\n" not in rendered and all(w in rendered for w in key_words)


def test_folder_problems(tmp_path):
    with pytest.raises(InputError, match="no such folder"):
        read_adapter(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="adapter_config.json"):
        read_adapter(str(tmp_path / "empty"))
    spaced = adapter(tmp_path / "my adapter")
    with pytest.raises(InputError, match="space"):
        read_adapter(str(spaced))
    for bad in ("x", 0, 1024, True, None, 2.5):
        folder = adapter(tmp_path / f"r-{bad}", bad)
        with pytest.raises(InputError, match="rank"):
            read_adapter(str(folder))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "adapter_config.json").write_text("{not json")
    with pytest.raises(InputError, match="adapter_config.json"):
        read_adapter(str(broken))
    if os.geteuid() != 0:
        locked = adapter(tmp_path / "locked")
        (locked / "adapter_config.json").chmod(0)
        with pytest.raises(InputError):
            read_adapter(str(locked))


def test_adapters_from_a_pasted_command_and_the_app_share_one_flag():
    argv = ("vllm", "serve", "m", "--lora-modules", "a=/x", "--port", "8000", "--lora-modules", "b=/y", "a=/x",
            "--enforce-eager")
    assert join_list_flag(argv) == ("vllm", "serve", "m", "--lora-modules", "a=/x", "b=/y", "--port", "8000",
                                    "--enforce-eager")
    single = ("vllm", "serve", "m", "--lora-modules", "a=/x", "b=/y")
    assert join_list_flag(single) == single
