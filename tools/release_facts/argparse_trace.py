"""A small interpreter for the functions that build the `vllm serve` parser.

It runs `make_arg_parser` symbolically: parser and argument-group objects, `add_argument` calls,
`get_kwargs(Config)` tables and the edits made to them (`kw["x"]["type"] = ...`, `del`, `.pop`),
calls into `EngineArgs.add_cli_args`, `super()` and helper functions, loops over kwargs tables.
A branch whose condition the source does not fix (platform, environment) is taken both ways, so a
flag added under any condition is listed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from tools.release_facts.dataclass_args import KwargsRules, config_kwargs, fresh
from tools.release_facts.evaluate import (Callable_, ClassRef, EnumMember, Evaluator, FuncRef, LiteralType,
                                          ModRef, Unknown, UNKNOWN, dotted)
from tools.release_facts.source import Module

_MAX_CALLS = 30
_BOOL_ACTIONS = {"store_true", "store_false", "BooleanOptionalAction", "StoreBoolean"}
_NO_VALUE_ACTIONS = {"store_true", "store_false", "store_const", "append_const", "count", "BooleanOptionalAction",
                     "help", "version"}


@dataclass(eq=False)
class ParserObj:
    """A parser or one of its argument groups: all feed the same flag list."""

    title: str | None = None


@dataclass
class FlagRecord:
    options: list[str]
    dest: str
    default: object = None
    choices: list | None = None
    type: str | None = None
    action: str | None = None
    nargs: object = None
    const: object = None
    metavar: str | None = None
    help: str | None = None
    deprecated: bool = False
    source: str = ""

    @property
    def boolean(self) -> bool:
        return self.action in _BOOL_ACTIONS

    @property
    def takes_value(self) -> bool:
        return self.action not in _NO_VALUE_ACTIONS and self.nargs != 0


@dataclass
class Frame:
    module: Module
    local: dict = field(default_factory=dict)
    cls: ClassRef | None = None


class _Return(Exception):
    def __init__(self, value):
        self.value = value


def label(value) -> str | None:
    """A callable used as type=/action=, by its name."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (FuncRef, ClassRef)):
        return value.node.name
    if isinstance(value, Callable_):
        return value.name
    if isinstance(value, Unknown):
        return value.why.removeprefix("name ").split(".")[-1]
    return type(value).__name__


