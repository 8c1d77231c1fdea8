"""The default-setting tables that are data: max_num_batched_tokens / max_num_seqs by usage context
and GPU class, as `_set_default_args*` / `get_batch_defaults` in vllm/engine/arg_utils.py set them.

Each table entry keeps the conditions of the branch it sits in, translated into plain facts (GPU
memory at least N GiB, GPU name contains / excludes a word, platform). A value computed from
run-time state (`2048 * world_size`) is recorded as "computed"; the rules modules model those.
"""

from __future__ import annotations

import ast
import re

from tools.release_facts.evaluate import EnumMember, Evaluator, Unknown, dotted
from tools.release_facts.source import Module, SourceTree

ARG_UTILS = "vllm.engine.arg_utils"
_FUNCS = re.compile(r"^(_set_default_args.*|get_batch_defaults|_set_default_max_num_seqs.*)$")
_TARGETS = {"default_max_num_batched_tokens": "max_num_batched_tokens", "default_max_num_seqs": "max_num_seqs"}
_GIB = 1 << 30


def _condition(test: ast.AST, ev: Evaluator, module: Module) -> list[dict]:
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return [c for v in test.values for c in _condition(v, ev, module)]
    if isinstance(test, ast.BoolOp):
        return [{"any": [c for v in test.values for c in _condition(v, ev, module)]}]
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return [{"not": _condition(test.operand, ev, module)}]
    if isinstance(test, ast.Call):
        name = dotted(test.func) or ""
        if name.split(".")[-1].startswith("is_") and "platform" in name:
            return [{"platform": name.split(".")[-1][3:]}]
        if name == "any" and test.args and isinstance(test.args[0], ast.GeneratorExp):
            gen = test.args[0]
            words = ev.value(gen.generators[0].iter, module)
            if isinstance(words, (list, tuple)) and isinstance(gen.elt, ast.Compare):
                return [{"gpu_name_contains_any": [w for w in words if isinstance(w, str)]}]
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, op, right = test.left, test.ops[0], test.comparators[0]
        lname, rname = dotted(left) or "", dotted(right) or ""
        if "memory" in lname and isinstance(op, (ast.GtE, ast.Gt, ast.Lt, ast.LtE)):
            value = ev.value(right, module)
            if isinstance(value, (int, float)):
                symbol = {ast.GtE: ">=", ast.Gt: ">", ast.Lt: "<", ast.LtE: "<="}[type(op)]
                return [{"gpu_memory_gib": [symbol, round(value / _GIB, 3)]}]
        if isinstance(left, ast.Constant) and isinstance(left.value, str) and "name" in rname:
            key = "gpu_name_contains" if isinstance(op, ast.In) else "gpu_name_excludes"
            return [{key: left.value.lower()}]
        if isinstance(op, ast.Eq) and isinstance(right, ast.Constant):
            return [{lname.split(".")[-1] or "value": right.value}]
    return [{"computed": True}]


def _value(node: ast.AST, ev: Evaluator, module: Module):
    value = ev.value(node, module)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name = key.name if isinstance(key, EnumMember) else ("default" if key is None else str(key))
            out[name] = item if isinstance(item, int) else "computed"
        return out
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return "computed"


def _walk(body: list[ast.stmt], when: list[dict], ev: Evaluator, module: Module, func: str, out: list[dict]) -> None:
    for stmt in body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id in _TARGETS:
                    out.append({"setting": _TARGETS[target.id], "when": when, "values": _value(stmt.value, ev, module),
                                "function": func})
        elif isinstance(stmt, ast.If):
            cond = _condition(stmt.test, ev, module)
            _walk(stmt.body, when + cond, ev, module, func, out)
            _walk(stmt.orelse, when + [{"not": cond}], ev, module, func, out)
        elif isinstance(stmt, (ast.Try, ast.With, ast.For)):
            _walk(stmt.body, when, ev, module, func, out)


def batch_default_tables(tree: SourceTree, ev: Evaluator) -> tuple[list[dict], str | None]:
    module = tree.module(ARG_UTILS)
    if module is None:
        return [], None
    out: list[dict] = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.FunctionDef) and _FUNCS.match(node.name):
            _walk(node.body, [], ev, module, node.name, out)
    return out, module.rel if out else None


def is_computed(value) -> bool:
    return isinstance(value, Unknown) or value == "<computed>"
