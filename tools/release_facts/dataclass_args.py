"""The release's `get_kwargs(ConfigClass)`: argparse options generated from a config dataclass.

vLLM (0.9 on) turns each dataclass field into `add_argument` keywords from its type annotation and
default: bool -> BooleanOptionalAction (a `--no-` pair), Literal -> choices, list/tuple -> nargs,
Optional -> a nullable type. The rules changed a little between releases; the switches in
`KwargsRules` are read from that release's own `get_kwargs` source, not assumed.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

from tools.release_facts.evaluate import (ClassRef, EnumMember, Evaluator, LiteralType, Unknown, dotted)
from tools.release_facts.source import Module

_SCALARS = {"bool", "int", "float", "str", "dict", "list", "tuple", "set", "bytes", "frozenset", "None"}
_CONTAINERS = {"list": "list", "List": "list", "Sequence": "list", "tuple": "tuple", "Tuple": "tuple",
               "set": "set", "Set": "set", "frozenset": "set", "dict": "dict", "Dict": "dict", "Mapping": "dict",
               "MutableMapping": "dict", "TypedDict": "dict"}


@dataclass(frozen=True)
class KwargsRules:
    """How this release's get_kwargs treats the cases that changed over time."""

    str_literal_is_metavar: bool = False  # Literal + str: free string with a metavar, no choices
    optional_bool_str: bool = False  # bool | str | None: `--x` alone or `--x VALUE`
    human_readable: frozenset[str] = frozenset({"max_model_len"})

    @classmethod
    def from_source(cls, ev: Evaluator, module: Module | None) -> KwargsRules:
        if module is None:
            return cls()
        text = ""
        for node in module.tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in ("get_kwargs", "_compute_kwargs",
                                                                   "literal_to_kwargs"):
                text += ast.unparse(node)
        names = {"max_model_len"}
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and "human_readable" in t.id
                                                    for t in node.targets):
                value = ev.value(node.value, module)
                if isinstance(value, (list, set, tuple)):
                    names.update(v for v in value if isinstance(v, str))
        return cls(str_literal_is_metavar="'metavar' if" in text,
                   optional_bool_str="'?'" in text and "'const'" in text, human_readable=frozenset(names))


@dataclass(frozen=True)
class Hint:
    kind: str  # a scalar name, "literal", "list"/"tuple"/"set"/"dict", "dataclass", "other"
    values: tuple = ()  # literal values, or the element hints of a container
    name: str = ""


class HintReader:
    """A field annotation -> the set of hints vLLM's get_type_hints would see."""

    def __init__(self, ev: Evaluator):
        self.ev = ev

    def hints(self, expr: ast.AST | None, module: Module, depth: int = 0) -> set[Hint]:
        if expr is None or depth > 15:
            return {Hint("other")}
        if isinstance(expr, ast.Constant):
            if expr.value is None:
                return {Hint("None")}
            if expr.value is Ellipsis:  # tuple[int, ...]
                return {Hint("ellipsis")}
            if isinstance(expr.value, str):  # a forward reference
                try:
                    return self.hints(ast.parse(expr.value, mode="eval").body, module, depth + 1)
                except SyntaxError:
                    return {Hint("other")}
            return {Hint("other")}
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
            return self.hints(expr.left, module, depth + 1) | self.hints(expr.right, module, depth + 1)
        if isinstance(expr, ast.Subscript):
            base = (dotted(expr.value) or "").split(".")[-1]
            args = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
            if base == "Optional":
                return self.hints(args[0], module, depth + 1) | {Hint("None")}
            if base == "Union":
                out: set[Hint] = set()
                for arg in args:
                    out |= self.hints(arg, module, depth + 1)
                return out
            if base in ("Annotated", "ClassVar", "InitVar", "Final"):
                return self.hints(args[0], module, depth + 1)
            if base == "Literal":
                value = self.ev.value(expr, module)
                return {Hint("literal", value.values)} if isinstance(value, LiteralType) else {Hint("other")}
            if base in _CONTAINERS:
                elems = tuple(frozenset(self.hints(a, module, depth + 1)) for a in args)
                return {Hint(_CONTAINERS[base], elems)}
            return {Hint("other", name=base)}
        name = dotted(expr)
        if name is None:
            return {Hint("other")}
        short = name.split(".")[-1]
        if isinstance(expr, ast.Name) and short in _SCALARS:
            return {Hint(short)}
        if short in _CONTAINERS:
            return {Hint(_CONTAINERS[short])}
        if short == "Any":
            return {Hint("other", name="Any")}
        target = self.ev.value(expr, module)
        if isinstance(target, ClassRef):
            return {self._class_hint(target)}
        if isinstance(target, LiteralType):
            return {Hint("literal", target.values)}
        found = self.ev.tree.lookup(module.name, name) if isinstance(expr, ast.Name) else None
        if found is not None and found.kind == "value":  # a type alias: follow it in its own module
            return self.hints(found.node, found.module, depth + 1)
        return {Hint("other", name=short)}

    def _class_hint(self, ref: ClassRef) -> Hint:
        if is_dataclass(ref):
            return Hint("dataclass", name=ref.name)
        if _subclasses(self.ev, ref, {"dict", "TypedDict", "Dict"}):
            return Hint("dict")
        return Hint("other", name=ref.name)


