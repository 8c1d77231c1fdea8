"""Hub tokens entered in the app, stored where each hub's own client looks for them.

Hugging Face: the token file huggingface_hub writes on `hf auth login` ($HF_TOKEN_PATH, else
<HF_HOME>/token), mode 0600, so `vllm serve`, `hf` and this wizard all find it later. ModelScope:
the file its own client keeps an API token in (modelscope_hub's HubConfig.save_token: the
`m_session_id` cookie pickled into <MODELSCOPE_HOME>/credentials/cookies, mode 0600), written by that
function locally, with no network call (`HubApi.login` would first send the token to the hub), so the
`modelscope` CLI and SDK, a vLLM with VLLM_USE_MODELSCOPE and the wizard's next run find it there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from wizard import envvars as ev
from wizard import locations
from wizard.errors import InputError
from wizard.i18n import msg

MS_COOKIES = "cookies"  # modelscope_hub.constants.COOKIES_FILE_NAME, under credentials/
MS_COOKIE_HOST = "https://www.modelscope.cn"  # only names the cookie when reading; any host reads the same file


def save_hf_token(token: str, env: MutableMapping[str, str] | None = None) -> Path:
    """Write the token file (0600 from the moment it exists); returns its path."""
    env = os.environ if env is None else env
    value = _clean(token)
    path = locations.hf_token_path(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.vllm-wizard-tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(value)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def save_modelscope_token(token: str, endpoint: str, env: MutableMapping[str, str] | None = None) -> Path | None:
    """Store the token with ModelScope's own client; returns the credentials file it wrote.

    `endpoint` is the hub the token is for (the client names the cookie after its host). A client
    without modelscope_hub (modelscope < 1.38) can store only a login made online: the token is then
    kept for this session in MODELSCOPE_API_TOKEN, and None says so.
    """
    env = os.environ if env is None else env
    value = _clean(token)
    try:
        from modelscope_hub.config import HubConfig  # noqa: PLC0415 - a hub client (0.3 s): only when a token is saved
        from modelscope_hub.errors import CacheError  # noqa: PLC0415 - same package
    except ImportError:
        env[ev.MODELSCOPE_API_TOKEN] = value
        return None
    config = HubConfig(endpoint=endpoint, config_dir=locations.modelscope_home(env),
                       cache_dir=locations.modelscope_cache(env), token="")
    try:
        config.save_token(value)
    except (OSError, CacheError) as exc:
        raise InputError(msg("appctl.ms_token.unwritable", path=str(config.credentials_dir), reason=str(exc))) from None
    if ev.MODELSCOPE_API_TOKEN in env:
        env[ev.MODELSCOPE_API_TOKEN] = value  # a token already in the environment would win over the stored one
    return config.credentials_dir / MS_COOKIES


def stored_modelscope_token(env: Mapping[str, str] | None = None) -> tuple[str, Path] | None:
    """The token ModelScope's client has stored (HubConfig.load_token: unexpired, not logged out) and
    its file; None without one. The client loads only when the file exists."""
    path = locations.modelscope_home(env) / "credentials" / MS_COOKIES
    if not path.is_file():
        return None
    try:
        from modelscope_hub.config import HubConfig  # noqa: PLC0415 - a hub client (0.3 s): only when a login is stored
    except ImportError:
        return None
    config = HubConfig(endpoint=MS_COOKIE_HOST, config_dir=locations.modelscope_home(env),
                       cache_dir=locations.modelscope_cache(env), token="")
    token = (config.load_token() or "").strip()
    return (token, path) if token else None


def _clean(token: str) -> str:
    value = token.strip()
    if not value or any(c.isspace() for c in value):
        raise InputError(msg("ui.token_invalid"))
    return value
