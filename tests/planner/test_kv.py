"""KV geometry and the token/concurrency formulas, pinned to figures real vLLM start-ups printed."""

from wizard.model.facts import ArchitectureFacts, LinearAttentionFacts, MoeFacts
from wizard.planner import kv
from wizard.planner.versions import VllmVersion

QWEN3_NEXT = ArchitectureFacts(
    hidden_size=2048, num_layers=48, num_attention_heads=16, num_kv_heads=2, head_dim=256, vocab_size=151936,
    full_attention_layers=12, moe=MoeFacts(num_experts=512, experts_per_token=10, moe_intermediate_size=512),
    linear_attention=LinearAttentionFacts(kind="gdn", num_layers=36, conv_kernel=4, num_key_heads=16,
                                          num_value_heads=32, key_head_dim=128, value_head_dim=128),
)
GPT_OSS_120B = ArchitectureFacts(
    hidden_size=2880, num_layers=36, num_attention_heads=64, num_kv_heads=8, head_dim=64, vocab_size=201088,
    full_attention_layers=18, sliding_window_layers=18, sliding_window=128,
    moe=MoeFacts(num_experts=128, experts_per_token=4, moe_intermediate_size=2880),
)


def layout(arch, version, tp, kv_dtype="auto"):
    return kv.build_layout(arch, version=VllmVersion.parse(version), tp=tp, layers_share=1.0, kv_dtype=kv_dtype,
                           model_bytes=2, block_size=16)


def test_gdn_state_and_block_alignment():
    assert kv.mamba_state_bytes(QWEN3_NEXT, 1, 2) == 1_097_728
    assert kv.mamba_state_bytes(QWEN3_NEXT, 4, 2) == 274_432
    assert layout(QWEN3_NEXT, "0.10.2", tp=1).block_size == 544
    assert layout(QWEN3_NEXT, "0.10.2", tp=2).block_size == 544  # "Setting attention block size to 544 tokens"
    assert layout(QWEN3_NEXT, "0.10.2", tp=4).block_size == 272


def test_qwen3_next_tp2_on_0_10_2_matches_the_log():
    """Record pub-qwen3next80b-2xh200-tp2-v0102: KV memory in use 47,878,721,024 bytes."""
    lay = layout(QWEN3_NEXT, "0.10.2", tp=2)
    assert len(lay.groups) == 4 and lay.group_size == 12
    cap = kv.capacity(lay, 47_878_721_024, 262_144, batch_tokens=8192, version=VllmVersion.parse("0.10.2"))
    assert cap.num_blocks == 7162
    assert cap.tokens == 973_760  # (7162 // 4) × 544: the pre-0.20.1 multi-group formula
    assert round(cap.concurrency, 2) == 14.77


def test_hybrid_tokens_switch_to_concurrency_times_length_in_0_20_1():
    """Research note §10's illustration: tp=4, L=32768, 12,850 blocks."""
    lay = layout(QWEN3_NEXT, "0.20.1", tp=4)
    blocks = 12_850
    new = kv.capacity(lay, blocks * lay.block_bytes, 32_768, batch_tokens=8192, version=VllmVersion.parse("0.20.1"))
    old = kv.capacity(lay, blocks * lay.block_bytes, 32_768, batch_tokens=8192, version=VllmVersion.parse("0.20.0"))
    assert round(new.concurrency, 2) == 103.63 and new.tokens == 3_395_716
    assert old.tokens == 873_664


def test_gpt_oss_sliding_window_groups_on_0_11_2():
    """Record pub-gptoss120b-kaggle-80gb-v0112: 130,960 tokens and 2.46x at 98,304."""
    lay = layout(GPT_OSS_120B, "0.11.2", tp=1)
    assert [g.kind for g in lay.groups] == ["full", "sliding"] and lay.block_bytes == 18 * 16 * 2048
    cap = kv.capacity(lay, 16_370 * lay.block_bytes, 98_304, batch_tokens=8192, version=VllmVersion.parse("0.11.2"))
    assert cap.tokens == 130_960
    assert round(cap.concurrency, 2) == 2.46


def test_sliding_window_priced_as_full_attention_before_the_hybrid_manager():
    lay = layout(GPT_OSS_120B, "0.8.5", tp=1)
    assert len(lay.groups) == 1 and lay.block_bytes == 36 * 16 * 2048


def test_kv_heads_replicate_once_tp_exceeds_them():
    gqa4 = QWEN3_NEXT.model_copy(update={"num_kv_heads": 4, "linear_attention": None, "full_attention_layers": 48})
    per_token = [layout(gqa4, "0.28.0", tp=tp).bytes_per_token for tp in (1, 2, 4, 8)]
    assert per_token == [48 * 4 * 512 * 2, 48 * 2 * 512 * 2, 48 * 512 * 2, 48 * 512 * 2]


def test_fp8_halves_and_largest_fitting_length():
    dense = QWEN3_NEXT.model_copy(update={"linear_attention": None, "full_attention_layers": 48})
    lay16, lay8 = layout(dense, "0.19.0", tp=1), layout(dense, "0.19.0", tp=1, kv_dtype="fp8")
    assert lay8.block_bytes * 2 == lay16.block_bytes
    version = VllmVersion.parse("0.19.0")
    longest = kv.largest_fitting_len(lay16, 1 << 30, upper=1 << 20, batch_tokens=2048, version=version)
    assert longest == (1 << 30) // lay16.block_bytes * 16
    assert kv.largest_fitting_len(lay16, 0, upper=1 << 20, batch_tokens=2048, version=version) == 0


def test_null_block_reserved_from_0_29():
    dense = QWEN3_NEXT.model_copy(update={"linear_attention": None, "full_attention_layers": 48})
    lay = layout(dense, "0.29.0", tp=1)
    exact = 4 * lay.block_bytes
    assert kv.largest_fitting_len(lay, exact, upper=1024, batch_tokens=2048, version=VllmVersion.parse("0.29.0")) == 48
    assert kv.largest_fitting_len(lay, exact, upper=1024, batch_tokens=2048, version=VllmVersion.parse("0.28.0")) == 64
