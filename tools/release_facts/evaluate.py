"""Constant expressions and type annotations of a release's source, evaluated without importing it.

What the source fixes (literals, module constants, `Literal[...]` aliases, dataclass field
defaults, simple list/str operations) evaluates to its value; anything computed at run time
(platform checks, environment variables, function results) becomes UNKNOWN, which the extractor
records as "computed".
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from tools.release_facts.source import Binding, Module, SourceTree


@dataclass(frozen=True)
class Unknown:
    why: str = "computed"

    def __repr__(self) -> str:
        return f"Unknown({self.why})"


UNKNOWN = Unknown()


@dataclass(frozen=True, eq=False)
class ClassRef:
    module: Module
    node: ast.ClassDef

    @property
    def name(self) -> str:
        return self.node.name


@dataclass(frozen=True, eq=False)
class FuncRef:
    module: Module
    node: ast.FunctionDef | ast.AsyncFunctionDef
    owner: ClassRef | None = None


@dataclass(frozen=True)
class ModRef:
    name: str


@dataclass(frozen=True)
class LiteralType:
    values: tuple


@dataclass(frozen=True)
class EnumMember:
    owner: str
    name: str
    value: object = None  # the member's value where the source fixes it (enum.auto() does not)


@dataclass(frozen=True)
class Callable_:
    """A callable used as an argparse `type=`/`action=`: recorded by name only."""

    name: str


TYPING_LITERAL = {"Literal"}
_BUILTIN_TYPES = {"bool", "int", "float", "str", "dict", "list", "tuple", "set", "bytes", "frozenset"}
_MAX_DEPTH = 40


def dotted(expr: ast.AST) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        base = dotted(expr.value)
        return f"{base}.{expr.attr}" if base else None
    return None


class Evaluator:
    def __init__(self, tree: SourceTree):
        self.tree = tree
        self._depth = 0
        self._cache: dict[tuple[str, int], Any] = {}

    # --- names ----------------------------------------------------------------------------------
    def binding_value(self, binding: Binding) -> Any:
        if binding.kind == "module":
            return ModRef(binding.target_module)
        if binding.kind == "class":
            return ClassRef(binding.module, binding.node)
        if binding.kind == "function":
            return FuncRef(binding.module, binding.node)
        key = (binding.module.name, id(binding.node))
        if key not in self._cache:
            self._cache[key] = UNKNOWN  # guards self-reference
            self._cache[key] = self.value(binding.node, binding.module)
        return self._cache[key]

    def name(self, name: str, module: Module, local: dict | None = None) -> Any:
        if local is not None and name in local:
            return local[name]
        if name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        found = self.tree.lookup(module.name, name)
        if found is not None:
            return self.binding_value(found)
        if name in _BUILTIN_TYPES or name in ("sorted", "len", "get_args", "field", "Field", "any", "all", "min",
                                             "max", "isinstance", "object"):
            return Callable_(name)
        return Unknown(f"name {name}")

    def class_attr(self, ref: ClassRef, attr: str, _seen: int = 0) -> Any:
        """A class-level attribute (a field default, an enum member, a method)."""
        for stmt in ref.node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == attr:
                return FuncRef(ref.module, stmt, ref)
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == attr:
                return self.field_default(stmt.value, ref.module) if stmt.value is not None else UNKNOWN
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == attr for t in stmt.targets):
                if self.is_enum(ref):
                    value = self.value(stmt.value, ref.module)
                    return EnumMember(ref.name, attr, value if isinstance(value, (str, int, float)) else None)
                return self.value(stmt.value, ref.module)
        if _seen < 10:
            for base in self.bases(ref):
                found = self.class_attr(base, attr, _seen + 1)
                if not isinstance(found, Unknown):
                    return found
        return Unknown(f"{ref.name}.{attr}")

    def bases(self, ref: ClassRef) -> list[ClassRef]:
        out = []
        for base in ref.node.bases:
            if isinstance(base, ast.Subscript):
                base = base.value
            value = self.value(base, ref.module)
            if isinstance(value, ClassRef):
                out.append(value)
        return out

    def is_enum(self, ref: ClassRef) -> bool:
        names = {dotted(b) or "" for b in ref.node.bases}
        if any(n.split(".")[-1] in ("Enum", "IntEnum", "StrEnum") for n in names):
            return True
        return any(self.is_enum(b) for b in self.bases(ref))

    def field_default(self, expr: ast.AST, module: Module) -> Any:
        """A dataclass field's default: `x = 3`, `field(default=3)`, `field(default_factory=list)`."""
        if isinstance(expr, ast.Call) and (dotted(expr.func) or "").split(".")[-1] in ("field", "Field"):
            kw = {k.arg: k.value for k in expr.keywords if k.arg}
            if "default" in kw:
                return self.value(kw["default"], module)
            if expr.args:  # pydantic's Field(default, ...); Field(...) means required
                first = expr.args[0]
                if isinstance(first, ast.Constant) and first.value is Ellipsis:
                    return Unknown("required")
                return self.value(first, module)
            factory = kw.get("default_factory")
            if factory is None:
                return Unknown("required")
            if isinstance(factory, ast.Lambda):
                return self.value(factory.body, module)
            name = dotted(factory)
            if name in ("list", "dict", "set", "tuple"):
                return {"list": [], "dict": {}, "set": [], "tuple": []}[name]
            return UNKNOWN
        return self.value(expr, module)

    # --- expressions ----------------------------------------------------------------------------
    def value(self, expr: ast.AST | None, module: Module, local: dict | None = None) -> Any:
        if expr is None:
            return None
        if self._depth > _MAX_DEPTH:
            return Unknown("too deep")
        self._depth += 1
        try:
            return self._value(expr, module, local)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, ZeroDivisionError, RecursionError):
            return UNKNOWN
        finally:
            self._depth -= 1

    def _value(self, expr: ast.AST, module: Module, local: dict | None) -> Any:
        v = lambda e: self.value(e, module, local)  # noqa: E731
        if isinstance(expr, ast.Constant):
            return expr.value
        if isinstance(expr, ast.Name):
            return self.name(expr.id, module, local)
        if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
            items: list = []
            for elt in expr.elts:
                if isinstance(elt, ast.Starred):
                    inner = v(elt.value)
                    if isinstance(inner, (list, tuple, set, dict)):
                        items.extend(inner)
                    else:
                        return UNKNOWN
                else:
                    items.append(v(elt))
            return tuple(items) if isinstance(expr, ast.Tuple) else items
        if isinstance(expr, ast.Dict):
            out = {}
            for key, val in zip(expr.keys, expr.values):
                if key is None:
                    inner = v(val)
                    if not isinstance(inner, dict):
                        return UNKNOWN
                    out.update(inner)
                else:
                    k = v(key)
                    out[k if not isinstance(k, (list, dict)) else repr(k)] = v(val)
            return out
        if isinstance(expr, ast.Attribute):
            base = v(expr.value)
            if isinstance(base, ModRef):
                found = self.tree.attribute(Binding(module, None, base.name), expr.attr)
                return self.binding_value(found) if found else Unknown(f"{base.name}.{expr.attr}")
            if isinstance(base, ClassRef):
                return self.class_attr(base, expr.attr)
            if isinstance(base, EnumMember) and expr.attr in ("value", "name"):
                return base.name if expr.attr == "name" else (base.value if base.value is not None else UNKNOWN)
            return Unknown(dotted(expr) or "attribute")
        if isinstance(expr, ast.Subscript):
            base_name = (dotted(expr.value) or "").split(".")[-1]
            if base_name in TYPING_LITERAL:
                return self.literal(expr, module, local)
            base = v(expr.value)
            index = v(expr.slice)
            if isinstance(base, (dict, list, tuple, str)) and not isinstance(index, Unknown):
                return base[index]
            return UNKNOWN
        if isinstance(expr, ast.BinOp):
            left, right = v(expr.left), v(expr.right)
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                return UNKNOWN
            if isinstance(expr.op, ast.Add):
                if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
                    return list(left) + list(right)
                return left + right
            if isinstance(expr.op, ast.Mult):
                return left * right
            if isinstance(expr.op, ast.Sub):
                return left - right
            if isinstance(expr.op, ast.Div):
                return left / right
            if isinstance(expr.op, ast.FloorDiv):
                return left // right
            if isinstance(expr.op, ast.LShift):
                return left << right
            if isinstance(expr.op, ast.Pow):
                return left ** right
            if isinstance(expr.op, ast.BitOr) and isinstance(left, dict) and isinstance(right, dict):
                return {**left, **right}
            return UNKNOWN
        if isinstance(expr, ast.UnaryOp):
            operand = v(expr.operand)
            if isinstance(operand, Unknown):
                return UNKNOWN
            if isinstance(expr.op, ast.USub):
                return -operand
            if isinstance(expr.op, ast.Not):
                return not operand
            return UNKNOWN
        if isinstance(expr, ast.JoinedStr):
            parts = []
            for part in expr.values:
                if isinstance(part, ast.Constant):
                    parts.append(str(part.value))
                elif isinstance(part, ast.FormattedValue):
                    inner = v(part.value)
                    if isinstance(inner, Unknown):
                        return UNKNOWN
                    parts.append(str(inner))
            return "".join(parts)
        if isinstance(expr, ast.Call):
            return self.call(expr, module, local)
        return UNKNOWN

    def literal(self, expr: ast.Subscript, module: Module, local: dict | None) -> LiteralType:
        elts = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
        values: list = []
        for elt in elts:
            item = self.value(elt, module, local)
            if isinstance(item, LiteralType):
                values.extend(item.values)  # Literal[Literal[a], b] flattens, as typing does
            elif isinstance(item, EnumMember):
                values.append(item.name)
            elif not isinstance(item, Unknown):
                values.append(item)
        return LiteralType(tuple(dict.fromkeys(values)))

    def call(self, expr: ast.Call, module: Module, local: dict | None) -> Any:
        name = dotted(expr.func) or ""
        short = name.split(".")[-1]
        args = [self.value(a, module, local) for a in expr.args if not isinstance(a, ast.Starred)]
        if any(isinstance(a, ast.Starred) for a in expr.args):
            return UNKNOWN
        if isinstance(expr.func, ast.Attribute):
            owner = self.value(expr.func.value, module, local)
            method = expr.func.attr
            if isinstance(owner, str) and method in ("replace", "lower", "upper", "strip", "format", "join"):
                if method == "join":
                    return owner.join(str(a) for a in args[0]) if args and isinstance(args[0], (list, tuple)) else UNKNOWN
                if any(isinstance(a, Unknown) for a in args):
                    return UNKNOWN
                return getattr(owner, method)(*args)
            if isinstance(owner, dict) and method in ("keys", "values", "items"):
                return list(getattr(owner, method)())
            return UNKNOWN
        if short == "get_args" and args and isinstance(args[0], LiteralType):
            return args[0].values
        if short in ("list", "tuple", "sorted", "set") and len(args) == 1:
            seq = args[0]
            if isinstance(seq, LiteralType):
                seq = seq.values
            if isinstance(seq, dict):
                seq = list(seq)
            if isinstance(seq, (list, tuple, set)):
                if short == "sorted":
                    try:
                        return sorted(seq)
                    except TypeError:
                        return list(seq)
                return tuple(seq) if short == "tuple" else list(seq)
            return UNKNOWN
        if short in ("list", "dict", "tuple", "set") and not args:
            return [] if short != "dict" else {}
        if short in ("int", "float", "str", "bool") and len(args) == 1 and not isinstance(args[0], Unknown):
            return {"int": int, "float": float, "str": str, "bool": bool}[short](args[0])
        return UNKNOWN
