"""Radio buttons, checkboxes and selection lists whose state reads without colour.

Textual draws every toggle as the same ● and shows on/off only by its colour, which a 16-colour
console, NO_COLOR or a colour-blind user cannot tell apart. These draw ● / ○ for radio buttons and
✔ / blank for checkboxes and list selections; everything else is Textual's.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, RadioButton, SelectionList

RADIO = ("○", "●")
CHECK = (" ", "✔")


def _with_inner(button: Content, inner: str) -> Content:
    # The button is LEFT + INNER + RIGHT, one cell each: swap the middle cell's text, keep its style.
    return button[:1] + Content.assemble((inner, button.get_style_at_offset(1) if len(button) > 1 else "")) + button[2:]


class StateRadio(RadioButton):
    @property
    def _button(self) -> Content:
        return _with_inner(super()._button, RADIO[self.value])


class StateCheckbox(Checkbox):
    @property
    def _button(self) -> Content:
        return _with_inner(super()._button, CHECK[self.value])


class StateSelectionList(SelectionList):
    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 3:
            return strip
        inner = segments[1]
        index = (inner.style.meta or {}).get("option") if inner.style is not None else None
        if index is None:
            return strip
        selected = self.get_option_at_index(index).value in self._selected
        segments[1] = Segment(CHECK[selected], inner.style)
        return Strip(segments, strip.cell_length)
