"""Every directory the wizard reads or writes, resolved in one place (wizard/locations.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wizard import locations

HOME = {"HOME": "/home/u"}


@pytest.mark.parametrize(("func", "override", "xdg", "default"), [
    (locations.cache_dir, "VLLM_WIZARD_CACHE_DIR", "XDG_CACHE_HOME", "/home/u/.cache/vllm-wizard"),
    (locations.state_dir, "VLLM_WIZARD_STATE_DIR", "XDG_STATE_HOME", "/home/u/.local/state/vllm-wizard"),
    (locations.data_dir, "VLLM_WIZARD_DATA_DIR", "XDG_DATA_HOME", "/home/u/.local/share/vllm-wizard"),
])
def test_our_directories_follow_xdg_with_one_override_each(func, override, xdg, default):
    assert func(HOME) == Path(default)
    assert func({**HOME, xdg: "/x"}) == Path("/x/vllm-wizard")
    assert func({**HOME, xdg: "relative/path"}) == Path(default)  # the spec: relative values are invalid
    assert func({**HOME, xdg: ""}) == Path(default)
    assert func({**HOME, xdg: "/x", override: "/mine"}) == Path("/mine")


def test_hugging_face_locations_as_huggingface_hub_resolves_them():
    assert locations.hf_home(HOME) == Path("/home/u/.cache/huggingface")
    assert locations.hf_home({**HOME, "XDG_CACHE_HOME": "/c"}) == Path("/c/huggingface")
    assert locations.hf_hub_cache({**HOME, "HF_HOME": "/h"}) == Path("/h/hub")
    assert locations.hf_hub_cache({**HOME, "HUGGINGFACE_HUB_CACHE": "/old"}) == Path("/old")
    assert locations.hf_hub_cache({**HOME, "HUGGINGFACE_HUB_CACHE": "/old", "HF_HUB_CACHE": "/new"}) == Path("/new")
    assert locations.hf_token_path({**HOME, "HF_HOME": "/h"}) == Path("/h/token")
    assert locations.hf_token_path({**HOME, "HF_TOKEN_PATH": "/t"}) == Path("/t")


def test_modelscope_and_vllm_caches():
    assert locations.modelscope_cache(HOME) == Path("/home/u/.cache/modelscope/hub")
    assert locations.modelscope_cache({**HOME, "MODELSCOPE_CACHE": "/m"}) == Path("/m")
    assert locations.vllm_cache_root(HOME) == Path("/home/u/.cache/vllm")
    assert locations.vllm_cache_root({**HOME, "XDG_CACHE_HOME": "/c"}) == Path("/c/vllm")
    assert locations.vllm_cache_root({**HOME, "VLLM_CACHE_ROOT": "/v"}) == Path("/v")


def test_no_other_module_resolves_a_directory_from_the_environment():
    """Directory variables are read here only (their names live in envvars); others use these functions."""
    root = Path(__file__).resolve().parents[1] / "wizard"
    lookup = re.compile(r"""(?:\.get|getenv|environ\[)\(?\s*["'](XDG_\w+|HF_HOME|HF_HUB_CACHE|HUGGINGFACE_HUB_CACHE|"""
                        r"""HF_TOKEN_PATH|MODELSCOPE_CACHE|VLLM_CACHE_ROOT|VLLM_WIZARD_\w+_DIR)["']|Path\.home\(\)""")
    offenders = [f"{path.relative_to(root)}: {m.group(0)}" for path in root.rglob("*.py")
                 if path.name not in {"locations.py", "vllm_probe.py"}
                 for m in lookup.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == []
