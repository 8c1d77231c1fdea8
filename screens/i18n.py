"""All user-facing screen text, looked up by key in one catalog per language (assets/i18n/*.json).

Screens never hold English literals: they call `t("step.hardware.title")`. The language comes from
`--lang`, else LC_ALL / LC_MESSAGES / LANG (any zh* locale selects Simplified Chinese), else English.
A key missing from a translation falls back to English, so a partial catalog never shows raw keys;
a test keeps both catalogs' keys identical anyway.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from wizard import i18n as core_i18n

LANGUAGES = ("en", "zh_CN")
DEFAULT = "en"
_current = DEFAULT


@cache
def catalog(lang: str) -> Mapping[str, str]:
    """The catalog of one language, read once from the package's assets."""
    text = files("assets").joinpath("i18n").joinpath(f"{lang}.json").read_text(encoding="utf-8")
    return json.loads(text)


def normalise(lang: str | None) -> str | None:
    """Map a locale or --lang value ("zh", "zh_CN.UTF-8", "en_US") onto a shipped language, or None."""
    if not lang:
        return None
    base = lang.split(".")[0].split("@")[0].replace("-", "_").lower()
    if base.startswith("zh"):
        return "zh_CN"
    if base.startswith("en") or base in {"c", "posix"}:
        return "en"
    return None


def detect_language(env: Mapping[str, str]) -> str:
    """The language the locale asks for; LC_ALL overrides LC_MESSAGES overrides LANG, as in gettext."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return normalise(value) or DEFAULT
    return DEFAULT


def set_language(lang: str | None) -> str:
    """Select the catalog every later `t()` reads; returns the language actually used."""
    global _current
    _current = normalise(lang) or DEFAULT
    # The core's catalog follows: what it renders without being told a language (a comparison
    # table, an export's comments, the checks printed after the app) is then in the screens' one.
    core_i18n.set_language(_current)
    return _current


def current_language() -> str:
    return _current


def t(key: str, **values: Any) -> str:
    """The text for `key` in the current language, formatted with `values` (str.format fields)."""
    text = catalog(_current).get(key)
    if text is None:
        text = catalog(DEFAULT)[key]  # KeyError here is a bug: a screen uses a key no catalog has
    return text.format(**values) if values else text


def has_key(key: str) -> bool:
    return key in catalog(DEFAULT)


def core(text: object) -> str:
    """A text from the headless core (wizard.i18n Message: planner reasons, checks, hub errors) in the
    screen's language; plain text (an OS error, a path) as it is."""
    return core_i18n.localize(text, _current)
