"""inspect_local on real-shaped folders: shards, HF cache layouts, no weights, .bin, VLMs, side files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from inspect_fixtures import (
    DEEPSEEK_V3, GEMMA3_4B, GPT_OSS_120B, JAMBA_V01, LLAMA_31_8B, MIXTRAL_8X7B, NEMOTRON_H_9B, QWEN3_06B, QWEN3_235B,
    QWEN25_OMNI_7B, config, dense_tensors, make_folder,
)

from wizard.errors import InputError, ModelFileError
from wizard.model.local import inspect_local
from wizard.model.synthetic import write_safetensors

LLAMA_8B_PARAMS = 8_030_261_248  # the figure vLLM and HF report for Llama-3.1-8B


def test_sharded_llama(tmp_path):
    tok = {"model_max_length": 131072, "chat_template": "{{ '<|python_tag|>' }} ipython"}
    gen = {"bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "temperature": 0.6, "top_p": 0.9,
           "do_sample": True, "transformers_version": "4.43.0", "nested": {"x": 1}}
    folder = make_folder(tmp_path, "Llama-3.1-8B-Instruct", LLAMA_31_8B, dense_tensors(LLAMA_31_8B), shards=4,
                         extra_files={"tokenizer_config.json": tok, "generation_config.json": gen, "tokenizer.json": "{}"})
    f = inspect_local(folder)
    assert f.source == "local" and f.id == "Llama-3.1-8B-Instruct" and f.path == str(folder) and f.revision is None
    assert f.architecture == "LlamaForCausalLM" and f.model_type == "llama" and f.has_weights
    w = f.weights
    assert w.params == LLAMA_8B_PARAMS and w.shard_count == 4 and w.tensor_count == 291
    assert w.total_bytes == 2 * LLAMA_8B_PARAMS and w.bytes_by_dtype == {"BF16": 2 * LLAMA_8B_PARAMS}
    assert w.bytes_by_role["embed"] == w.bytes_by_role["lm_head"] == 128256 * 4096 * 2
    assert w.bytes_by_role["attn_kv"] == 32 * 2 * 1024 * 4096 * 2 and w.checkpoint_dtype == "bfloat16"
    assert f.arch.tokenizer_model_max_length == 131072 and f.has_tokenizer and not f.has_remote_code
    assert f.generation_config == {"temperature": 0.6, "top_p": 0.9, "do_sample": True,
                                   "eos_token_id": [128001, 128008, 128009], "bos_token_id": 128000}
    assert f.parsers.tool_call_parser == "llama3_json" and f.parsers.chat_template == "tokenizer_config.json"
    assert f.quantization is None and f.notes == ()


def _cache_repo(tmp_path: Path, commit: str = "0e9e39f249a16976918f6564b8830bc894c89659") -> Path:
    """A Hugging Face cache entry: blobs named by hash, snapshot files are relative symlinks."""
    repo = tmp_path / "hub" / "models--meta-llama--Llama-3.1-8B"
    src = make_folder(tmp_path, "src", config(LLAMA_31_8B, num_hidden_layers=2), dense_tensors(config(LLAMA_31_8B, num_hidden_layers=2)),
                      shards=2)
    (repo / "blobs").mkdir(parents=True)
    snap = repo / "snapshots" / commit
    snap.mkdir(parents=True)
    for i, item in enumerate(sorted(src.iterdir())):
        blob = repo / "blobs" / f"{i:040x}"
        os.replace(item, blob)
        (snap / item.name).symlink_to(os.path.relpath(blob, snap))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    return repo


def test_hf_cache_snapshot_and_repo_folder(tmp_path):
    repo = _cache_repo(tmp_path)
    commit = "0e9e39f249a16976918f6564b8830bc894c89659"
    by_snapshot = inspect_local(repo / "snapshots" / commit)
    by_repo = inspect_local(repo)
    for f in (by_snapshot, by_repo):
        assert f.id == "meta-llama/Llama-3.1-8B" and f.revision == commit
        assert f.weights.shard_count == 2 and f.arch.num_layers == 2
    assert by_repo.path == str(repo / "snapshots" / commit)


def test_hf_cache_without_refs_takes_newest_snapshot(tmp_path):
    repo = _cache_repo(tmp_path)
    (repo / "refs" / "main").unlink()
    old = repo / "snapshots" / "aaaa"
    old.mkdir()
    os.utime(old, (1, 1))
    assert inspect_local(repo).revision == "0e9e39f249a16976918f6564b8830bc894c89659"


def test_hf_cache_with_missing_blob_names_the_shard(tmp_path):
    repo = _cache_repo(tmp_path)
    snap = next((repo / "snapshots").iterdir())
    shard = snap / "model-00002-of-00002.safetensors"
    os.unlink(shard.resolve())  # blob gone: the snapshot link dangles
    with pytest.raises(ModelFileError, match="model-00002-of-00002.safetensors"):
        inspect_local(repo)


def test_empty_cache_repo(tmp_path):
    (tmp_path / "models--a--b" / "snapshots").mkdir(parents=True)
    with pytest.raises(InputError, match="no snapshots"):
        inspect_local(tmp_path / "models--a--b")


def test_index_naming_a_missing_shard(tmp_path):
    folder = make_folder(tmp_path, "m", LLAMA_31_8B, dense_tensors(LLAMA_31_8B, layers=8), shards=3)
    (folder / "model-00003-of-00003.safetensors").unlink()
    with pytest.raises(ModelFileError) as err:
        inspect_local(folder)
    assert err.value.path.endswith("model.safetensors.index.json")
    assert "model-00003-of-00003.safetensors" in err.value.problem and "incomplete download" in err.value.problem


def test_index_wins_over_a_consolidated_copy(tmp_path):
    tensors = dense_tensors(LLAMA_31_8B, layers=2)
    folder = make_folder(tmp_path, "m", LLAMA_31_8B, tensors, shards=2)
    write_safetensors(folder / "consolidated.safetensors", tensors)
    f = inspect_local(folder)
    assert f.weights.shard_count == 2 and "consolidated.safetensors" not in f.weights.files
    assert any("consolidated.safetensors" in n for n in f.notes)


def test_without_index_consolidated_copy_is_ignored(tmp_path):
    tensors = dense_tensors(LLAMA_31_8B, layers=1)
    folder = make_folder(tmp_path, "m", LLAMA_31_8B, tensors)
    write_safetensors(folder / "consolidated.safetensors", tensors)
    f = inspect_local(folder)
    assert f.weights.files == ("model.safetensors",) and any("consolidated" in n for n in f.notes)


def test_no_weights_is_estimated_from_the_architecture(tmp_path):
    f = inspect_local(make_folder(tmp_path, "m", LLAMA_31_8B))
    assert f.weights.source == "architecture" and not f.has_weights
    assert f.weights.params == LLAMA_8B_PARAMS  # the llama layout is counted exactly
    assert f.weights.total_bytes == 2 * LLAMA_8B_PARAMS and f.weights.checkpoint_dtype == "bfloat16"
    assert any("estimated from config.json" in n for n in f.notes)


@pytest.mark.parametrize("cfg,billions", [
    (QWEN3_06B, 0.596),  # without its q/k norms
    (QWEN3_235B, 235.1),
    (DEEPSEEK_V3, 671.0),  # without the MTP layer
    (NEMOTRON_H_9B, 8.89),  # Mamba2 + relu^2 (ungated) MLP blocks
    (JAMBA_V01, 51.6),  # experts on every other layer only
    (MIXTRAL_8X7B, 46.7),
])
def test_estimate_close_to_published_sizes(tmp_path, cfg, billions):
    f = inspect_local(make_folder(tmp_path, "m", cfg))
    assert f.weights.params / 1e9 == pytest.approx(billions, rel=0.01)


@pytest.mark.parametrize("cfg,gib,dtype", [
    (GPT_OSS_120B, 60.7, "U8"),  # mxfp4 experts (0.53125 B/param), the rest bf16: ~60.8 GiB published
    (DEEPSEEK_V3, 626.8, "F8_E4M3"),  # block fp8 linear layers, bf16 embeddings
    (config(LLAMA_31_8B, quantization_config={"quant_method": "awq", "bits": 4, "group_size": 128}), 5.31, "I32"),
])
def test_estimate_honours_the_declared_quantization(tmp_path, cfg, gib, dtype):
    f = inspect_local(make_folder(tmp_path, "m", cfg))
    assert f.weights.total_bytes / 2**30 == pytest.approx(gib, rel=0.01)
    assert max(f.weights.bytes_by_dtype, key=f.weights.bytes_by_dtype.get) == dtype
    assert any(f"its {f.quantization.method} quantization" in n for n in f.notes)


def test_bin_only_checkpoint_is_described_from_file_sizes(tmp_path):
    folder = make_folder(tmp_path, "m", LLAMA_31_8B)
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x02not really a pickle")
    f = inspect_local(folder)
    assert f.weights.total_bytes == 21 and f.weights.bytes_by_role == {"other": 21}
    assert f.weights.params == LLAMA_8B_PARAMS and f.weights.files == ("pytorch_model.bin",)
    assert any(".bin checkpoint" in n for n in f.notes)


def test_vlm_weights_put_the_towers_in_vision(tmp_path):
    text = {**GEMMA3_4B["text_config"], "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256,
            "vocab_size": 262208, "tie_word_embeddings": True}
    tensors = dense_tensors(text, prefix="language_model.model", layers=2)
    tensors["vision_tower.vision_model.encoder.layers.0.self_attn.q_proj.weight"] = ("BF16", [1152, 1152])
    tensors["multi_modal_projector.mm_input_projection_weight"] = ("BF16", [1152, 2560])
    f = inspect_local(make_folder(tmp_path, "gemma", GEMMA3_4B, tensors))
    assert f.arch.has_vision and f.weights.bytes_by_role["vision"] == 2 * (1152 * 1152 + 1152 * 2560)
    assert "lm_head" not in f.weights.bytes_by_role  # tied


def test_gpt_oss_mxfp4_params(tmp_path):
    c = GPT_OSS_120B
    h, e, inter, heads, kv, d = 2880, 128, 2880, 64, 8, 64
    t = {"model.embed_tokens.weight": ("BF16", [201088, h]), "lm_head.weight": ("BF16", [201088, h]),
         "model.norm.weight": ("BF16", [h])}
    for i in range(36):
        p = f"model.layers.{i}"
        t |= {f"{p}.input_layernorm.weight": ("BF16", [h]), f"{p}.post_attention_layernorm.weight": ("BF16", [h]),
              f"{p}.self_attn.q_proj.weight": ("BF16", [heads * d, h]), f"{p}.self_attn.q_proj.bias": ("BF16", [heads * d]),
              f"{p}.self_attn.k_proj.weight": ("BF16", [kv * d, h]), f"{p}.self_attn.k_proj.bias": ("BF16", [kv * d]),
              f"{p}.self_attn.v_proj.weight": ("BF16", [kv * d, h]), f"{p}.self_attn.v_proj.bias": ("BF16", [kv * d]),
              f"{p}.self_attn.o_proj.weight": ("BF16", [h, heads * d]), f"{p}.self_attn.o_proj.bias": ("BF16", [h]),
              f"{p}.self_attn.sinks": ("BF16", [heads]),
              f"{p}.mlp.router.weight": ("BF16", [e, h]), f"{p}.mlp.router.bias": ("BF16", [e]),
              f"{p}.mlp.experts.gate_up_proj_blocks": ("U8", [e, 2 * inter, h // 32, 16]),
              f"{p}.mlp.experts.gate_up_proj_scales": ("U8", [e, 2 * inter, h // 32]),
              f"{p}.mlp.experts.gate_up_proj_bias": ("BF16", [e, 2 * inter]),
              f"{p}.mlp.experts.down_proj_blocks": ("U8", [e, h, inter // 32, 16]),
              f"{p}.mlp.experts.down_proj_scales": ("U8", [e, h, inter // 32]),
              f"{p}.mlp.experts.down_proj_bias": ("BF16", [e, h])}
    f = inspect_local(make_folder(tmp_path, "gpt-oss-120b", c, t, shards=3))
    assert f.quantization.method == "mxfp4"
    assert f.weights.params / 1e9 == pytest.approx(116.83, rel=0.001)
    assert f.weights.bytes_by_role["experts"] / 2**30 == pytest.approx(60.8 - 4.3, rel=0.05)
    assert f.weights.checkpoint_dtype == "bfloat16" and f.weights.bytes_by_dtype["U8"] > f.weights.bytes_by_dtype["BF16"]


def test_gptq_checkpoint_counts_unpacked_params(tmp_path):
    cfg = config(LLAMA_31_8B, num_hidden_layers=1, quantization_config={"quant_method": "gptq", "bits": 4,
                                                                         "group_size": 128, "desc_act": False})
    t = {"model.layers.0.mlp.down_proj.qweight": ("I32", [14336 // 8, 4096]),
         "model.layers.0.mlp.down_proj.scales": ("F16", [14336 // 128, 4096]),
         "model.layers.0.mlp.down_proj.qzeros": ("I32", [14336 // 128, 4096 // 8]),
         "model.layers.0.mlp.down_proj.g_idx": ("I32", [14336])}
    f = inspect_local(make_folder(tmp_path, "q", cfg, t))
    assert f.weights.params == 14336 * 4096 and set(f.weights.bytes_by_role) == {"mlp"}


def test_side_files_quantize_config_only_and_chat_template_jinja(tmp_path):
    folder = make_folder(tmp_path, "m", QWEN3_06B, dense_tensors(QWEN3_06B, layers=1),
                         extra_files={"quantize_config.json": {"bits": 4, "group_size": 128},
                                      "chat_template.jinja": "<think>\n<tool_call>", "tokenizer.model": "x"})
    f = inspect_local(folder)
    assert f.quantization.auto_detected is False and any("--quantization gptq" in n for n in f.notes)
    assert f.parsers.chat_template == "chat_template.jinja" and f.parsers.tool_call_parser == "hermes"
    assert f.has_tokenizer


def test_remote_code_and_omni_note(tmp_path):
    t = dense_tensors(QWEN25_OMNI_7B["thinker_config"]["text_config"], prefix="thinker.model", layers=1)
    t["talker.model.layers.0.self_attn.q_proj.weight"] = ("BF16", [896, 896])
    t["thinker.audio_tower.layers.0.fc1.weight"] = ("BF16", [5120, 1280])
    f = inspect_local(make_folder(tmp_path, "omni", QWEN25_OMNI_7B, t))
    assert f.arch.has_audio and f.weights.bytes_by_role["unused"] == 896 * 896 * 2
    assert any("talker" in n for n in f.notes)
    assert inspect_local(make_folder(tmp_path, "ds", DEEPSEEK_V3)).has_remote_code


def test_not_a_model_folder(tmp_path):
    with pytest.raises(InputError, match="no such model folder"):
        inspect_local(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        inspect_local(tmp_path / "file")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelFileError, match="config.json: missing"):
        inspect_local(tmp_path / "empty")
    (tmp_path / "mistral").mkdir()
    (tmp_path / "mistral" / "params.json").write_text("{}")
    with pytest.raises(ModelFileError, match="params.json"):
        inspect_local(tmp_path / "mistral")


def test_index_pointing_outside_the_folder(tmp_path):
    folder = make_folder(tmp_path, "m", LLAMA_31_8B, dense_tensors(LLAMA_31_8B, layers=1))
    index = {"metadata": {}, "weight_map": {"lm_head.weight": "../../etc/passwd"}}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(ModelFileError, match="outside the model folder"):
        inspect_local(folder)


def test_json_facts_round_trip(tmp_path):
    from wizard.model.facts import ModelFacts

    f = inspect_local(make_folder(tmp_path, "m", GPT_OSS_120B))
    assert ModelFacts.model_validate(json.loads(json.dumps(f.model_dump(mode="json")))) == f
