"""Weights that change after loading: in-flight bitsandbytes, LoRA slabs, MLA absorbed matrices,
speculative drafters; each against the vLLM mechanism (and a real start-up log where one exists)."""

import json

from factories import GIB, gpu, hardware, llama31_8b, with_quant
from support import LLAMA31_8B_CONFIG, make_model_folder, run_cli
from test_inputs_settings import A100_80, plan

from wizard.model.facts import ArchitectureFacts, MlaFacts, ModelFacts, WeightFacts
from wizard.planner import kv, lora
from wizard.planner.inputs import PlanRequest
from wizard.planner.mla import absorbed_bytes_per_layer
from wizard.planner.plan import make_plan
from wizard.planner.settings import Settings, parse_pins
from wizard.planner.versions import VllmVersion
from wizard.planner.weight_extras import drafter_kv_layers, weight_extras
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



# --- LoRA slabs -------------------------------------------------------------------------------

def _slab_elements(shapes):
    total = 0
    for shape in shapes:
        n = 1
        for dim in shape:
            n *= dim
        total += n
    return total


def test_lora_slabs_follow_create_lora_weights_shapes():
    """lora/layers.py (0.6.3) create_lora_weights, Llama-3.1-8B, TP 2, 3 adapters of rank 32."""
    model, tp, n, r = llama31_8b(), 2, 3, 32
    h, inter, q, kv = 4096, 14336, 4096 // tp, 1024 // tp
    layer = [
        *[(n, 1, r, h)] * 3, (n, 1, q, r), (n, 1, kv, r), (n, 1, kv, r),  # MergedQKVParallelLinearWithLora
        (n, 1, r, q), (n, 1, h, r),  # o_proj: RowParallelLinearWithLoRA
        *[(n, 1, r, h)] * 2, *[(n, 1, inter // tp, r)] * 2,  # gate_up_proj: MergedColumnParallelLinearWithLoRA
        (n, 1, r, inter // tp), (n, 1, h, r),  # down_proj
    ]
    embed = [(n, 128256 + 256, r), (n, 1, h, r), (n, 256, h)]  # VocabParallelEmbeddingWithLoRA
    logits = [(n, 1, r, h), (n, 1, 128256, r), (n, 256, h)]  # LogitsProcessorWithLoRA (128256 = 501 x 256)
    slabs = lora.lora_slabs(model, tp=tp, max_loras=n, max_rank=r, dtype_bytes=2, extra_vocab=True)
    assert slabs.per_layer == 2 * _slab_elements(layer)
    base_rows = (256 * n + 1) // 2 * h * 2  # LlamaModel's lora_vocab rows, vocab-parallel
    lm_rows = (128512 - 128256) * h * 2 // tp  # lm_head padded to 256 with the extra vocabulary
    assert slabs.first_stage == 2 * _slab_elements(embed) + base_rows
    assert slabs.last_stage == 2 * _slab_elements(logits) + lm_rows
    qwen = lora.lora_slabs(QWEN25_7B_1M, tp=1, max_loras=1, max_rank=8, dtype_bytes=2, extra_vocab=True)
    assert qwen.first_stage == qwen.last_stage == 0  # Qwen2's embedding_modules is empty


def test_lora_slabs_land_in_model_loading():
    base = plan("0.6.3", "max-model-len=8192")
    with_lora = plan("0.6.3", "max-model-len=8192", "enable-lora=true", "max-loras=8", "max-lora-rank=256")
    slabs = lora.lora_slabs(llama31_8b(), tp=1, max_loras=8, max_rank=256, dtype_bytes=2, extra_vocab=True)
    grown = with_lora.worst.weights - base.worst.weights
    assert grown == 32 * slabs.per_layer + slabs.first_stage + slabs.last_stage
    assert 10 < grown / GIB < 12  # 8 adapters of rank 256 on an 8B model: about 11 GiB per GPU
    assert with_lora.kv_cache_tokens < base.kv_cache_tokens


# --- MLA ----------------------------------------------------------------------------------------

DEEPSEEK_V3 = ArchitectureFacts(
    hidden_size=7168, num_layers=61, num_attention_heads=128, num_kv_heads=128, head_dim=192, vocab_size=129280,
    intermediate_size=18432, torch_dtype="bfloat16", max_length_keys={"max_position_embeddings": 163840},
    full_attention_layers=61, mla=MlaFacts(kv_lora_rank=512, qk_rope_head_dim=64, qk_nope_head_dim=128,
                                           v_head_dim=128, q_lora_rank=1536),
)


def test_mla_absorbed_matrices_of_deepseek_v3_per_rank():
    per_layer = absorbed_bytes_per_layer(DEEPSEEK_V3, tp=8, act_bytes=2, fp8_weights=True)
    w_qr, q_uk, uv_o = 1536 * 16 * 64 * 2, 1536 * 16 * 512, 16 * 512 * 7168  # 16 heads per rank
    kv_b_fp32 = 512 * 16 * 256 * 4
    assert w_qr + q_uk + uv_o + kv_b_fp32 < per_layer < w_qr + q_uk + uv_o + kv_b_fp32 + 32_768  # + block scales
    assert 4.5 < 61 * per_layer / GIB < 5  # "several GiB per rank"
    bf16 = absorbed_bytes_per_layer(DEEPSEEK_V3, tp=8, act_bytes=2, fp8_weights=False)
    assert bf16 == w_qr + (q_uk + uv_o) * 2


def _mla_model(quant=None):
    roles = {"embed": 129280 * 7168 * 2, "lm_head": 129280 * 7168 * 2, "attn_qo": 61 * 200_000_000,
             "mla_kv": 61 * 10_000_000, "mlp": 61 * 300_000_000, "mtp": 11_000_000_000}
    total = sum(roles.values())
    model = ModelFacts(source="local", id="test/deepseek", model_type="deepseek_v3",
                       architectures=("DeepseekV3ForCausalLM",), arch=DEEPSEEK_V3,
                       weights=WeightFacts(source="safetensors", total_bytes=total, params=total,
                                           bytes_by_dtype={"F8_E4M3": total}, bytes_by_role=roles))
    return with_quant(model, method=quant) if quant else model


def test_absorbed_weights_only_in_0_7_1_to_0_7_3():
    settings = Settings(tensor_parallel_size=8)
    for version, expected in (("0.7.2", True), ("0.7.3", True), ("0.8.0", False), ("0.6.3", False)):
        extras = weight_extras(_mla_model("fp8"), settings, VllmVersion.parse(version), 2)
        assert bool(extras) is expected, version
    # 0.7.2 turns MLA off for other quantization methods, and with it the absorption.
    assert not weight_extras(_mla_model("awq"), settings, VllmVersion.parse("0.7.2"), 2)


def mla_page(version, kv_dtype="auto", quant=None, tp=8):
    return kv.build_layout(DEEPSEEK_V3, version=VllmVersion.parse(version), tp=tp, layers_share=1.0,
                           kv_dtype=kv_dtype, model_bytes=2, block_size=16, quant_method=quant).bytes_per_token


def test_mla_kv_entry_padding_and_mha_fallback():
    assert mla_page("0.7.2") == 61 * 1280  # 576 bf16 elements padded to 640 (256-byte alignment)
    assert mla_page("0.7.3", kv_dtype="fp8") == 61 * 640  # aligned in the model dtype, stored in fp8
    assert mla_page("0.8.5") == 61 * 1152
    assert mla_page("0.7.2", quant="awq") == 61 * 16 * 2 * 192 * 2  # MLA off: MHA, 16 heads per rank
    assert mla_page("0.6.3") == 61 * 16 * 2 * 256 * 2  # head size padded to 256 before 0.7.1


# --- speculative decoding ----------------------------------------------------------------------

def test_mtp_drafter_adds_its_layers_and_kv():
    version = VllmVersion.parse("0.10.1")
    settings = Settings(tensor_parallel_size=8, speculative_config='{"method":"deepseek_mtp","num_speculative_tokens":1}')
    extras = weight_extras(_mla_model("fp8"), settings, version, 2)
    assert extras.last_stage == 11_000_000_000 // 8
    assert drafter_kv_layers(_mla_model("fp8"), settings) == 1
    assert drafter_kv_layers(_mla_model("fp8"), Settings(tensor_parallel_size=8)) == 0
    plain = kv.build_layout(DEEPSEEK_V3, version=version, tp=8, layers_share=1.0, kv_dtype="auto", model_bytes=2,
                            block_size=64)
    drafted = kv.build_layout(DEEPSEEK_V3, version=version, tp=8, layers_share=1.0, kv_dtype="auto", model_bytes=2,
                              block_size=64, extra_layers=1)
    assert drafted.block_bytes == plain.block_bytes * 62 // 61


def test_draft_model_is_named_as_not_counted():
    p = plan("0.10.1", 'speculative-config={"method":"eagle","model":"yuhuili/EAGLE-LLaMA3.1-Instruct-8B",'
                       '"num_speculative_tokens":3}')
    assert any(w.code == "draft_model_not_counted" for w in p.warnings)
    assert "EAGLE-LLaMA3.1" in p.argv[p.argv.index("--speculative-config") + 1]


EAGLE_HEAD = dense_model(h=4096, layers=1, heads=32, kv=8, d=128, inter=14336, vocab=128256, max_pos=131072,
                         model_type="llama", bias=False)


def test_draft_model_weights_and_kv_join_the_target():
    pins = parse_pins(['speculative-config={"method":"eagle","model":"/models/eagle","num_speculative_tokens":3}',
                       "max-model-len=8192"])
    hw = hardware(gpu(**A100_80))
    alone = make_plan(PlanRequest(hardware=hw, model=llama31_8b(), vllm_version="0.10.1", pinned=pins))
    drafted = make_plan(PlanRequest(hardware=hw, model=llama31_8b(), vllm_version="0.10.1", pinned=pins,
                                    draft_model=EAGLE_HEAD))
    head = plan_weights(EAGLE_HEAD, tp=1, pp=1, dtype="bfloat16").worst_bytes
    assert drafted.worst.weights - alone.worst.weights == head
    assert drafted.kv_bytes_per_token == alone.kv_bytes_per_token * 33 // 32  # one more layer of the same shape
    assert not any(w.code == "draft_model_not_counted" for w in drafted.warnings)
    assert any(w.code == "draft_model_not_counted" for w in alone.warnings)


def test_cli_reads_a_local_draft_model(llama_folder, tmp_path, cli_env):
    draft = make_model_folder(tmp_path / "eagle", {**LLAMA31_8B_CONFIG, "num_hidden_layers": 1}, shards=1)
    spec = json.dumps({"method": "eagle", "model": str(draft), "num_speculative_tokens": 3})
    result = run_cli("plan", str(llama_folder), "--json", "--gpu", "A100-80GB", "--vllm-version", "0.10.1",
                     "--set", "max-model-len=8192", "--set", f"speculative-config={spec}", env=cli_env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["memory"]["kv_bytes_per_token"] == 131072 * 33 // 32
    assert not any(w["code"] == "draft_model_not_counted" for w in data["warnings"])
