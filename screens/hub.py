"""Hub access chosen in the app: which endpoint model ids are fetched from, and a token.

The endpoint lives in this process's environment (HF_ENDPOINT), which is what the hub clients read,
what a vLLM exec'd from here inherits, and what the exports keep (wizard.launch.export.hub_env). A
token goes where each hub's own client stores it (wizard.hub.login): huggingface_hub's token file,
ModelScope's credentials folder; never into the environment the exports copy.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from wizard import envvars as ev
from wizard.hub import login
from wizard.hub.settings import check_endpoint, modelscope_settings

MIRROR = "https://hf-mirror.com"
Endpoint = Literal["hf", "mirror", "modelscope"]
ENDPOINTS: tuple[Endpoint, ...] = ("hf", "mirror", "modelscope")


@dataclass(frozen=True)
class HubChoice:
    endpoint: Endpoint
    token: str = ""  # empty: keep whatever login there is


def current_endpoint(env: MutableMapping[str, str] | None = None, model_text: str = "") -> Endpoint:
    env = os.environ if env is None else env
    if model_text.strip().startswith("ms:"):
        return "modelscope"
    return "mirror" if env.get(ev.HF_ENDPOINT, "").rstrip("/") == MIRROR else "hf"


def apply_hf_endpoint(url: str, env: MutableMapping[str, str] | None = None) -> str:
    """--hf-endpoint: checked like the headless commands check it, then used by every client here."""
    env = os.environ if env is None else env
    env[ev.HF_ENDPOINT] = check_endpoint(url, "--hf-endpoint")
    return env[ev.HF_ENDPOINT]


def apply(choice: HubChoice, env: MutableMapping[str, str] | None = None) -> Path | None:
    """Make the choice effective; returns the file a token was stored in (None: no token, or kept
    for this session only). Raises InputError for a token that cannot be one. Blocking (file
    writes, a hub client's import): the app calls it from a worker."""
    env = os.environ if env is None else env
    if choice.endpoint == "mirror":
        env[ev.HF_ENDPOINT] = MIRROR
    elif choice.endpoint == "hf" and env.get(ev.HF_ENDPOINT, "").rstrip("/") == MIRROR:
        del env[ev.HF_ENDPOINT]
    if not choice.token.strip():
        return None
    if choice.endpoint == "modelscope":
        return login.save_modelscope_token(choice.token, modelscope_settings(env=env).endpoint, env)
    return login.save_hf_token(choice.token, env)


def model_text_for(text: str, endpoint: Endpoint) -> str:
    """The model text re-inspected after a change: an org/name id moves between `ms:` and Hugging Face."""
    raw = text.strip()
    if not raw or raw.startswith(("/", ".", "~")):
        return raw
    bare = raw[3:] if raw.startswith(("hf:", "ms:")) else raw
    if bare.count("/") != 1:
        return raw
    return f"ms:{bare}" if endpoint == "modelscope" else bare


def hf_id(text: str) -> str | None:
    """The Hugging Face id in `text` (org/name or hf:org/name), None for a folder or a ModelScope id."""
    raw = text.strip()
    if raw.startswith(("ms:", "/", ".", "~")):
        return None
    bare = raw.removeprefix("hf:")
    return bare if bare.count("/") == 1 and " " not in bare else None
