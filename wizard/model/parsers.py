"""Which `--reasoning-parser` and `--tool-call-parser` a model needs.

The family (model_type, then architectures) proposes parsers; the chat template must confirm each
one with its markers, because one family ships both thinking and non-thinking, tool and no-tool
variants. A template without any tool section gets no tool parser: enabling auto tool choice there
only produces errors. Markers alone (no known family) still work for fine-tunes such as Hermes or
the R1 distills, whose model_type is their base model's.
"""

from __future__ import annotations

import re
from typing import Literal, cast
from collections.abc import Mapping
from dataclasses import dataclass

from wizard.errors import ModelFileError
from wizard.model.facts import ParserFacts
from wizard.i18n import msg

# (parser, regexes that must all be found in the template)
Option = tuple[str, tuple[str, ...]]

THINK = r"<think>"
THINKING_KWARG = r"\bthinking\b"  # DeepSeek-V3.1 / Granite's `thinking=True`; not enable_thinking
DS_TOOLS = r"<｜tool▁calls▁begin｜>"
HARMONY = r"<\|channel\|>"

TemplateFile = Literal["tokenizer_config.json", "chat_template.jinja", "chat_template.json"]


@dataclass(frozen=True)
class Family:
    name: str
    model_types: tuple[str, ...]
    arch_prefixes: tuple[str, ...] = ()
    reasoning: tuple[Option, ...] = ()
    tools: tuple[Option, ...] = ()


# Order matters only for architecture matching: Kimi-K2 reuses DeepseekV3ForCausalLM.
FAMILIES: tuple[Family, ...] = (
    Family("Qwen3.5", ("qwen3_5", "qwen3_5_moe", "qwen3_5_text", "qwen3_5_moe_text"), ("Qwen3_5",),
           (("qwen3", (THINK,)),), (("qwen3_coder", (r"<function=",)), ("hermes", (r"<tool_call>",)))),
    Family("Qwen3", ("qwen3", "qwen3_moe", "qwen3_next", "qwen3_vl", "qwen3_vl_moe", "qwen3_vl_text",
                     "qwen3_vl_moe_text", "qwen3_omni_moe"), ("Qwen3",),
           (("qwen3", (r"<think>|enable_thinking",)),),
           (("qwen3_coder", (r"<function=", r"<parameter=")), ("hermes", (r"<tool_call>",)))),
    Family("Qwen2", ("qwen2", "qwen2_moe", "qwen2_vl", "qwen2_5_vl", "qwen2_5_omni"), ("Qwen2",),
           (("deepseek_r1", (THINK,)),), (("deepseek_v3", (DS_TOOLS,)), ("hermes", (r"<tool_call>",)))),
    Family("Kimi-K2", ("kimi_k2",), ("KimiK2",),
           (("kimi_k2", (THINK,)),), (("kimi_k2", (r"<\|tool_calls_section_begin\|>|<\|tool_call_begin\|>",)),)),
    Family("DeepSeek-V3.2", ("deepseek_v32",), ("DeepseekV32",), (("deepseek_v3", (THINK,)),), (("deepseek_v32", (DS_TOOLS,)),)),
    Family("DeepSeek", ("deepseek_v3", "deepseek_v2"), ("DeepseekV3", "DeepseekV2"),
           (("deepseek_v3", (THINKING_KWARG, r"</think>")), ("deepseek_r1", (THINK,))),
           (("deepseek_v31", (DS_TOOLS, THINKING_KWARG)), ("deepseek_v3", (DS_TOOLS,)))),
    Family("gpt-oss", ("gpt_oss",), ("GptOss",),
           (("openai_gptoss", (HARMONY,)),), (("openai", (HARMONY, r"functions")),)),
    Family("Llama 4", ("llama4",), ("Llama4",), (), (("llama4_pythonic", (r"\btools\b",)),)),
    Family("Llama", ("llama",), ("Llama",), (), (("llama3_json", (r"<\|python_tag\|>|ipython",)),)),
    Family("Mistral", ("mistral", "mixtral", "mistral3", "ministral", "pixtral"), ("Mistral", "Mixtral"),
           (("mistral", (r"\[THINK\]",)),), (("mistral", (r"\[TOOL_CALLS\]|\[AVAILABLE_TOOLS\]",)),)),
    Family("GLM-4.5/4.6", ("glm4_moe", "glm4v_moe"), ("Glm4Moe",),
           (("glm45", (THINK,)),), (("glm45", (r"<tool_call>|<arg_key>",)),)),
    Family("Granite 4", ("granitemoehybrid",), ("GraniteMoeHybrid",), (), (("granite4", (r"<tool_call>|<\|tool_call\|>",)),)),
    Family("Granite", ("granite", "granitemoe"), ("Granite",),
           (("granite", (THINKING_KWARG,)),), (("granite", (r"<\|tool_call\|>",)),)),
    Family("Hunyuan", ("hunyuan_v1_moe",), ("HunYuanMoE",), (("hunyuan_a13b", (THINK,)),), (("hunyuan_a13b", (r"<tool_calls>",)),)),
    Family("MiniMax-M2", ("minimax_m2",), ("MiniMaxM2",),
           (("minimax_m2_append_think", (THINK,)),), (("minimax_m2", (r"<minimax:tool_call>",)),)),
    Family("ERNIE 4.5", ("ernie4_5", "ernie4_5_moe"), ("Ernie4_5",), (("ernie45", (THINK,)),), (("ernie45", (r"<tool_call>",)),)),
    Family("Seed-OSS", ("seed_oss",), ("SeedOss",), (("seed_oss", (r"<seed:think>",)),), (("seed_oss", (r"<seed:tool_call>",)),)),
    Family("Olmo 3", ("olmo3",), ("Olmo3",), (("olmo3", (THINK,)),), (("olmo3", (r"\btools\b",)),)),
    Family("InternLM2", ("internlm2",), ("InternLM2",), (), (("internlm", (r"<\|plugin\|>|<\|action_start\|>",)),)),
    Family("Jamba", ("jamba",), ("Jamba",), (), (("jamba", (r"<tool_calls>",)),)),
    Family("Phi-4-mini", ("phi3",), ("Phi3",), (), (("phi4_mini_json", (r"<\|tool\|>",)),)),
)
# Markers that identify a format whatever the base model (fine-tunes keep the base model_type).
GENERIC_REASONING: tuple[Option, ...] = (("openai_gptoss", (HARMONY,)), ("deepseek_r1", (THINK,)))
GENERIC_TOOLS: tuple[Option, ...] = (
    ("openai", (HARMONY, r"functions")),
    ("qwen3_coder", (r"<function=", r"<parameter=")),
    ("deepseek_v3", (DS_TOOLS,)),
    ("mistral", (r"\[TOOL_CALLS\]",)),
    ("llama3_json", (r"<\|python_tag\|>",)),
    ("hermes", (r"<tool_call>",)),
)


