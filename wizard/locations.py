"""Where vllm-wizard, and the hubs and vLLM it drives, keep their files: every directory, resolved
in one place from the environment (names in wizard/envvars.py).

vllm-wizard's own directories follow the XDG base directory spec, each overridable by one variable
of ours: cache (parser dumps), state (launch records and server logs), data (the calibration store).
The Hugging Face, ModelScope and vLLM locations are resolved the way those tools resolve them, so
the wizard looks where they write. Every function takes the environment as an argument (default:
this process's), reads nothing from disk and creates nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from wizard import envvars as ev

APP_NAME = "vllm-wizard"


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def home(env: Mapping[str, str] | None = None) -> Path:
    value = _env(env).get("HOME")
    return Path(value) if value else Path.home()


def _xdg(env: Mapping[str, str] | None, var: str, default: tuple[str, ...]) -> Path:
    # The spec: an empty or relative value is invalid and ignored.
    value = _env(env).get(var, "")
    if value and Path(value).is_absolute():
        return Path(value)
    return home(env).joinpath(*default)


def _tools_cache_home(env: Mapping[str, str] | None) -> Path:
    # huggingface_hub and vLLM take $XDG_CACHE_HOME as it is (no validity check): so do we, for them.
    value = _env(env).get(ev.XDG_CACHE_HOME)
    return Path(value).expanduser() if value else home(env) / ".cache"


def _ours(env: Mapping[str, str] | None, override: str, xdg_var: str, default: tuple[str, ...]) -> Path:
    value = _env(env).get(override)
    if value:
        return Path(value).expanduser()
    return _xdg(env, xdg_var, default) / APP_NAME


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """$VLLM_WIZARD_CACHE_DIR, else $XDG_CACHE_HOME/vllm-wizard, else ~/.cache/vllm-wizard."""
    return _ours(env, ev.CACHE_DIR, ev.XDG_CACHE_HOME, (".cache",))


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    """$VLLM_WIZARD_STATE_DIR, else $XDG_STATE_HOME/vllm-wizard, else ~/.local/state/vllm-wizard."""
    return _ours(env, ev.STATE_DIR, ev.XDG_STATE_HOME, (".local", "state"))


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """$VLLM_WIZARD_DATA_DIR, else $XDG_DATA_HOME/vllm-wizard, else ~/.local/share/vllm-wizard."""
    return _ours(env, ev.DATA_DIR, ev.XDG_DATA_HOME, (".local", "share"))


def calibration_file(env: Mapping[str, str] | None = None) -> Path:
    """The calibration store (measured start-up overheads), under the data dir."""
    return data_dir(env) / "calibration.json"


def hf_home(env: Mapping[str, str] | None = None) -> Path:
    """$HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface (as huggingface_hub)."""
    value = _env(env).get(ev.HF_HOME)
    if value:
        return Path(value).expanduser()
    return _tools_cache_home(env) / "huggingface"


def hf_hub_cache(env: Mapping[str, str] | None = None) -> Path:
    """Where Hugging Face models are cached: $HF_HUB_CACHE (or its old name), else <HF_HOME>/hub."""
    e = _env(env)
    explicit = e.get(ev.HF_HUB_CACHE) or e.get(ev.HF_HUB_CACHE_LEGACY)
    return Path(explicit).expanduser() if explicit else hf_home(env) / "hub"


def hf_token_path(env: Mapping[str, str] | None = None) -> Path:
    """The stored login (`hf auth login`): $HF_TOKEN_PATH, else <HF_HOME>/token."""
    value = _env(env).get(ev.HF_TOKEN_PATH)
    return Path(value).expanduser() if value else hf_home(env) / "token"


def modelscope_cache(env: Mapping[str, str] | None = None) -> Path:
    """The ModelScope cache root (models live under <root>/models/ in every layout)."""
    value = _env(env).get(ev.MODELSCOPE_CACHE)
    return Path(value).expanduser() if value else home(env) / ".cache" / "modelscope" / "hub"


def modelscope_home(env: Mapping[str, str] | None = None) -> Path:
    """ModelScope's config folder, whose credentials/ holds its stored login: $MODELSCOPE_HOME, else
    ~/.modelscope (modelscope_hub.config.HubConfig.config_dir)."""
    value = _env(env).get(ev.MODELSCOPE_HOME)
    return Path(value).expanduser() if value else home(env) / ".modelscope"


def vllm_cache_root(env: Mapping[str, str] | None = None) -> Path:
    """vLLM's compile and model-class caches: $VLLM_CACHE_ROOT, else $XDG_CACHE_HOME/vllm, else ~/.cache/vllm."""
    value = _env(env).get(ev.VLLM_CACHE_ROOT)
    if value:
        return Path(value).expanduser()
    return _tools_cache_home(env) / "vllm"
