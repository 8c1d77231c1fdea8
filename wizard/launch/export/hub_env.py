"""The hub variables an exported launch keeps, so it finds the model where the wizard found it.

A systemd unit runs as root with its own HOME and no login shell: without HF_HOME it downloads the
model again into /root/.cache, and without HF_ENDPOINT it reaches for huggingface.co, which fails
in China. So a hub model's exports carry the endpoint the wizard used, the cache folder as an
absolute path, the offline switch when it was on, and for a ModelScope id VLLM_USE_MODELSCOPE.
Tokens never: they stay where each hub's client stores them (or in the shell, passed by name).
"""

from __future__ import annotations

from collections.abc import Mapping

from wizard import envvars as ev
from wizard.locations import hf_home, hf_hub_cache, modelscope_cache

# Host folders: a container mounts the cache at its own path instead.
HOST_PATH_VARS = frozenset({ev.HF_HOME, ev.HF_HUB_CACHE, ev.MODELSCOPE_CACHE})


def hub_env(source: str, env: Mapping[str, str], *, model_is_path: bool = False,
            hf_endpoint: str | None = None) -> dict[str, str]:
    """The variables for a model from `source` ("local", "hf", "modelscope"), read from `env` (the
    wizard's own environment); `hf_endpoint` is the endpoint chosen in the app or on the command line."""
    out: dict[str, str] = {}
    if source == "hf":
        endpoint = hf_endpoint or env.get(ev.HF_ENDPOINT)
        if endpoint:
            out[ev.HF_ENDPOINT] = endpoint.rstrip("/")
        out[ev.HF_HOME] = str(hf_home(env).absolute())
        if env.get(ev.HF_HUB_CACHE) or env.get(ev.HF_HUB_CACHE_LEGACY):
            out[ev.HF_HUB_CACHE] = str(hf_hub_cache(env).absolute())
        for var in ev.OFFLINE_VARS:
            if env.get(var):
                out[var] = env[var]
    elif source == "modelscope":
        for var in (ev.MODELSCOPE_ENDPOINT, ev.MODELSCOPE_DOMAIN):
            if env.get(var):
                out[var] = env[var]
        out[ev.MODELSCOPE_CACHE] = str(modelscope_cache(env).absolute())
        if not model_is_path:
            out[ev.VLLM_USE_MODELSCOPE] = "True"
    return out


def container_hub_env(hub: Mapping[str, str]) -> dict[str, str]:
    """The same variables inside the official image: without the host's folders."""
    return {k: v for k, v in hub.items() if k not in HOST_PATH_VARS}
