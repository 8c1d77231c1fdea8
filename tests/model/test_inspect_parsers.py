"""Reasoning / tool-call parser per family, confirmed by chat-template markers."""

from __future__ import annotations

import pytest

from wizard.errors import ModelFileError
from wizard.model.parsers import chat_template, detect_parsers

HERMES_TOOLS = '{%- if tools %}<tools>{{ tools }}</tools> ... <tool_call>\n{"name": ...}\n</tool_call>{%- endif %}'
QWEN3_THINK = "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>' }}{%- endif %}"
QWEN_XML_TOOLS = "<tool_call>\n<function={{ tc.name }}>\n<parameter={{ k }}>\n{{ v }}\n</parameter>\n</function>\n</tool_call>"
DS_TOOLS = "{{'<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>'}}"
DS_V31 = "{% if not thinking is defined %}{% set thinking = false %}{% endif %}{{'</think>'}}" + DS_TOOLS
HARMONY = "<|start|>assistant<|channel|>analysis<|message|>... namespace functions {"
LLAMA31 = "{%- if tools %}Environment: ipython ... <|python_tag|>{{ tool_call.arguments | tojson }}"
MISTRAL = "[AVAILABLE_TOOLS]{{ tools }}[/AVAILABLE_TOOLS] ... [TOOL_CALLS]"

CASES = [
    # (model_type, architecture, template, reasoning, tool)
    ("qwen3", "Qwen3ForCausalLM", QWEN3_THINK + HERMES_TOOLS, "qwen3", "hermes"),
    ("qwen3_moe", "Qwen3MoeForCausalLM", HERMES_TOOLS, None, "hermes"),  # 2507 Instruct: no thinking
    ("qwen3_moe", "Qwen3MoeForCausalLM", QWEN_XML_TOOLS, None, "qwen3_coder"),  # Qwen3-Coder
    ("qwen3_next", "Qwen3NextForCausalLM", "<think>" + HERMES_TOOLS, "qwen3", "hermes"),
    ("qwen3_5", "Qwen3_5ForConditionalGeneration", "<think>\n" + QWEN_XML_TOOLS, "qwen3", "qwen3_coder"),
    ("qwen2", "Qwen2ForCausalLM", HERMES_TOOLS, None, "hermes"),  # Qwen2.5-Instruct
    ("qwen2", "Qwen2ForCausalLM", "<|im_start|>assistant\n<think>\n" + HERMES_TOOLS, "deepseek_r1", "hermes"),  # QwQ
    ("qwen2", "Qwen2ForCausalLM", "<｜Assistant｜><think>\n", "deepseek_r1", None),  # R1-Distill-Qwen
    ("deepseek_v3", "DeepseekV3ForCausalLM", "<｜Assistant｜><think>\n" + DS_TOOLS, "deepseek_r1", "deepseek_v3"),
    ("deepseek_v3", "DeepseekV3ForCausalLM", "<｜Assistant｜>" + DS_TOOLS, None, "deepseek_v3"),
    ("deepseek_v3", "DeepseekV3ForCausalLM", DS_V31, "deepseek_v3", "deepseek_v31"),
    ("kimi_k2", "DeepseekV3ForCausalLM", "<|tool_calls_section_begin|>", None, "kimi_k2"),
    ("kimi_k2", "DeepseekV3ForCausalLM", "<think></think><|tool_calls_section_begin|>", "kimi_k2", "kimi_k2"),
    ("gpt_oss", "GptOssForCausalLM", HARMONY, "openai_gptoss", "openai"),
    ("llama", "LlamaForCausalLM", LLAMA31, None, "llama3_json"),
    ("llama", "LlamaForCausalLM", "[INST] {{ message['content'] }} [/INST]", None, None),  # Llama 2: no tools
    ("llama", "LlamaForCausalLM", "<|im_start|>" + HERMES_TOOLS, None, "hermes"),  # Hermes-3 fine-tune
    ("llama", "LlamaForCausalLM", "<｜Assistant｜><think>\n", "deepseek_r1", None),  # R1-Distill-Llama
    ("llama4", "Llama4ForConditionalGeneration", "{%- if tools is not none %}", None, "llama4_pythonic"),
    ("mistral", "MistralForCausalLM", MISTRAL, None, "mistral"),
    ("mistral", "MistralForCausalLM", "[THINK]" + MISTRAL, "mistral", "mistral"),  # Magistral
    ("mixtral", "MixtralForCausalLM", "[INST]", None, None),
    ("glm4_moe", "Glm4MoeForCausalLM", "<think></think><tool_call>{{ name }}<arg_key>k</arg_key>", "glm45", "glm45"),
    ("granite", "GraniteForCausalLM", "{%- if thinking %}...<|tool_call|>", "granite", "granite"),
    ("granitemoehybrid", "GraniteMoeHybridForCausalLM", HERMES_TOOLS, None, "granite4"),
    ("hunyuan_v1_moe", "HunYuanMoEV1ForCausalLM", "<think></think><tool_calls>", "hunyuan_a13b", "hunyuan_a13b"),
    ("minimax_m2", "MiniMaxM2ForCausalLM", "<think><minimax:tool_call>", "minimax_m2_append_think", "minimax_m2"),
    ("ernie4_5_moe", "Ernie4_5_MoeForCausalLM", "<think><tool_call>", "ernie45", "ernie45"),
    ("seed_oss", "SeedOssForCausalLM", "<seed:think><seed:tool_call>", "seed_oss", "seed_oss"),
    ("olmo3", "Olmo3ForCausalLM", "<think> {% if tools %}", "olmo3", "olmo3"),
    ("internlm2", "InternLM2ForCausalLM", "<|plugin|>", None, "internlm"),
    ("jamba", "JambaForCausalLM", "<tool_calls>", None, "jamba"),
    ("phi3", "Phi3ForCausalLM", "<|tool|>{{ tools }}<|/tool|>", None, "phi4_mini_json"),
    (None, "SomethingNew", "<tool_call>", None, "hermes"),  # unknown family: markers alone
]


