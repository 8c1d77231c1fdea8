"""Model folders for the seed scenarios (shared/seeds/): configs modelled on the public checkpoints,
with their quantization configs and chat templates, written as real folders (sparse shards)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from support import make_model_folder

QWEN3_THINK = "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>' }}{%- endif %}"
QWEN_XML_TOOLS = "<tool_call>\n<function={{ tc.name }}>\n<parameter={{ k }}>\n{{ v }}\n</parameter>\n</function>\n</tool_call>"
HERMES_TOOLS = '{%- if tools %}<tools>{{ tools }}</tools> ... <tool_call>\n{"name": ...}\n</tool_call>{%- endif %}'
R1_DISTILL = "<｜Assistant｜><think>\n"
CHATML = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>{% endfor %}"

# Qwen3.5-9B (seed 000), quantized to 4-bit with llm-compressor: compressed-tensors W4A16.
QWEN35_9B_CT = {
    "architectures": ["Qwen3_5ForConditionalGeneration"], "model_type": "qwen3_5",
    "text_config": {"model_type": "qwen3_5_text", "hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 16,
                    "num_key_value_heads": 4, "head_dim": 256, "intermediate_size": 12288, "linear_num_key_heads": 16,
                    "linear_num_value_heads": 32, "linear_key_head_dim": 128, "linear_value_head_dim": 128,
                    "linear_conv_kernel_dim": 4, "vocab_size": 248320, "tie_word_embeddings": False,
                    "max_position_embeddings": 262144, "partial_rotary_factor": 0.25,
                    "layer_types": ["linear_attention", "linear_attention", "linear_attention", "full_attention"] * 8},
    "vision_config": {"depth": 27, "hidden_size": 1152, "intermediate_size": 4304, "patch_size": 16,
                      "out_hidden_size": 4096, "num_position_embeddings": 2304, "num_heads": 16,
                      "deepstack_visual_indexes": [], "model_type": "qwen3_5"},
    "torch_dtype": "bfloat16",
    "quantization_config": {
        "quant_method": "compressed-tensors", "format": "pack-quantized",
        "config_groups": {"group_0": {"targets": ["Linear"], "weights": {
            "num_bits": 4, "type": "int", "symmetric": True, "strategy": "group", "group_size": 128}}},
        "ignore": ["lm_head", "re:.*visual.*", "re:.*linear_attn.*"],
    },
}
# DeepSeek-R1-Distill-Qwen-32B GPTQ Int4 (seed 001) and Qwen2.5-32B-Instruct-GPTQ-Int4 (seed 002).
QWEN25_32B = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 5120, "num_hidden_layers": 64,
    "num_attention_heads": 40, "num_key_value_heads": 8, "intermediate_size": 27648, "vocab_size": 152064,
    "max_position_embeddings": 32768, "rope_theta": 1000000.0, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
    "sliding_window": 131072, "use_sliding_window": False,
}
GPTQ_INT4 = {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": False, "sym": True}
# Qwen1.5-14B-Chat (seed 004).
QWEN15_14B = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 5120, "num_hidden_layers": 40,
    "num_attention_heads": 40, "num_key_value_heads": 40, "intermediate_size": 13696, "vocab_size": 152064,
    "max_position_embeddings": 32768, "rope_theta": 1000000.0, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
}
# DeepSeek-R1-Distill-Llama-70B (seed 003).
LLAMA_70B = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8192, "num_hidden_layers": 80,
    "num_attention_heads": 64, "num_key_value_heads": 8, "intermediate_size": 28672, "vocab_size": 128256,
    "max_position_embeddings": 131072, "rope_theta": 500000.0, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
    "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                     "original_max_position_embeddings": 8192},
}


def _folder(root: Path, name: str, config: dict, template: str | None) -> Path:
    extra = {"tokenizer.json": "{}"}
    if template is not None:
        extra["tokenizer_config.json"] = {"chat_template": template}
    return make_model_folder(root / name, copy.deepcopy(config), extra=extra)


@pytest.fixture(scope="session")
def seed_models(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("check-models")
    return {
        "qwen35_9b_awq": _folder(root, "Qwen3.5-9B-AWQ-4bit", QWEN35_9B_CT, "<think>\n" + QWEN_XML_TOOLS),
        "r1_qwen_32b_gptq": _folder(root, "DeepSeek-R1-Distill-Qwen-32B-GPTQ-Int4",
                                    {**QWEN25_32B, "torch_dtype": "float16", "quantization_config": GPTQ_INT4},
                                    R1_DISTILL),
        "qwen25_32b_gptq": _folder(root, "Qwen2.5-32B-Instruct-GPTQ-Int4",
                                   {**QWEN25_32B, "torch_dtype": "float16", "quantization_config": GPTQ_INT4},
                                   CHATML + HERMES_TOOLS),
        "qwen15_14b": _folder(root, "Qwen1.5-14B-Chat", QWEN15_14B, CHATML),
        "r1_llama_70b": _folder(root, "DeepSeek-R1-Distill-Llama-70B", LLAMA_70B, R1_DISTILL),
    }
