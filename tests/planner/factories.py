"""Hand-built facts for planner tests: the planner is pure, so tests feed it facts directly."""

from __future__ import annotations

from wizard.hardware.facts import GpuFacts, HardwareFacts
from wizard.model.facts import ArchitectureFacts, ModelFacts, ParserFacts, QuantizationFacts, WeightFacts

GIB = 1 << 30
H100_TOTAL = 85_031_714_816  # 79.19 GiB, as cudaMemGetInfo reports an idle H100 80GB


def gpu(index: int = 0, *, name: str = "NVIDIA H100 80GB HBM3", total: int = H100_TOTAL, used: int = 0,
        cc: str = "9.0") -> GpuFacts:
    return GpuFacts(index=index, name=name, total_bytes=total, used_bytes=used, free_bytes=total - used,
                    compute_capability=cc)


def hardware(*gpus: GpuFacts, source: str = "catalog") -> HardwareFacts:
    return HardwareFacts(source=source, gpus=tuple(gpus))


def llama31_8b(**overrides) -> ModelFacts:
    """Llama-3.1-8B-Instruct exactly as the research note's worked example describes it."""
    h, layers, inter, vocab = 4096, 32, 14336, 128256
    per_layer_attn_qo = 2 * h * h * 2
    per_layer_attn_kv = 2 * h * 1024 * 2
    per_layer_mlp = 3 * h * inter * 2
    roles = {
        "embed": vocab * h * 2, "lm_head": vocab * h * 2,
        "attn_qo": layers * per_layer_attn_qo, "attn_kv": layers * per_layer_attn_kv,
        "mlp": layers * per_layer_mlp, "norm": (layers * 2 + 1) * h * 2,
    }
    total = sum(roles.values())
    arch = ArchitectureFacts(
        hidden_size=h, num_layers=layers, num_attention_heads=32, num_kv_heads=8, head_dim=128,
        intermediate_size=inter, vocab_size=vocab, torch_dtype="bfloat16",
        max_length_keys={"max_position_embeddings": 131072},
        rope_scaling={"rope_type": "llama3", "factor": 8.0, "original_max_position_embeddings": 8192},
        full_attention_layers=layers,
    )
    facts = dict(
        source="local", id="meta-llama/Llama-3.1-8B-Instruct", path="/models/llama", architectures=("LlamaForCausalLM",),
        model_type="llama", arch=arch,
        weights=WeightFacts(source="safetensors", total_bytes=total, params=total // 2, bytes_by_dtype={"BF16": total},
                            bytes_by_role=roles, tensor_count=291, shard_count=4, checkpoint_dtype="bfloat16"),
        parsers=ParserFacts(tool_call_parser="llama3_json", chat_template="tokenizer_config.json",
                            evidence=("llama family",)),
        has_tokenizer=True,
    )
    facts.update(overrides)
    return ModelFacts(**facts)


def with_quant(model: ModelFacts, **quant) -> ModelFacts:
    return model.model_copy(update={"quantization": QuantizationFacts(**{"source_file": "config.json", **quant})})
