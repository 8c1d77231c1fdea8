"""Helpers shared across test areas (importable as `support`): model folders and the CLI runner."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from wizard.model.synthetic import write_model_folder
from wizard.model.synthetic_arch import tensors_for_config

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

LLAMA31_8B_CONFIG = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 128256,
    "max_position_embeddings": 131072, "torch_dtype": "bfloat16", "tie_word_embeddings": False,
    "rms_norm_eps": 1e-5, "rope_theta": 500000.0,
    "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                     "original_max_position_embeddings": 8192},
}
LLAMA_TOKENIZER_CONFIG = {
    "model_max_length": 131072,
    "chat_template": "{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>{{ m.content }}"
                     "{% endfor %}{% if tools %}<|python_tag|>{% endif %}",
}


def make_model_folder(dest: Path, config: dict, *, shards: int = 4, extra: dict | None = None) -> Path:
    return write_model_folder(dest, config, tensors_for_config(config), shards=shards, extra_files=extra or {})



def run_cli(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wizard", *args], capture_output=True, text=True,
                          env=env, timeout=timeout, cwd=ROOT)