def _decorators(ref: ClassRef) -> set[str]:
    out = set()
    for dec in ref.node.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        out.add((dotted(target) or "").split(".")[-1])
    return out


def is_dataclass(ref: ClassRef) -> bool:
    return bool(_decorators(ref) & {"dataclass", "config"})


def _subclasses(ev: Evaluator, ref: ClassRef, names: set[str], depth: int = 0) -> bool:
    if depth > 10:
        return False
    if {(dotted(b.value if isinstance(b, ast.Subscript) else b) or "").split(".")[-1] for b in ref.node.bases} & names:
        return True
    return any(_subclasses(ev, b, names, depth + 1) for b in ev.bases(ref))


def dataclass_fields(ev: Evaluator, ref: ClassRef, depth: int = 0) -> list[tuple[str, ast.AnnAssign, Module]]:
    """Fields in dataclass order: base classes first, a redefinition keeps the base's position."""
    fields: dict[str, tuple[ast.AnnAssign, Module]] = {}
    if depth < 10:
        for base in reversed(ev.bases(ref)):
            if is_dataclass(base) or any(True for _ in ev.bases(base)):
                for name, stmt, module in dataclass_fields(ev, base, depth + 1):
                    fields[name] = (stmt, module)
    for stmt in ref.node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            ann = (dotted(stmt.annotation.value if isinstance(stmt.annotation, ast.Subscript) else stmt.annotation)
                   or "").split(".")[-1]
            if ann in ("ClassVar", "InitVar") or (isinstance(stmt.annotation, ast.Constant)
                                                 and str(stmt.annotation.value).startswith("ClassVar")):
                continue
            fields[stmt.target.id] = (stmt, ref.module)
    return [(name, stmt, module) for name, (stmt, module) in fields.items()]


def _plain(value):
    if isinstance(value, EnumMember):
        return value.value if value.value is not None else value.name.lower()
    if isinstance(value, Unknown):
        return value
    if isinstance(value, tuple):
        return list(value)
    return value


def _sorted(values) -> list:
    """Literal options sorted as vLLM sorts them (numbers as numbers), mixed types by text."""
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def _scalar_label(hints: set[Hint]) -> str:
    kinds = {h.kind for h in hints}
    for kind in ("int", "float", "str", "bool"):
        if kind in kinds:
            return kind
    literal = next((h for h in hints if h.kind == "literal"), None)
    if literal is not None and literal.values:
        return type(literal.values[0]).__name__
    return "str"


def config_kwargs(ev: Evaluator, ref: ClassRef, rules: KwargsRules) -> dict[str, dict]:
    """{field name: argparse keywords} the way this release's get_kwargs builds them."""
    reader = HintReader(ev)
    out: dict[str, dict] = {}
    for name, stmt, module in dataclass_fields(ev, ref):
        hints = reader.hints(stmt.annotation, module)
        kinds = {h.kind for h in hints}
        default = _plain(ev.field_default(stmt.value, module)) if stmt.value is not None else Unknown("required")
        kw: dict = {"default": default}
        # Several Literal aliases in one Union (0.8.5's guided_decoding_backend): vLLM takes whichever
        # its set iteration yields first, which changes with the hash seed; the union is recorded.
        literals = [h for h in hints if h.kind == "literal"]
        literal = Hint("literal", tuple(dict.fromkeys(v for h in sorted(literals, key=repr) for v in h.values))) \
            if literals else None
        container = next((h for h in hints if h.kind in ("tuple", "list", "set")), None)
        if "dataclass" in kinds:
            kw["type"] = "json:" + next(h.name for h in hints if h.kind == "dataclass")
        elif rules.optional_bool_str and kinds == {"bool", "str", "None"}:
            kw.update(type="str", nargs="?", const=True)
        elif "bool" in kinds:
            kw["action"] = "BooleanOptionalAction"
        elif literal is not None:
            kw["type"] = _scalar_label({literal})
            key = "metavar" if rules.str_literal_is_metavar and "str" in kinds else "choices"
            kw[key] = _sorted(literal.values)
        elif container is not None:
            ellipsis = frozenset({Hint("ellipsis")})
            elem = next((set(e) for e in container.values if e != ellipsis), set())
            inner_literal = next((h for h in elem if h.kind == "literal"), None)
            kw["type"] = _scalar_label(elem) if elem else "str"
            if inner_literal is not None:
                kw["choices"] = _sorted(inner_literal.values)
            n = len(container.values)
            open_ended = container.kind != "tuple" or ellipsis in container.values or n == 0
            kw["nargs"] = "+" if open_ended else n
        elif "int" in kinds:
            kw["type"] = "human_readable_int" if name in rules.human_readable else "int"
        elif "float" in kinds:
            kw["type"] = "float"
        elif "dict" in kinds and ("str" in kinds or any(h.kind in ("other", "dataclass") for h in hints)):
            kw["type"] = "union_dict_and_str"
        elif "dict" in kinds:
            kw["type"] = "json"
        else:
            kw["type"] = "str"
        if "None" in kinds and "bool" not in kinds:
            kw["type"] = f"optional:{kw.get('type', 'str')}"
            if kw.get("choices"):
                kw["choices"] = [*kw["choices"], None]
        out[name] = kw
    return out


def fresh(table: dict[str, dict]) -> dict[str, dict]:
    """get_kwargs returns a new dict each call: callers mutate it."""
    return copy.deepcopy(table)
