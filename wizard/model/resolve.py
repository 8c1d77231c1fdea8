"""The MODEL argument (folder, `org/name`, `hf:org/name`, `ms:org/name`) parsed into a reference.

Turning a reference into model facts needs the hub layer (its caches and metadata) for anything but
a folder: that is wizard.hub.resolve.load_model_facts, one layer up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from pathlib import Path

from wizard.bounds import shown
from wizard.errors import InputError
from wizard.i18n import msg
from wizard.userpath import exists, expand


@dataclass(frozen=True)
class ModelRef:
    source: Literal["local", "hf", "modelscope"]
    id: str  # folder path or repo id
    revision: str | None = None


def parse_ref(text: str) -> ModelRef:
    raw = text.strip()
    if not raw:
        raise InputError(msg("model.error.empty"))
    expand(raw, "MODEL")  # ~nosuchuser/x or a NUL byte: one line naming it
    if raw.startswith(("hf:", "ms:")):
        repo = raw[3:]
        _check_repo_id(repo, raw)
        return ModelRef("hf" if raw.startswith("hf:") else "modelscope", repo)
    path = Path(raw).expanduser()
    if exists(path) or raw.startswith(("/", ".", "~")):
        return ModelRef("local", str(path))
    _check_repo_id(raw, raw)
    return ModelRef("hf", raw)


def _check_repo_id(repo: str, raw: str) -> None:
    parts = repo.split("/")
    if len(parts) != 2 or not all(parts) or any(p in (".", "..") or p.strip() != p for p in parts):
        raise InputError(msg("model.error.neither", model=shown(raw)))
