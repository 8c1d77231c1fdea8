"""The message catalog of the headless core: every sentence a user reads, in English and Chinese.

Core code never writes a user-facing sentence as a literal: it calls `msg(<area>.<key>, name=value)`
and gets a `Message`. A Message *is* the English text (a `str` subclass), so JSON output, logs and
string comparisons stay exactly as stable as before, and it also carries its key and parameters, so
the edge (the app's screens, the human output of the headless commands) renders it in the user's
language with `Message.render(lang)` or `localize(text, lang)`.

Catalogs live in `wizard/i18n/catalog/<lang>/<area>.json`, one file per area (planner, check,
doctor, verify, ...), so parts of the product own their own files; keys are globally unique and
start with the area's name. Templates use `str.format` fields with named parameters
(`"{gib:.2f} GiB"`); a parameter that is itself a Message is rendered in the same language first.
A key missing from a translation falls back to English; tests keep both catalogs' keys identical
and fail on any key used in code that no catalog has.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib.resources import files
from typing import Any

LANGUAGES = ("en", "zh_CN")
DEFAULT = "en"
_current = DEFAULT


@cache
def catalog(lang: str) -> Mapping[str, str]:
    """Every key of one language, merged from its area files (read once)."""
    merged: dict[str, str] = {}
    folder = files("wizard.i18n").joinpath("catalog").joinpath(lang)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            part = json.loads(entry.read_text(encoding="utf-8"))
            clash = merged.keys() & part.keys()
            if clash:
                raise RuntimeError(f"message keys defined twice in {lang}: {sorted(clash)[:3]}")
            merged.update(part)
    return merged


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
    """The language the locale asks for; LC_ALL overrides LC_MESSAGES overrides LANG, as in gettext.
    The edge passes `os.environ`: the catalog itself never reads the environment (the planner,
    which uses it, is pure)."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return normalise(value) or DEFAULT
    return DEFAULT


def set_language(lang: str | None) -> str:
    """Choose the language `localize` uses when none is given (the edge calls this once)."""
    global _current
    _current = normalise(lang) or DEFAULT
    return _current


def current_language() -> str:
    return _current


def _template(key: str, lang: str) -> str:
    text = catalog(lang).get(key) if lang != DEFAULT else None
    if text is None:
        text = catalog(DEFAULT)[key]  # KeyError here is a bug: code uses a key no catalog has
    return text


def _format(key: str, params: Mapping[str, Any], lang: str) -> str:
    values = {name: (value.render(lang) if isinstance(value, Message) else value) for name, value in params.items()}
    template = _template(key, lang)
    if values:
        return template.format(**values)
    # Without parameters a template is not formatted (a lone "{" stays as it is), but "{{ }}" still
    # reads as one literal brace, as it does in a template with parameters.
    return template.replace("{{", "{").replace("}}", "}")


class Message(str):
    """A catalog sentence: equal to (and usable as) its English text, renderable in any language."""

    __slots__ = ("key", "params")
    key: str
    params: Mapping[str, Any]

    def __new__(cls, key: str, params: Mapping[str, Any] | None = None) -> Message:
        params = dict(params or {})
        self = super().__new__(cls, _format(key, params, DEFAULT))
        self.key = key
        self.params = params
        return self

    def render(self, lang: str | None = None) -> str:
        """The text in `lang` (default: the language the edge chose)."""
        lang = normalise(lang) or _current
        return str.__str__(self) if lang == DEFAULT else _format(self.key, self.params, lang)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Message, (self.key, self.params))

    def __repr__(self) -> str:
        return f"Message({self.key!r}, {str.__repr__(self)})"


def msg(key: str, **params: Any) -> Message:
    """The sentence `key` with its named parameters."""
    return Message(key, params)


def localize(text: object, lang: str | None = None) -> str:
    """`text` in the user's language when it is a Message; other text is returned as it is."""
    if isinstance(text, Message):
        return text.render(lang)
    return "" if text is None else str(text)


def join(items: Iterable[object], lang: str | None = None, *, sep_key: str = "common.list_sep") -> str:
    """Items joined with the language's list separator (", " in English, "、" in Chinese)."""
    sep = _template(sep_key, normalise(lang) or _current)
    return sep.join(localize(item, lang) for item in items)
