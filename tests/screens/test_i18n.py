"""One catalog per language, the same keys and fields in each, and no English literals in screens."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from screens.i18n import LANGUAGES, catalog, detect_language, normalise, set_language, t
from wizard.i18n import catalog as core_catalog

ROOT = Path(__file__).resolve().parents[2]
# Widgets and calls whose string arguments are user-facing text.
TEXT_CALLS = {"Static", "Label", "Button", "Checkbox", "RadioButton", "Option", "Selection", "notify",
              "SystemCommand", "Binding", "update", "Content", "Tab", "TabPane", "Input"}
TEXT_KEYWORDS = {"placeholder", "label", "title", "description", "tooltip", "help", "message"}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogs_have_the_same_keys_and_format_fields():
    en, zh = catalog("en"), catalog("zh_CN")
    assert set(en) == set(zh)
    mismatched = [k for k in en if _fields(en[k]) != _fields(zh[k])]
    assert mismatched == []
    assert all(v.strip() for v in [*en.values(), *zh.values()])


def _screen_modules() -> list[Path]:
    paths = (ROOT / "screens").rglob("*.py")
    return [p for p in paths if "monitor" not in p.relative_to(ROOT / "screens").parts]


def _literal_texts(tree: ast.AST) -> list[tuple[int, str]]:
    """String literals passed to text-taking calls, where a reader would see them."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in TEXT_CALLS:
            continue
        args = list(node.args)
        if name == "Binding":
            args = args[2:3]  # keys and action names are not text; the description is
        if name == "Input":
            args = []  # an Input's first argument is its value
        values = [a for a in args] + [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
        found += [(v.lineno, v.value) for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    return found


def test_no_screen_module_holds_user_facing_english():
    offenders = []
    for path in _screen_modules():
        for line, text in _literal_texts(ast.parse(path.read_text(encoding="utf-8"))):
            # A catalog key (the screens' or the core's: translate_bindings reads both), or no words at
            # all (ids, separators, empty placeholders), is fine.
            if text in catalog("en") or text in core_catalog("en") or not any(ch.isalpha() for ch in text):
                continue
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {text!r}")
    assert offenders == []


def test_the_ast_check_catches_a_hard_coded_label():
    tree = ast.parse('Static("Hello there")\nButton(t("nav.next"))\nBinding("q", "quit", "Quit")')
    assert [text for _, text in _literal_texts(tree)] == ["Hello there", "Quit"]


@pytest.mark.parametrize(("env", "expected"), [
    ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
    ({"LANG": "zh_TW.UTF-8"}, "zh_CN"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh_CN"),
    ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"),
    ({"LANG": "de_DE.UTF-8"}, "en"),
    ({}, "en"),
])
def test_language_from_the_locale(env, expected):
    assert detect_language(env) == expected


def test_lookup_and_fallback():
    assert normalise("fr") is None and normalise("zh") == "zh_CN"
    assert set(LANGUAGES) == {"en", "zh_CN"}
    set_language("zh_CN")
    assert t("step.plan.name") == "方案"
    assert t("budget.gpu", index=3) == "GPU 3"
    set_language("en")
    assert t("step.plan.name") == "Plan"
    with pytest.raises(KeyError):
        t("no.such.key")
