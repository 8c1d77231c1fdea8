"""Every vLLM version comparison lives in wizard/releases/: code elsewhere asks a rule by name
(`version.has(rules.X)`) or the release table (`version.facts`), never compares versions itself."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = ROOT / "wizard" / "releases"
ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
VERSION_CALLS = {"version_key", "version_tuple", "parse_version", "Version"}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Subscript):
        return _name(node.value)
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return _name(node.func)
    return ""


def _version_like(node: ast.AST) -> bool:
    """`version.key`, `version_key(...)`, `version_key(...)[:3]`."""
    if isinstance(node, ast.Subscript):
        return _version_like(node.value)
    if isinstance(node, ast.Call):
        return _name(node.func) in VERSION_CALLS
    if isinstance(node, ast.Attribute) and node.attr == "key":
        return "version" in _name(node.value).lower() or _name(node.value) in {"v", "self"}
    return False


def _named_version(node: ast.AST) -> bool:
    """`vllm_version`, `self.version`: a version only when compared with text or a tuple (driver
    versions are plain integers)."""
    return isinstance(node, (ast.Name, ast.Attribute)) and "version" in _name(node).lower()


def _text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _release_tuple(node: ast.AST) -> bool:
    """A literal like (0, 8, 4) or (*OLDEST, 0): three or more integer parts (compute capabilities have two)."""
    return (isinstance(node, ast.Tuple) and len(node.elts) >= 3
            and all(isinstance(e, ast.Starred) or (isinstance(e, ast.Constant) and isinstance(e.value, int))
                    for e in node.elts))


def violations(source: str, filename: str = "<src>") -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"at_least", "at_most"}:
            found.append(f"{filename}:{node.lineno}: .{node.func.attr}(...)")
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            ordering = any(isinstance(op, ORDERING) for op in node.ops)
            strong = any(_version_like(o) for o in operands)
            literal = any(_release_tuple(o) for o in operands)
            named = any(_named_version(o) for o in operands) and any(_text(o) or _release_tuple(o) for o in operands)
            if (ordering and (strong or literal or named)) or (strong and literal):
                found.append(f"{filename}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_version_comparison_outside_the_release_package():
    found = []
    for folder in ("wizard", "screens"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if ALLOWED in path.parents:
                continue
            found += violations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not found, "compare versions in wizard/releases (rules.py) and ask by name:\n" + "\n".join(found)


def test_the_scan_catches_each_form():
    caught = [
        "version.at_least(0, 9, 1)",
        "not self.version.at_most(0, 10)",
        "version.key >= (0, 14, 0)",
        "version_key(v) >= (0, 5, 0, 0)",
        "version.key >= version_key(first)[:3]",
        "key < (0, 8, 2)",
        "(*OLDEST, 0) > version.key",
        "vllm_version >= '0.9'",
        "version.key == (0, 8, 5)",
    ]
    for snippet in caught:
        assert violations(snippet), snippet


def test_the_scan_leaves_other_comparisons_alone():
    for snippet in ("cc < (8, 0)", "version <= 0", "driver_version >= 535", "cc >= (7, 5)", "entry.key == key", "total_gib >= 70", "a.key != b.key",
                    "version.has(rules.REQUEST_CEILED)", "len(x) > 3"):
        assert not violations(snippet), snippet
