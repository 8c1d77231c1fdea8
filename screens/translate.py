"""Key bindings whose descriptions are catalog keys, translated when a screen or the app is built.

Textual reads BINDINGS when a class is created, long before `--lang` is known, so classes declare
`Binding("ctrl+n", "next", "key.next")` and each instance swaps the key for the current language's
text in its own copy of the bindings (the footer and the command palette show that copy).
"""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from screens.i18n import has_key, t


def translate_bindings(node: DOMNode) -> None:
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            replace(b, description=t(b.description), tooltip=t(b.tooltip) if has_key(b.tooltip) else b.tooltip)
            if has_key(b.description) else b
            for b in bindings
        ]


def translate_palette(app: DOMNode) -> None:
    """Textual adds the command palette's binding itself, described with the English word "palette"."""
    table = app._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [replace(b, description=t("key.palette")) if b.action == "command_palette" else b
                      for b in bindings]