def find_family(model_types: tuple[str | None, ...], architectures: tuple[str, ...]) -> Family | None:
    for mt in model_types:
        for family in FAMILIES:
            if mt in family.model_types:
                return family
    for family in FAMILIES:
        if any(a.startswith(family.arch_prefixes) for a in architectures if family.arch_prefixes):
            return family
    return None


def _pick(options: tuple[Option, ...], template: str) -> tuple[str, str] | None:
    """The first option whose markers are all in the template, with the markers for evidence."""
    for parser, markers in options:
        found = [hit for m in markers if (hit := re.search(m, template))]
        if len(found) == len(markers):
            return parser, ", ".join(repr(hit.group(0)) for hit in found)
    return None


def detect_parsers(
    model_types: tuple[str | None, ...],
    architectures: tuple[str, ...],
    template: str | None,
    template_source: str | None,
) -> ParserFacts:
    family = find_family(model_types, architectures)
    evidence: list[str] = []
    if family is not None:
        evidence.append(msg("model.parsers.family", family=family.name))
    if template is None:
        evidence.append(msg("model.parsers.no_template"))
        return ParserFacts(evidence=tuple(evidence))
    chosen: dict[str, str | None] = {}
    for kind, own, generic in (
        ("reasoning", family.reasoning if family else (), GENERIC_REASONING),
        ("tool-call", family.tools if family else (), GENERIC_TOOLS),
    ):
        hit = _pick(own, template) or _pick(generic, template)
        chosen[kind] = hit[0] if hit else None
        if hit:
            evidence.append(msg("model.parsers.hit_reasoning" if kind == "reasoning" else "model.parsers.hit_tool",
                                source=template_source, markers=hit[1], parser=hit[0]))
        elif kind == "tool-call":
            evidence.append(msg("model.parsers.no_tool", source=template_source))
        else:
            evidence.append(msg("model.parsers.no_thinking", source=template_source))
    return ParserFacts(
        reasoning_parser=chosen["reasoning"],
        tool_call_parser=chosen["tool-call"],
        chat_template=cast(TemplateFile | None, template_source),
        evidence=tuple(evidence),
    )


def chat_template(
    jinja: str | None, template_json: object, tokenizer_config: Mapping[str, object] | None, prefix: str = ""
) -> tuple[str | None, str | None]:
    """The template text and the file it came from, in the order transformers prefers them.
    A tokenizer_config.json list of named templates (default, tool_use, ...) is searched as one."""
    if jinja is not None:
        return jinja, "chat_template.jinja"
    if template_json is not None:
        value = template_json.get("chat_template") if isinstance(template_json, dict) else None
        if not isinstance(value, str):
            raise ModelFileError(prefix + "chat_template.json", msg("model.problem.chat_template_json"))
        return value, "chat_template.json"
    value = (tokenizer_config or {}).get("chat_template")
    if value is None:
        return None, None
    if isinstance(value, str):
        return value, "tokenizer_config.json"
    if isinstance(value, list) and all(isinstance(t, dict) and isinstance(t.get("template"), str) for t in value):
        return "\n".join(t["template"] for t in value), "tokenizer_config.json"
    raise ModelFileError(prefix + "tokenizer_config.json", msg("model.problem.chat_template_field"))
