"""A small YAML writer for the exports (block style, plain scalars where unambiguous).

The wizard has no YAML dependency; what it writes is a subset any YAML 1.1/1.2 reader (vLLM's
PyYAML, Docker Compose, kubectl) reads the same way: strings that could be mistaken for another type
(numbers, true/false/yes/no/on/off/null, anything with special characters) are written as
double-quoted JSON strings, which are valid YAML.
"""

from __future__ import annotations

import json
import re
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z_/.][A-Za-z0-9_./@+-]*$")
_AMBIGUOUS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _AMBIGUOUS:
        return text
    return json.dumps(text, ensure_ascii=False)


def _key(key: str) -> str:
    return key if _PLAIN.match(key) and key.lower() not in _AMBIGUOUS else json.dumps(key)


def dump(data: Any, indent: int = 0) -> str:
    """`data` (dicts, lists, scalars) as block YAML; ends with a newline."""
    return "\n".join(_lines(data, indent)) + "\n"


def _lines(data: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(data, dict):
        if not data:
            return [pad + "{}"]
        out = []
        for key, value in data.items():
            if isinstance(value, (dict, list)) and value:
                out.append(f"{pad}{_key(key)}:")
                out += _lines(value, indent + (2 if isinstance(value, dict) else 0))
            else:
                out.append(f"{pad}{_key(key)}: {scalar(value) if not isinstance(value, (dict, list)) else '{}' if isinstance(value, dict) else '[]'}")
        return out
    if isinstance(data, list):
        out = []
        for item in data:
            if isinstance(item, dict) and item:
                inner = _lines(item, indent + 2)
                out.append(f"{pad}- {inner[0].lstrip()}")
                out += inner[1:]
            elif isinstance(item, list) and item:
                out.append(f"{pad}-")
                out += _lines(item, indent + 2)
            else:
                out.append(f"{pad}- {scalar(item)}")
        return out
    return [pad + scalar(data)]
