"""Hub tokens entered in the app, stored where each hub's own client looks for them.

Hugging Face: the token file huggingface_hub writes on `hf auth login` ($HF_TOKEN_PATH, else
<HF_HOME>/token), mode 0600, so `vllm serve`, `hf` and this wizard all find it later. ModelScope's
client keeps a login made over the network (cookies under ~/.modelscope/credentials); without that
exchange the token lives as MODELSCOPE_API_TOKEN in this process's environment, which the wizard's
ModelScope client and a vLLM started from here read.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

from wizard import envvars as ev
from wizard import locations
from wizard.errors import InputError
from wizard.i18n import msg


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


def use_modelscope_token(token: str, env: MutableMapping[str, str] | None = None) -> None:
    env = os.environ if env is None else env
    env[ev.MODELSCOPE_API_TOKEN] = _clean(token)


def _clean(token: str) -> str:
    value = token.strip()
    if not value or any(c.isspace() for c in value):
        raise InputError(msg("ui.token_invalid"))
    return value
