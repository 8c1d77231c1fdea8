"""Where a hub is, who we are to it and where its cache lives: resolved once, from flags and environment.

The clients read their environment variables at import time; we resolve everything here and pass it to
them explicitly (endpoint=, token=, cache dirs), so a flag such as --hf-endpoint wins and tests can point
a fresh process at a fake hub. Tokens are wrapped in `Secret`, whose repr never shows the value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from wizard import envvars as ev
from wizard import locations
from wizard.errors import InputError
from wizard.hub.errors import register_secret
from wizard.hub.login import stored_modelscope_token
from wizard.i18n import msg

Source = Literal["hf", "modelscope"]

HF_DEFAULT_ENDPOINT = "https://huggingface.co"
MS_DEFAULT_ENDPOINT = "https://www.modelscope.cn"
_TRUE = {"1", "on", "yes", "true"}


class Secret:
    """A token: `reveal()` gives the value; str/repr never do (logs, exceptions, progress output)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        register_secret(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class HubSettings:
    source: Source
    endpoint: str
    token: Secret | None = field(default=None, repr=False)
    # Where the token came from, named in messages ("HF_TOKEN", "the stored login ~/.cache/huggingface/token").
    token_origin: str | None = None
    offline: bool = False
    cache_dir: Path = Path()

    @property
    def has_token(self) -> bool:
        return self.token is not None

    def token_value(self) -> str | None:
        return self.token.reveal() if self.token else None


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


def check_endpoint(url: str, flag: str) -> str:
    text = url.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(msg("hub.error.bad_endpoint", flag=flag, url=url))
    return text


def is_offline(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return any(_truthy(env.get(var)) for var in ev.OFFLINE_VARS)


def hf_settings(endpoint: str | None = None, env: Mapping[str, str] | None = None) -> HubSettings:
    """--hf-endpoint > HF_ENDPOINT > huggingface.co; HF_TOKEN > HUGGING_FACE_HUB_TOKEN > the stored login."""
    env = os.environ if env is None else env
    if endpoint:
        url = check_endpoint(endpoint, "--hf-endpoint")
    elif env.get(ev.HF_ENDPOINT):
        url = check_endpoint(env[ev.HF_ENDPOINT], ev.HF_ENDPOINT)
    else:
        url = HF_DEFAULT_ENDPOINT
    token, origin = None, None
    for var in ev.HF_TOKEN_VARS:
        if env.get(var, "").strip():
            token, origin = env[var].strip(), var
            break
    if token is None:
        path = locations.hf_token_path(env)
        try:
            stored = path.read_text(errors="replace").strip()
        except OSError:
            stored = ""
        if stored:
            token, origin = stored, msg("hub.origin.stored", path=str(path))
    return HubSettings("hf", url, Secret(token) if token else None, origin, is_offline(env),
                       locations.hf_hub_cache(env))


def modelscope_settings(endpoint: str | None = None, env: Mapping[str, str] | None = None) -> HubSettings:
    """MODELSCOPE_ENDPOINT (full URL) > MODELSCOPE_DOMAIN (host, https assumed) > www.modelscope.cn;
    token from MODELSCOPE_API_TOKEN, else the one ModelScope's client stored (`modelscope login`, the app)."""
    env = os.environ if env is None else env
    if endpoint:
        url = check_endpoint(endpoint, "--ms-endpoint")
    elif env.get(ev.MODELSCOPE_ENDPOINT):
        url = check_endpoint(env[ev.MODELSCOPE_ENDPOINT], ev.MODELSCOPE_ENDPOINT)
    elif env.get(ev.MODELSCOPE_DOMAIN, "").strip():
        domain = env[ev.MODELSCOPE_DOMAIN].strip()
        url = check_endpoint(domain if "://" in domain else f"https://{domain}", ev.MODELSCOPE_DOMAIN)
    else:
        url = MS_DEFAULT_ENDPOINT
    token = env.get(ev.MODELSCOPE_API_TOKEN, "").strip() or None
    origin = ev.MODELSCOPE_API_TOKEN if token else None
    stored = None if token else stored_modelscope_token(env)
    if stored is not None:
        token, origin = stored[0], msg("hub.origin.stored", path=str(stored[1]))
    return HubSettings("modelscope", url, Secret(token) if token else None, origin, is_offline(env),
                       locations.modelscope_cache(env))


def settings_for(source: Source, *, hf_endpoint: str | None = None, ms_endpoint: str | None = None,
                 env: Mapping[str, str] | None = None) -> HubSettings:
    if source == "modelscope":
        return modelscope_settings(ms_endpoint, env)
    return hf_settings(hf_endpoint, env)
