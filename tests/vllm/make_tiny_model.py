"""Build a tiny random-weight chat model fully offline; run with the vLLM environment's Python.

    python make_tiny_model.py OUT_DIR                    the model (config, weights, tokenizer)
    python make_tiny_model.py OUT_DIR --tokenizer-only   only tokenizer.json, for synthetic checkpoints

A Qwen2 architecture with 2 layers and a byte-level BPE tokenizer trained here on a few sentences
(shared/research/vllm-cpu-lab.md §5). head_dim is 32 because vLLM's CPU attention supports only some
head sizes (16 boots but crashes on the first request). About 6 s, under 1 MB on disk.
"""

import sys

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import GenerationConfig, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

CORPUS = ["Hello, how are you today?", "I am a tiny test model for vLLM.", "The quick brown fox jumps over the lazy dog.",
          "system user assistant", "What is the capital of France? Paris is the capital.",
          "0123456789 +-*/=()[]{}<>:;,.!?'\""]
TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
            "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


# Marker tokens the reasoning/tool parsers look up when vLLM builds its configuration (qwen3 and
# deepseek_r1 think tags, hermes tool calls, harmony channels): a synthetic checkpoint whose
# tokenizer lacks them is refused before anything about the plan is checked.
MARKERS = ["<think>", "</think>", "<tool_call>", "</tool_call>", "<|python_tag|>", "[TOOL_CALLS]", "<|channel|>",
           "<|message|>", "<|start|>", "<|end|>", "<|return|>", "<|call|>", "<|constrain|>", "◁think▷", "◁/think▷",
           "<seed:think>", "</seed:think>", "<|begin_of_text|>", "<|eot_id|>"]


def tokenizer():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=512, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS * 20, trainer)
    tok.add_special_tokens(MARKERS)
    return tok


def main(out: str, tokenizer_only: bool = False) -> None:
    tok = tokenizer()
    if tokenizer_only:
        tok.save(f"{out}/tokenizer.json")
        return
    hf_tok = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                     chat_template=TEMPLATE)
    hf_tok.save_pretrained(out)
    cfg = Qwen2Config(vocab_size=512, hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, head_dim=32, max_position_embeddings=512,
                      tie_word_embeddings=True, eos_token_id=hf_tok.eos_token_id, pad_token_id=hf_tok.pad_token_id,
                      bos_token_id=0, torch_dtype="bfloat16")
    torch.manual_seed(0)
    Qwen2ForCausalLM(cfg).to(torch.bfloat16).save_pretrained(out, safe_serialization=True)
    GenerationConfig(eos_token_id=hf_tok.eos_token_id, pad_token_id=hf_tok.pad_token_id,
                     max_new_tokens=16).save_pretrained(out)


if __name__ == "__main__":
    main(sys.argv[1], "--tokenizer-only" in sys.argv[2:])
