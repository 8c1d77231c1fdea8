"""The core's message catalog: both languages have the same keys, every key code uses exists, and
a Message is its English text while rendering in Chinese."""

from __future__ import annotations

import json
import pickle
import re
import string
from pathlib import Path

import pytest

from wizard.i18n import LANGUAGES, Message, catalog, join, localize, msg

ROOT = Path(__file__).resolve().parents[1]
_USE = re.compile(r"""\bmsg\(\s*["']([a-z0-9_]+(?:\.[a-z0-9_]+)+)["']""")


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_language_has_exactly_the_same_keys():
    en = set(catalog("en"))
    for lang in LANGUAGES:
        assert set(catalog(lang)) == en, sorted(set(catalog(lang)) ^ en)[:10]


def test_translations_use_the_same_parameters():
    en, zh = catalog("en"), catalog("zh_CN")
    for key, text in en.items():
        assert _fields(zh[key]) == _fields(text), key


def test_area_files_pair_up():
    base = ROOT / "wizard" / "i18n" / "catalog"
    names = {lang: sorted(p.name for p in (base / lang).glob("*.json")) for lang in LANGUAGES}
    assert names["en"] == names["zh_CN"]
    for lang in LANGUAGES:
        for path in (base / lang).glob("*.json"):
            area = path.stem
            keys = json.loads(path.read_text(encoding="utf-8"))
            assert all(k.split(".")[0] == area for k in keys), (path, [k for k in keys if k.split(".")[0] != area][:3])


def test_every_key_used_in_code_exists():
    keys = set(catalog("en"))
    used = {}
    for folder in ("wizard", "screens"):
        for path in (ROOT / folder).rglob("*.py"):
            for key in _USE.findall(path.read_text(encoding="utf-8")):
                used.setdefault(key, path)
    missing = {k: str(p.relative_to(ROOT)) for k, p in used.items() if k not in keys}
    assert not missing, missing


def test_a_message_is_its_english_text_and_renders_in_chinese():
    m = msg("common.na")
    assert isinstance(m, str) and m == "N/A" and json.dumps([m]) == '["N/A"]'
    assert pickle.loads(pickle.dumps(m)).key == "common.na"
    assert localize(m, "zh_CN") == catalog("zh_CN")["common.na"]
    assert localize("plain text", "zh_CN") == "plain text"
    assert join(["a", "b"], "zh_CN") == "a、b" and join(["a", "b"], "en") == "a, b"


def test_an_unknown_key_is_a_bug_not_a_silent_fallback():
    with pytest.raises(KeyError):
        Message("no.such.key")


def test_escaped_braces_in_a_sentence_without_fields_are_shown_once():
    from wizard.i18n import msg

    for lang in ("en", "zh_CN"):
        text = msg("inputs.spec_not_json").render(lang)
        assert '{"method"' in text and "{{" not in text and "}}" not in text