class Tracer:
    def __init__(self, ev: Evaluator, rules: KwargsRules):
        self.ev = ev
        self.rules = rules
        self.flags: dict[str, FlagRecord] = {}  # by first option string; argparse keeps one per string
        self._calls = 0
        self._kwargs_cache: dict[int, dict] = {}

    # --- running functions ----------------------------------------------------------------------
    def run(self, func: FuncRef, args: list, kwargs: dict | None = None, cls: ClassRef | None = None):
        if self._calls > _MAX_CALLS:
            return UNKNOWN
        self._calls += 1
        try:
            frame = Frame(func.module, {}, cls or func.owner)
            params = func.node.args
            names = [a.arg for a in params.posonlyargs + params.args]
            decorators = {(dotted(d) or "") for d in func.node.decorator_list}
            if func.owner is not None and "staticmethod" not in decorators and names:
                bound = cls or func.owner
                frame.local[names[0]] = bound
                names = names[1:]
            defaults = params.defaults
            for i, name in enumerate(names):
                if i < len(args):
                    frame.local[name] = args[i]
                else:
                    j = i - (len(names) - len(defaults))
                    frame.local[name] = self.ev.value(defaults[j], func.module) if j >= 0 else UNKNOWN
            for key, value in (kwargs or {}).items():
                frame.local[key] = value
            try:
                self.block(func.node.body, frame)
            except _Return as ret:
                return ret.value
            return None
        finally:
            self._calls -= 1

    def block(self, body: list[ast.stmt], frame: Frame) -> None:
        for stmt in body:
            self.stmt(stmt, frame)

    def stmt(self, stmt: ast.stmt, frame: Frame) -> None:
        if isinstance(stmt, ast.Expr):
            self.eval(stmt.value, frame)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            if stmt.value is None:
                return
            value = self.eval(stmt.value, frame)
            for target in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]):
                self.assign(target, value, frame)
        elif isinstance(stmt, ast.AugAssign):
            current = self.eval(stmt.target, frame)
            value = self.eval(stmt.value, frame)
            if isinstance(current, list) and isinstance(value, (list, tuple)) and isinstance(stmt.op, ast.Add):
                current.extend(value)
            elif isinstance(current, dict) and isinstance(value, dict):
                current.update(value)
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                if isinstance(target, ast.Subscript):
                    owner, key = self.eval(target.value, frame), self.eval(target.slice, frame)
                    if isinstance(owner, dict):
                        owner.pop(key, None)
        elif isinstance(stmt, ast.If):
            test = self.ev.value(stmt.test, frame.module, frame.local)
            if not isinstance(test, (bool, int, str, list, dict, tuple, type(None))):
                self._both(stmt, frame)  # decided at run time (platform, environment, argv)
            else:
                self.block(stmt.body if test else stmt.orelse, frame)
        elif isinstance(stmt, ast.For):
            items = self.eval(stmt.iter, frame)
            if isinstance(items, dict):
                items = list(items)
            if isinstance(items, (list, tuple)):
                for item in list(items):
                    self.assign(stmt.target, item, frame)
                    self.block(stmt.body, frame)
        elif isinstance(stmt, ast.Return):
            raise _Return(self.eval(stmt.value, frame) if stmt.value is not None else None)
        elif isinstance(stmt, ast.Try):
            self.block(stmt.body, frame)
            self.block(stmt.finalbody, frame)
        elif isinstance(stmt, ast.With):
            self.block(stmt.body, frame)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            frame.local[stmt.name] = FuncRef(frame.module, stmt)

    def _both(self, stmt: ast.If, frame: Frame) -> None:
        """An undecidable condition: both branches add their flags; a return in one does not stop the other."""
        returned = None
        for branch in (stmt.body, stmt.orelse):
            try:
                self.block(branch, frame)
            except _Return as ret:
                returned = ret
        if returned is not None and not stmt.orelse:
            return  # `if cond: return` guards: the code after it still runs in the other case
        if returned is not None:
            raise returned

    def assign(self, target: ast.AST, value, frame: Frame) -> None:
        if isinstance(target, ast.Name):
            frame.local[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, (list, tuple)) and len(value) == len(target.elts):
                for elt, item in zip(target.elts, value):
                    self.assign(elt, item, frame)
            else:
                for elt in target.elts:
                    self.assign(elt, UNKNOWN, frame)
        elif isinstance(target, ast.Subscript):
            owner, key = self.eval(target.value, frame), self.eval(target.slice, frame)
            if isinstance(owner, dict) and not isinstance(key, Unknown):
                owner[key] = value

    # --- expressions ----------------------------------------------------------------------------
    def eval(self, expr: ast.AST, frame: Frame):
        if isinstance(expr, ast.Call):
            return self.call(expr, frame)
        if isinstance(expr, ast.Subscript):
            owner, key = self.eval(expr.value, frame), self.eval(expr.slice, frame)
            if isinstance(owner, dict) and not isinstance(key, Unknown):
                return owner.get(key, UNKNOWN)
        if isinstance(expr, (ast.List, ast.Tuple)) and any(isinstance(e, ast.Call) for e in expr.elts):
            out = [self.eval(e, frame) for e in expr.elts]
            return tuple(out) if isinstance(expr, ast.Tuple) else out
        return self.ev.value(expr, frame.module, frame.local)

    def _args(self, call: ast.Call, frame: Frame) -> tuple[list, dict]:
        args: list = []
        for arg in call.args:
            if isinstance(arg, ast.Starred):
                value = self.eval(arg.value, frame)
                args.extend(value if isinstance(value, (list, tuple)) else [UNKNOWN])
            else:
                args.append(self.eval(arg, frame))
        kwargs: dict = {}
        for kw in call.keywords:
            value = self.eval(kw.value, frame)
            if kw.arg is None:
                if isinstance(value, dict):
                    kwargs.update(value)
            else:
                kwargs[kw.arg] = value if not isinstance(value, Unknown) else self._callable_label(kw.value, value)
        return args, kwargs

    @staticmethod
    def _callable_label(expr: ast.AST, value):
        name = dotted(expr)
        if name is not None:
            return Callable_(name.split(".")[-1])
        if isinstance(expr, ast.Call):
            inner = ",".join((dotted(a) or "?").split(".")[-1] for a in expr.args)
            return Callable_(f"{(dotted(expr.func) or '?').split('.')[-1]}({inner})")
        return value

    def call(self, call: ast.Call, frame: Frame):
        func = call.func
        name = (dotted(func) or "").split(".")[-1]
        if isinstance(func, ast.Attribute):
            if isinstance(func.value, ast.Call) and (dotted(func.value.func) or "") == "super":
                return self._super(func.attr, call, frame)
            owner = self.eval(func.value, frame)
            method = func.attr
            if isinstance(owner, ParserObj):
                return self._parser_method(owner, method, call, frame)
            if isinstance(owner, dict):
                return self._dict_method(owner, method, call, frame)
            if isinstance(owner, list):
                args, _ = self._args(call, frame)
                if method == "remove" and args and args[0] in owner:
                    owner.remove(args[0])
                elif method == "append" and args:
                    owner.append(args[0])
                elif method == "extend" and args and isinstance(args[0], (list, tuple)):
                    owner.extend(args[0])
                return None
            if isinstance(owner, ClassRef):
                target = self.ev.class_attr(owner, method)
                if isinstance(target, FuncRef):
                    args, kwargs = self._args(call, frame)
                    return self.run(target, args, kwargs, cls=owner)
        if name.endswith("ArgumentParser"):  # argparse.ArgumentParser(...), FlexibleArgumentParser(...)
            return ParserObj()
        if name in ("get_kwargs", "_compute_kwargs"):
            args, _ = self._args(call, frame)
            if args and isinstance(args[0], ClassRef):
                key = id(args[0].node)
                if key not in self._kwargs_cache:
                    self._kwargs_cache[key] = config_kwargs(self.ev, args[0], self.rules)
                return fresh(self._kwargs_cache[key])
            return UNKNOWN
        target = self.eval(func, frame) if isinstance(func, (ast.Name, ast.Attribute)) else None
        if isinstance(target, FuncRef):
            args, kwargs = self._args(call, frame)
            if any(isinstance(a, (ParserObj, dict)) for a in [*args, *kwargs.values()]) or target.owner:
                return self.run(target, args, kwargs)
        value = self.ev.value(call, frame.module, frame.local)
        return self._callable_label(call, value) if isinstance(value, Unknown) else value

    def _super(self, method: str, call: ast.Call, frame: Frame):
        if frame.cls is None:
            return UNKNOWN
        for base in self.ev.bases(frame.cls):
            target = self.ev.class_attr(base, method)
            if isinstance(target, FuncRef):
                args, kwargs = self._args(call, frame)
                return self.run(target, args, kwargs, cls=frame.local.get("cls", frame.cls)
                                if isinstance(frame.local.get("cls"), ClassRef) else base)
        return UNKNOWN

    def _dict_method(self, owner: dict, method: str, call: ast.Call, frame: Frame):
        args, kwargs = self._args(call, frame)
        if method == "update":
            if args and isinstance(args[0], dict):
                owner.update(args[0])
            owner.update(kwargs)
            return None
        if method in ("pop", "get", "setdefault") and args and not isinstance(args[0], Unknown):
            fallback = args[1] if len(args) > 1 else None
            if method == "pop":
                return owner.pop(args[0], fallback)
            if method == "setdefault":
                return owner.setdefault(args[0], fallback)
            return owner.get(args[0], fallback)
        if method in ("items", "keys", "values"):
            return list(getattr(owner, method)())
        if method == "copy":
            return dict(owner)
        return UNKNOWN

    def _parser_method(self, owner: ParserObj, method: str, call: ast.Call, frame: Frame):
        if method in ("add_argument_group", "add_mutually_exclusive_group"):
            return ParserObj()
        if method != "add_argument":
            return None
        args, kwargs = self._args(call, frame)
        options = [a for a in args if isinstance(a, str) and a.startswith("-")]
        if not options:
            return None  # a positional (vllm serve's model_tag lives outside make_arg_parser)
        self.record(options, kwargs, frame)
        return None

    def record(self, options: list[str], kw: dict, frame: Frame) -> None:
        action = label(kw.get("action"))
        if action and action.startswith("argparse."):
            action = action.split(".")[-1]
        long = [o for o in options if o.startswith("--")]
        dest = kw.get("dest") if isinstance(kw.get("dest"), str) else (long or options)[0].lstrip("-").replace("-", "_")
        if action == "BooleanOptionalAction":
            options = options + ["--no-" + o[2:] for o in long if not o.startswith("--no-")]
        choices = kw.get("choices")
        if isinstance(choices, LiteralType):
            choices = list(choices.values)
        elif isinstance(choices, dict):
            choices = list(choices)
        elif isinstance(choices, (tuple, set)):
            choices = list(choices)
        elif not isinstance(choices, list):
            choices = None if choices is None else ["<computed>"]
        help_text = kw.get("help")
        deprecated = bool(kw.get("deprecated") is True or (isinstance(help_text, str) and "deprecated" in help_text.lower()))
        default = kw.get("default", {"store_true": False, "store_false": True}.get(action or ""))  # argparse's own
        record = FlagRecord(options=options, dest=dest, default=_plain(default),
                            choices=[_plain(c) for c in choices] if choices is not None else None,
                            type=label(kw.get("type")), action=action, nargs=_plain(kw.get("nargs")),
                            const=_plain(kw.get("const")), metavar=kw.get("metavar") if isinstance(kw.get("metavar"), str) else None,
                            deprecated=deprecated, source=frame.module.rel)
        for option in options:
            old = self.flags.get(option)
            if old is not None and old is not record:
                for other in old.options:
                    if other in self.flags and self.flags[other] is old:
                        del self.flags[other]
        for option in options:
            self.flags[option] = record

    def records(self) -> list[FlagRecord]:
        seen: dict[int, FlagRecord] = {}
        for record in self.flags.values():
            seen.setdefault(id(record), record)
        return list(seen.values())


def _plain(value):
    if isinstance(value, EnumMember):
        return value.value if value.value is not None else value.name.lower()
    if isinstance(value, (Callable_, FuncRef, ClassRef, ModRef)):
        return "<computed>"
    if isinstance(value, Unknown):
        return "<computed>"
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return "<computed>"
