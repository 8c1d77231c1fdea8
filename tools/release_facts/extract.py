"""One release's source -> its facts; many releases -> the compact data file.

The data file deduplicates: each distinct flag spec and each distinct name list is stored once and
releases refer to them by index, so 80 releases of ~100-330 flags stay well under 1 MB.
"""

from __future__ import annotations

import json
from pathlib import Path

from tools.release_facts.argparse_trace import FlagRecord
from tools.release_facts.defaults import batch_default_tables
from tools.release_facts.evaluate import Evaluator, LiteralType
from tools.release_facts.fetch import release_key
from tools.release_facts.registries import parsers, quantization_methods
from tools.release_facts.serve_parser import serve_flags
from tools.release_facts.source import SourceTree

FORMAT = 1
# Settings whose default the planner reads; None in the parser means vLLM computes it at start-up.
KEY_DEFAULTS = ("gpu_memory_utilization", "block_size", "max_num_seqs", "max_num_batched_tokens", "swap_space",
                "max_model_len", "enable_prefix_caching", "enable_chunked_prefill", "kv_cache_dtype", "dtype",
                "tensor_parallel_size", "pipeline_parallel_size", "cpu_offload_gb", "enforce_eager")
SPEC_FIELDS = ("options", "dest", "default", "choices", "type", "action", "nargs", "boolean", "takes_value",
               "deprecated", "source")


def _spec(record: FlagRecord) -> list:
    choices = None
    if record.choices is not None:
        choices = [str(c) for c in record.choices if c is not None]
    return [record.options, record.dest, record.default, choices, record.type, record.action, record.nargs,
            record.boolean, record.takes_value, record.deprecated, record.source]


def _cache_dtypes(tree: SourceTree, ev: Evaluator, flag: FlagRecord | None) -> tuple[list[str], str | None]:
    """The CacheDType Literal where the release has one (0.34 accepts any string on the command line
    but still names its own dtypes there), else the flag's choices."""
    for module in ("vllm.config.cache", "vllm.config"):
        found = tree.lookup(module, "CacheDType")
        if found is not None and found.kind == "value":
            value = ev.binding_value(found)
            if isinstance(value, LiteralType) and value.values:
                return sorted(str(v) for v in value.values), found.module.rel
    if flag is not None and flag.choices and "<computed>" not in flag.choices:
        return sorted(str(c) for c in flag.choices if c is not None), flag.source
    return [], None


def release_facts(version: str, root: Path) -> dict:
    """Everything the data file holds about one release, read from its source under `root`."""
    tree = SourceTree(root)
    ev = Evaluator(tree)
    records, parser_file = serve_flags(tree, ev)
    by_option = {o: r for r in records for o in r.options}
    sources: dict[str, object] = {"serve_parser": parser_file,
                                  "flags": sorted({r.source for r in records})}
    kv_dtypes, sources["kv_cache_dtypes"] = _cache_dtypes(tree, ev, by_option.get("--kv-cache-dtype"))

    def registry(found, flag: str, key: str) -> list[str]:
        if found is not None:
            sources[key] = found.source
            return list(found.names)
        record = by_option.get(flag)  # before a registry existed, the flag's choices were the list
        if record is not None and record.choices and "<computed>" not in record.choices:
            sources[key] = record.source
            return sorted(str(c) for c in record.choices if c is not None)
        sources[key] = None
        return []

    quant = registry(quantization_methods(tree, ev), "--quantization", "quantization_methods")
    reasoning = registry(parsers(tree, ev, "reasoning"), "--reasoning-parser", "reasoning_parsers")
    tools = registry(parsers(tree, ev, "tool"), "--tool-call-parser", "tool_parsers")
    tables, table_source = batch_default_tables(tree, ev)
    sources["batch_defaults"] = table_source
    by_dest = {r.dest: r for r in records}
    defaults = {}
    for name in KEY_DEFAULTS:
        record = by_dest.get(name)
        if record is not None:
            value = record.default
            defaults[name] = "computed" if value is None or value == "<computed>" else value
    serve = tree.exists("vllm/entrypoints/cli/serve.py") or tree.exists("vllm/scripts.py")
    return {"version": version, "flags": [_spec(r) for r in records], "quantization_methods": quant,
            "kv_cache_dtypes": sorted(kv_dtypes), "reasoning_parsers": reasoning, "tool_parsers": tools,
            "batch_defaults": tables, "defaults": defaults, "serve_command": serve, "sources": sources}


class _Interner:
    def __init__(self):
        self.items: list = []
        self._index: dict[str, int] = {}

    def add(self, item) -> int:
        key = json.dumps(item, sort_keys=True)
        if key not in self._index:
            self._index[key] = len(self.items)
            self.items.append(item)
        return self._index[key]


def build(per_release: list[dict]) -> dict:
    """The data file's content: shared tables plus, per release, indices into them."""
    specs, lists, tables = _Interner(), _Interner(), _Interner()
    releases = {}
    for facts in sorted(per_release, key=lambda f: release_key(f["version"])):
        flag_ids = sorted(specs.add(spec) for spec in facts["flags"])
        releases[facts["version"]] = {
            "flags": lists.add(flag_ids),
            "quantization_methods": lists.add(facts["quantization_methods"]),
            "kv_cache_dtypes": lists.add(facts["kv_cache_dtypes"]),
            "reasoning_parsers": lists.add(facts["reasoning_parsers"]),
            "tool_parsers": lists.add(facts["tool_parsers"]),
            "batch_defaults": tables.add(facts["batch_defaults"]),
            "defaults": facts["defaults"],
            "serve_command": facts["serve_command"],
            "sources": facts["sources"],
        }
    return {"format": FORMAT, "generated_by": "tools/vllm_release_facts.py",
            "spec_fields": list(SPEC_FIELDS), "specs": specs.items, "lists": lists.items,
            "tables": tables.items, "releases": releases}


def unbuild(data: dict) -> list[dict]:
    """The per-release facts back out of a data file (so one release can be added without
    re-extracting the others)."""
    lists, tables = data["lists"], data["tables"]
    out = []
    for version, entry in data["releases"].items():
        out.append({"version": version, "flags": [data["specs"][i] for i in lists[entry["flags"]]],
                    **{key: lists[entry[key]] for key in ("quantization_methods", "kv_cache_dtypes",
                                                           "reasoning_parsers", "tool_parsers")},
                    "batch_defaults": tables[entry["batch_defaults"]], "defaults": entry["defaults"],
                    "serve_command": entry["serve_command"], "sources": entry["sources"]})
    return out


def write(data: dict, path: Path) -> int:
    text = json.dumps(data, separators=(",", ":"), sort_keys=False)
    path.write_text(text + "\n", encoding="utf-8")
    return len(text) + 1
