"""Key bindings whose descriptions are catalog keys, translated when a screen or the app is built.

Textual reads BINDINGS when a class is created, long before `--lang` is known, so classes declare
`Binding("ctrl+n", "next", "key.next")` and each instance swaps the key for the current language's
text in its own copy of the bindings (the footer and the command palette show that copy).
"""

from __future__ import annotations

import re
from dataclasses import replace

from textual.binding import Binding
from textual.dom import DOMNode

from screens.i18n import current_language, has_key, t
from wizard.i18n import catalog, localize, msg

_KEY = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)+$")


def translate_bindings(node: DOMNode) -> None:
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            replace(b, description=t(b.description), tooltip=t(b.tooltip) if has_key(b.tooltip) else b.tooltip)
            if has_key(b.description) else _core_text(b)
            for b in bindings
        ]


def _core_text(binding: Binding) -> Binding:
    """A description that is a key of the core's catalog (wizard/i18n), in the screens' language."""
    if not _KEY.match(binding.description or ""):  # Textual's own "Quit": no catalog read at start-up
        return binding

    if binding.description in catalog("en"):
        return replace(binding, description=localize(msg(binding.description), current_language()))
    return binding


def translate_palette(app: DOMNode) -> None:
    """Textual adds the command palette's binding itself, described with the English word "palette"
    (and an English tooltip)."""
    table = app._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [replace(b, description=t("key.palette"), tooltip=t("key.palette_tip"))
                      if b.action == "command_palette" else b for b in bindings]
