"""A path the user typed, turned into a Path without surprises: `~nosuchuser/x` (no such home),
a name longer than the file system allows, or a NUL byte become one line naming the input, not a
RuntimeError or OSError from deep inside pathlib."""

from __future__ import annotations

from pathlib import Path

from wizard.bounds import shown
from wizard.errors import InputError
from wizard.i18n import msg


def expand(text: str | Path, what: str) -> Path:
    """`text` with `~` and `~user` expanded; InputError naming `what` when that home is unknown."""
    if "\x00" in str(text):
        raise InputError(msg("bounds.path_nul", what=what, text=shown(text)))
    try:
        return Path(text).expanduser()
    except RuntimeError:
        raise InputError(msg("bounds.no_home", what=what, text=shown(text))) from None


def exists(path: Path) -> bool:
    """Whether `path` exists; a name too long for the file system (or otherwise unusable) does not."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False
