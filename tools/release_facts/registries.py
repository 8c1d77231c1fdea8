"""Registered names: quantization methods, reasoning parsers and tool-call parsers.

Parsers register through `@XParserManager.register_module("name")` decorators (0.6-0.11), through
`register_lazy_module(...)` calls and a module-level `_..._TO_REGISTER` dict (0.11 on); before a
registry existed the `--tool-call-parser` / `--reasoning-parser` choices were the list.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from tools.release_facts.evaluate import Evaluator, LiteralType, dotted
from tools.release_facts.source import SourceTree

QUANT_MODULE = "vllm.model_executor.layers.quantization"
PARSER_DIRS = {
    "reasoning": ("vllm/reasoning", "vllm/entrypoints/openai/reasoning_parsers"),
    "tool": ("vllm/tool_parsers", "vllm/entrypoints/openai/tool_parsers"),
}
_MANAGER = {"reasoning": "ReasoningParserManager", "tool": "ToolParserManager"}


@dataclass(frozen=True)
class Registry:
    names: tuple[str, ...]
    source: str  # the file (or folder) the names were read from


def quantization_methods(tree: SourceTree, ev: Evaluator) -> Registry | None:
    module = tree.module(QUANT_MODULE)
    if module is None:
        return None
    for name in ("QuantizationMethods", "QUANTIZATION_METHODS", "_QUANTIZATION_CONFIG_REGISTRY"):
        found = tree.lookup(QUANT_MODULE, name)
        if found is None or found.kind != "value":
            continue
        value = ev.binding_value(found)
        if isinstance(value, LiteralType):
            value = value.values
        if isinstance(value, dict):
            value = list(value)
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
            return Registry(tuple(sorted(set(value))), found.module.rel)
    return None


def _strings(ev: Evaluator, node: ast.AST, module) -> list[str]:
    value = ev.value(node, module)
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []


def _registered_in(tree: SourceTree, ev: Evaluator, rel: str, kind: str) -> set[str]:
    module = tree.module_of_file(rel)
    if module is None:
        return set()
    manager = _MANAGER[kind]
    names: set[str] = set()
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("register_module", "register_lazy_module") \
                and (dotted(node.func.value) or "").split(".")[-1] == manager:
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            target = kw.get("name") or kw.get("module_name") or (node.args[0] if node.args else None)
            if target is not None and not isinstance(target, ast.Name):
                names.update(_strings(ev, target, module))
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id.endswith("_TO_REGISTER") \
                        and kind.upper() in target.id:
                    value = ev.value(node.value, module)
                    if isinstance(value, dict):
                        names.update(k for k in value if isinstance(k, str))
    return names


def parsers(tree: SourceTree, ev: Evaluator, kind: str) -> Registry | None:
    """Every parser name of `kind` ("reasoning" or "tool") the release registers."""
    for folder in PARSER_DIRS[kind]:
        files = tree.files(folder)
        names: set[str] = set()
        for rel in files:
            names |= _registered_in(tree, ev, rel, kind)
        if names:
            return Registry(tuple(sorted(names)), folder + "/")
    return None
