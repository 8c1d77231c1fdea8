"""Free disk space against the bytes a download still needs, before the first byte moves."""

from __future__ import annotations

import shutil
from pathlib import Path

from wizard.hub import errors as E
from wizard.i18n import msg


def existing_ancestor(path: Path) -> Path:
    """The folder the download will land in may not exist yet: measure the filesystem it will be on."""
    path = Path(path).expanduser().absolute()
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")


def free_bytes(path: Path) -> int:
    return shutil.disk_usage(existing_ancestor(path)).free


def require_space(path: Path, needed: int, label: str, *, free: int | None = None) -> int:
    """Raise DiskSpaceError naming both numbers when `needed` bytes will not fit; returns the free bytes."""
    free = free_bytes(path) if free is None else free
    if needed > free:
        raise E.DiskSpaceError(
            msg("hub.error.disk_space", label=label, needed=E.gib(needed), where=str(existing_ancestor(path)),
                free=E.gib(free), short=E.gib(needed - free)),
            needed=needed, free=free)
    return free