@pytest.mark.parametrize("model_type,arch,template,reasoning,tool", CASES)
def test_family_and_markers(model_type, arch, template, reasoning, tool):
    p = detect_parsers((model_type,), (arch,), template, "tokenizer_config.json")
    assert (p.reasoning_parser, p.tool_call_parser) == (reasoning, tool)
    assert p.chat_template == "tokenizer_config.json" and p.evidence


def test_architecture_alone_finds_the_family():
    p = detect_parsers((None,), ("GptOssForCausalLM",), HARMONY, "chat_template.jinja")
    assert "gpt-oss family" in p.evidence[0] and p.tool_call_parser == "openai"


def test_nested_text_model_type_counts():
    p = detect_parsers(("some_vlm", "qwen3_vl_text"), ("X",), QWEN3_THINK, "chat_template.json")
    assert p.reasoning_parser == "qwen3" and "Qwen3 family" in p.evidence[0]


def test_no_template_no_parsers():
    p = detect_parsers(("qwen3",), ("Qwen3ForCausalLM",), None, None)
    assert p.reasoning_parser is None and p.tool_call_parser is None and p.chat_template is None
    assert any("no chat template" in e for e in p.evidence)


def test_no_tool_section_is_said():
    p = detect_parsers(("qwen3",), ("Qwen3ForCausalLM",), QWEN3_THINK, "chat_template.jinja")
    assert p.reasoning_parser == "qwen3" and p.tool_call_parser is None
    assert any("no tool-call section" in e for e in p.evidence)
    assert any("enable_thinking" in e and e.endswith("reasoning parser qwen3") for e in p.evidence)


def test_template_sources_in_transformers_order():
    tok = {"chat_template": "from tokenizer"}
    assert chat_template("jinja", {"chat_template": "json"}, tok) == ("jinja", "chat_template.jinja")
    assert chat_template(None, {"chat_template": "json"}, tok) == ("json", "chat_template.json")
    assert chat_template(None, None, tok) == ("from tokenizer", "tokenizer_config.json")
    assert chat_template(None, None, {}) == (None, None)
    named = {"chat_template": [{"name": "default", "template": "a"}, {"name": "tool_use", "template": "<tool_call>"}]}
    text, source = chat_template(None, None, named)
    assert "<tool_call>" in text and source == "tokenizer_config.json"


@pytest.mark.parametrize("jinja,tjson,tok,file", [
    (None, {"chat_template": 3}, None, "chat_template.json"),
    (None, [1], None, "chat_template.json"),
    (None, None, {"chat_template": 5}, "tokenizer_config.json"),
    (None, None, {"chat_template": [{"name": "x"}]}, "tokenizer_config.json"),
])
def test_malformed_templates(jinja, tjson, tok, file):
    with pytest.raises(ModelFileError, match=file):
        chat_template(jinja, tjson, tok)
