"""Weights that change after loading: in-flight bitsandbytes, LoRA slabs, MLA absorbed matrices,
speculative drafters; each against the vLLM mechanism (and a real start-up log where one exists)."""

from factories import GIB, llama31_8b, with_quant
from test_inputs_settings import plan

from wizard.model.facts import ArchitectureFacts, ModelFacts, WeightFacts
from wizard.planner.weights import BNB_NF4_BYTES_PER_WEIGHT, plan_weights


def dense_model(*, h, layers, heads, kv, d, inter, vocab, max_pos, tied=False, model_type="qwen2", bias=True):
    """A dense decoder's exact bf16 bytes by role, as the safetensors reader reports them."""
    q, k = heads * d, kv * d
    roles = {
        "embed": vocab * h * 2, "lm_head": 0 if tied else vocab * h * 2,
        "attn_qo": layers * 2 * h * q * 2 + (layers * q * 2 if bias else 0),
        "attn_kv": layers * 2 * h * k * 2 + (layers * 2 * k * 2 if bias else 0),
        "mlp": layers * 3 * h * inter * 2, "norm": (layers * 2 + 1) * h * 2,
    }
    total = sum(roles.values())
    arch = ArchitectureFacts(hidden_size=h, num_layers=layers, num_attention_heads=heads, num_kv_heads=kv, head_dim=d,
                             intermediate_size=inter, vocab_size=vocab, torch_dtype="bfloat16",
                             tie_word_embeddings=tied, max_length_keys={"max_position_embeddings": max_pos},
                             full_attention_layers=layers)
    return ModelFacts(source="local", id=f"test/{model_type}", model_type=model_type, arch=arch,
                      weights=WeightFacts(source="safetensors", total_bytes=total, params=total // 2,
                                          bytes_by_dtype={"BF16": total}, bytes_by_role=roles,
                                          checkpoint_dtype="bfloat16"))


QWEN25_7B_1M = dense_model(h=3584, layers=28, heads=28, kv=4, d=128, inter=18944, vocab=152064, max_pos=1_010_000)
LLAMA3_70B = dense_model(h=8192, layers=80, heads=64, kv=8, d=128, inter=28672, vocab=128256, max_pos=131072,
                         model_type="llama", bias=False)


def test_nf4_bytes_per_weight_follow_bitsandbytes_blocks():
    # 4-bit codes, one uint8 absmax per 64 weights, one fp32 absmax per 256 blocks.
    assert BNB_NF4_BYTES_PER_WEIGHT == 0.5 + 1 / 64 + 4 / 16384


def test_in_flight_bnb_matches_the_0_7_3_log():
    """Record pub-qwen25-7b-1m-bnb4-rtx3050-6gb-wsl-v073-v0-negative-kv: "model weights take 5.43GiB"."""
    w = plan_weights(QWEN25_7B_1M, tp=1, pp=1, dtype="bfloat16", online_quant="bitsandbytes")
    assert abs(w.worst_bytes / GIB / 5.43 - 1) < 0.01  # the weights target: within 1% (5.41 here)
    # Embeddings and lm_head stay in 16 bits: the whole 16-bit vocabulary pair is still there.
    assert w.worst_bytes > 2 * 152064 * 3584 * 2


def test_70b_with_bitsandbytes_is_not_planned_at_full_size():
    full = plan_weights(LLAMA3_70B, tp=1, pp=1, dtype="bfloat16").worst_bytes
    bnb = plan_weights(LLAMA3_70B, tp=1, pp=1, dtype="bfloat16", online_quant="bitsandbytes").worst_bytes
    assert full / GIB > 131
    assert 36 < bnb / GIB < 38.5
    p = plan("0.6.3", "quantization=bitsandbytes", "max-model-len=8192", model=LLAMA3_70B)
    assert p.ok and p.worst.weights / GIB < 38.5


def test_prequantized_bnb_checkpoint_keeps_its_header_bytes():
    model = llama31_8b().model_copy(update={"quantization": None})
    quantized = with_quant(model, method="bitsandbytes", bits=4)
    a = plan_weights(quantized, tp=1, pp=1, dtype="bfloat16", online_quant=None).worst_bytes
    b = plan_weights(model, tp=1, pp=1, dtype="bfloat16").worst_bytes
    assert a == b  # the headers already hold the packed sizes; nothing is re-quantized

