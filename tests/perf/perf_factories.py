"""Hand-built model facts and inputs for the performance-model tests (the model is pure)."""

from __future__ import annotations

from wizard.hardware.catalog import catalog_hardware
from wizard.hardware.facts import HardwareFacts
from wizard.model.estimate import estimate_weights
from wizard.model.facts import ArchitectureFacts, ModelFacts, MoeFacts, QuantizationFacts
from wizard.perf.inputs import PerfInputs, build_inputs
from wizard.planner.settings import Settings
from wizard.planner.versions import VllmVersion


def model(hidden=4096, layers=32, heads=32, kv=8, inter=14336, vocab=128256, *, moe: MoeFacts | None = None,
          quant: QuantizationFacts | None = None, dtype="bfloat16", name="test/dense") -> ModelFacts:
    arch = ArchitectureFacts(
        hidden_size=hidden, num_layers=layers, num_attention_heads=heads, num_kv_heads=kv, head_dim=hidden // heads,
        intermediate_size=inter, vocab_size=vocab, torch_dtype=dtype,
        max_length_keys={"max_position_embeddings": 131072}, full_attention_layers=layers, moe=moe,
    )
    return ModelFacts(source="local", id=name, arch=arch, weights=estimate_weights(arch, quant), quantization=quant,
                      architectures=("LlamaForCausalLM",), model_type="llama")


def llama8b(**kw) -> ModelFacts:
    return model(**kw)


def llama70b(**kw) -> ModelFacts:
    return model(8192, 80, 64, 8, 28672, 128256, name="test/llama-70b", **kw)


def gptq(bits=4, group=128, desc_act=False) -> QuantizationFacts:
    return QuantizationFacts(method="gptq", source_file="config.json", bits=bits, group_size=group, desc_act=desc_act,
                             symmetric=True)


def awq() -> QuantizationFacts:
    return QuantizationFacts(method="awq", source_file="config.json", bits=4, group_size=128, symmetric=False)


def hardware(gpu: str, count: int = 1) -> HardwareFacts:
    return catalog_hardware(gpu, count=count)


def inputs(facts: ModelFacts, gpu: str = "A100 80GB", count: int = 1, version: str = "0.10.1",
           hw: HardwareFacts | None = None, **settings) -> PerfInputs:
    hw = hw or hardware(gpu, count)
    s = Settings(**settings)
    return build_inputs(facts, hw, list(hw.gpus), s, VllmVersion.parse(version))
