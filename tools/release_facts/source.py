"""A release's `vllm` package as parsed modules, with name lookup that follows its imports.

Only what is needed to resolve names statically: module-level classes, functions, assignments and
imports (also inside `if`/`try` blocks, the `if` branch first so `TYPE_CHECKING` imports win).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module
    rel: str  # path relative to the release root, e.g. vllm/config/cache.py

    @property
    def package(self) -> str:
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]


@dataclass(frozen=True)
class Binding:
    """What a name stands for: a class, a function, an assigned expression, or a module."""

    module: Module
    node: ast.AST | None  # ClassDef | FunctionDef | expression | None for a module binding
    target_module: str | None = None  # set when the name is a module

    @property
    def kind(self) -> str:
        if self.target_module is not None:
            return "module"
        if isinstance(self.node, ast.ClassDef):
            return "class"
        if isinstance(self.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return "function"
        return "value"


def _top_statements(body: list[ast.stmt]):
    """Module-level statements, descending into if/try blocks (if-branch before else)."""
    for stmt in body:
        if isinstance(stmt, ast.If):
            yield from _top_statements(stmt.body)
            yield from _top_statements(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            yield from _top_statements(stmt.body)
            for handler in stmt.handlers:
                yield from _top_statements(handler.body)
        else:
            yield stmt


class SourceTree:
    """The parsed modules of one release, rooted at the folder that holds `vllm/`."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._modules: dict[str, Module | None] = {}
        self._tables: dict[str, dict[str, list]] = {}

    def module(self, name: str) -> Module | None:
        if name not in self._modules:
            self._modules[name] = self._load(name)
        return self._modules[name]

    def _load(self, name: str) -> Module | None:
        base = self.root.joinpath(*name.split("."))
        for path in (base.with_suffix(".py"), base / "__init__.py"):
            if path.is_file():
                try:
                    tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
                except SyntaxError:
                    return None
                return Module(name, path, tree, path.relative_to(self.root).as_posix())
        return None

    def exists(self, rel: str) -> bool:
        return (self.root / rel).is_file()

    def files(self, rel_dir: str) -> list[str]:
        folder = self.root / rel_dir
        if not folder.is_dir():
            return []
        return sorted(p.relative_to(self.root).as_posix() for p in folder.rglob("*.py"))

    def module_of_file(self, rel: str) -> Module | None:
        name = rel[:-3].replace("/", ".")
        if name.endswith(".__init__"):
            name = name[: -len(".__init__")]
        return self.module(name)

    def _table(self, mod: Module) -> dict[str, list]:
        if mod.name in self._tables:
            return self._tables[mod.name]
        table: dict[str, list] = {}
        for stmt in _top_statements(mod.tree.body):
            if isinstance(stmt, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                table.setdefault(stmt.name, []).append(("def", stmt))
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        table.setdefault(target.id, []).append(("value", stmt.value))
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                table.setdefault(stmt.target.id, []).append(("value", stmt.value))
            elif isinstance(stmt, ast.TypeAlias) if hasattr(ast, "TypeAlias") else False:
                table.setdefault(stmt.name.id, []).append(("value", stmt.value))
            elif isinstance(stmt, ast.ImportFrom):
                source = self._absolute(mod, stmt.module, stmt.level)
                for alias in stmt.names:
                    table.setdefault(alias.asname or alias.name, []).append(("from", (source, alias.name)))
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        table.setdefault(alias.asname, []).append(("module", alias.name))
                    else:
                        head = alias.name.split(".")[0]
                        table.setdefault(head, []).append(("module", head))
        self._tables[mod.name] = table
        return table

    @staticmethod
    def _absolute(mod: Module, name: str | None, level: int) -> str:
        if not level:
            return name or ""
        parts = mod.package.split(".")
        if level > 1:
            parts = parts[: len(parts) - (level - 1)]
        return ".".join(parts + ([name] if name else []))

    def lookup(self, module: str, name: str, _depth: int = 0) -> Binding | None:
        """What `name` means at the top level of `module` (following re-exports)."""
        mod = self.module(module)
        if mod is None or _depth > 12:
            return None
        entries = self._table(mod).get(name, [])
        # A definition or an import beats a fallback assignment (`X = Any` in an except branch).
        entries = sorted(entries, key=lambda e: e[0] == "value")
        for kind, payload in entries:
            if kind == "def":
                return Binding(mod, payload)
            if kind == "value":
                return Binding(mod, payload)
            if kind == "module":
                return Binding(mod, None, payload)
            if kind == "from":
                source, attr = payload
                if self.module(f"{source}.{attr}") is not None:
                    return Binding(mod, None, f"{source}.{attr}")
                found = self.lookup(source, attr, _depth + 1)
                if found is not None:
                    return found
        return None

    def attribute(self, binding: Binding, attr: str) -> Binding | None:
        """`module.attr` for a module binding."""
        if binding.target_module is None:
            return None
        sub = f"{binding.target_module}.{attr}"
        if self.module(sub) is not None:
            return Binding(self.module(sub), None, sub)
        return self.lookup(binding.target_module, attr)

    def class_named(self, module: str, name: str) -> tuple[Module, ast.ClassDef] | None:
        found = self.lookup(module, name)
        if found is not None and isinstance(found.node, ast.ClassDef):
            return found.module, found.node
        return None
