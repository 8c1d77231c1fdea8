"""The input pins (load format, LoRA, swap space, multimodal limits, speculative decoding): typed
parsing with exit-2 messages, the argv in each release's spelling, and the releases' refusals."""

import json

import pytest
from factories import gpu, hardware, llama31_8b, with_quant
from support import run_cli

from wizard.errors import InputError
from wizard.planner.inputs import PlanRequest
from wizard.planner.plan import make_plan
from wizard.planner.settings import Settings, parse_pins
from wizard.planner.speculative import SpeculativeConfig

A100_80 = dict(name="NVIDIA A100-SXM4-80GB", total=85_198_045_184, cc="8.0")


def plan(version, *pins, model=None):
    return make_plan(PlanRequest(hardware=hardware(gpu(**A100_80)), model=model or llama31_8b(),
                                 vllm_version=version, pinned=parse_pins(list(pins))))


def test_pins_are_typed():
    pins = parse_pins(["load-format=bitsandbytes", "enable-lora=true", "max-loras=4", "max-lora-rank=64",
                       "max-cpu-loras=8", "swap-space=2.5", "limit-mm-per-prompt=video=1,image=2",
                       'speculative-config={"method": "ngram", "num_speculative_tokens": 5, "prompt_lookup_max": 4}'])
    s = Settings(**pins)
    assert s.load_format == "bitsandbytes" and s.enable_lora is True
    assert (s.max_loras, s.max_lora_rank, s.max_cpu_loras, s.swap_space) == (4, 64, 8, 2.5)
    assert s.limit_mm_per_prompt == "image=2,video=1" and s.mm_limits == (("image", 2), ("video", 1))
    assert s.speculative.method == "ngram" and s.speculative.num_speculative_tokens == 5
    assert json.loads(s.speculative.text)["prompt_lookup_max"] == 4  # kept for the argv
    assert parse_pins(['limit-mm-per-prompt={"image": {"count": 3}}'])["limit_mm_per_prompt"] == "image=3"


@pytest.mark.parametrize("pin, needle", [
    ("load-format=zip", "bitsandbytes"),
    ("max-lora-rank=12", "max-lora-rank"),
    ("swap-space=-1", "GiB"),
    ("limit-mm-per-prompt=image", "image=2"),
    ("limit-mm-per-prompt={\"image\": -1}", "image=2"),
    ("speculative-config=[1]", "JSON object"),
    ("speculative-config={\"num_speculative_tokens\": 3}", "method"),
    ("speculative-config={\"method\": \"ngram\", \"num_speculative_tokens\": 0}", "at least 1"),
    ("num-speculative-tokens=0", "at least 1"),
])
def test_bad_values_name_the_pin(pin, needle):
    with pytest.raises(InputError) as err:
        parse_pins([pin])
    assert pin.split("=")[0] in str(err.value) and needle in str(err.value)


def test_lora_pins_need_lora_on_and_enough_cpu_slots():
    with pytest.raises(InputError, match="enable-lora=true"):
        parse_pins(["max-lora-rank=64"])
    with pytest.raises(InputError, match="at least max-loras"):
        parse_pins(["enable-lora=true", "max-loras=4", "max-cpu-loras=2"])


def test_bitsandbytes_lora_plan_on_063_has_every_flag():
    p = plan("0.6.3", "quantization=bitsandbytes", "load-format=bitsandbytes", "enable-lora=true", "max-lora-rank=64")
    argv = list(p.argv)
    assert argv[argv.index("--quantization") + 1] == "bitsandbytes"
    assert argv[argv.index("--load-format") + 1] == "bitsandbytes"
    assert "--enable-lora" in argv and argv[argv.index("--max-lora-rank") + 1] == "64"
    assert "--max-loras" not in argv  # vLLM's default, not pinned


def test_load_format_is_chosen_where_the_release_needs_it():
    old = plan("0.7.3", "quantization=bitsandbytes")
    assert old.settings.load_format == "bitsandbytes" and "--load-format" in old.argv
    assert "load_format" in old.reasons
    new = plan("0.9.2", "quantization=bitsandbytes")
    assert new.settings.load_format == "auto" and "--load-format" not in new.argv


def test_prequantized_bnb_checkpoint_gets_both_flags_before_084():
    model = with_quant(llama31_8b(), method="bitsandbytes", bits=4)
    old = plan("0.7.3", model=model)
    assert old.settings.quantization == "bitsandbytes" and old.settings.load_format == "bitsandbytes"
    new = plan("0.9.2", model=model)
    assert new.settings.quantization is None and "--load-format" not in new.argv


def test_release_refusals():
    wrong = plan("0.6.3", "quantization=bitsandbytes", "load-format=safetensors")
    assert wrong.failure_code == "other" and "only support 'bitsandbytes' load format" in wrong.failure_message
    reverse = plan("0.6.3", "load-format=bitsandbytes")
    assert "only support 'bitsandbytes' quantization" in reverse.failure_message
    rank = plan("0.10.1", "enable-lora=true", "max-lora-rank=512")
    assert "max_lora_rank (512) must be one of" in rank.failure_message
    assert plan("0.11.1", "enable-lora=true", "max-lora-rank=512").failure_code != "other"
    swap = plan("0.18.0", "swap-space=8")
    assert "--swap-space" in swap.failure_message
    mtp = plan("0.6.3", 'speculative-config={"method": "deepseek_mtp", "num_speculative_tokens": 1}')
    assert "deepseek_mtp" in mtp.failure_message


def test_multimodal_limit_spelling_by_release():
    old = plan("0.6.3", "limit-mm-per-prompt=image=2,video=1").argv
    assert old[old.index("--limit-mm-per-prompt") + 1] == "image=2,video=1"
    new = plan("0.9.2", "limit-mm-per-prompt=image=2").argv
    assert json.loads(new[new.index("--limit-mm-per-prompt") + 1]) == {"image": 2}


def test_speculative_spelling_by_release():
    old = plan("0.6.3", "speculative-model=[ngram]", "num-speculative-tokens=4").argv
    assert old[old.index("--speculative-model") + 1] == "[ngram]"
    assert old[old.index("--num-speculative-tokens") + 1] == "4"
    new = plan("0.10.1", "speculative-model=[ngram]", "num-speculative-tokens=4").argv
    assert "--speculative-model" not in new
    assert json.loads(new[new.index("--speculative-config") + 1]) == {"method": "ngram", "model": "[ngram]",
                                                                      "num_speculative_tokens": 4}
    assert SpeculativeConfig(method="eagle", model="x").kind == "draft"
    assert SpeculativeConfig(method="deepseek_mtp").kind == "mtp"


def test_swap_space_flag_only_when_pinned_and_warned_when_large():
    p = plan("0.6.3", "swap-space=16")
    assert p.argv[p.argv.index("--swap-space") + 1] == "16"
    assert any(w.code == "swap_space_host_memory" for w in p.warnings)
    assert "--swap-space" not in plan("0.6.3").argv


def test_cli_plans_bitsandbytes_with_lora_end_to_end(llama_folder, cli_env):
    result = run_cli("plan", str(llama_folder), "--json", "--gpu", "A100-80GB", "--vllm-version", "0.6.3",
                     "--set", "quantization=bitsandbytes", "--set", "load-format=bitsandbytes",
                     "--set", "enable-lora=true", "--set", "max-lora-rank=64", env=cli_env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    argv = data["command"]["argv"]
    for flag in ("--quantization", "--load-format", "--enable-lora", "--max-lora-rank"):
        assert flag in argv
    assert data["settings"]["enable_lora"] is True and data["settings"]["max_lora_rank"] == 64
    bad = run_cli("plan", str(llama_folder), "--gpu", "A100-80GB", "--set", "max-lora-rank=7", env=cli_env)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr


def test_multimodal_items_per_prompt_defaults_by_release():
    from wizard.planner.input_rules import mm_items_per_prompt
    from wizard.planner.versions import VllmVersion

    pinned = Settings(**parse_pins(["limit-mm-per-prompt=image=3"]))
    assert mm_items_per_prompt(pinned, VllmVersion.parse("0.10.1"), "image") == 3
    assert mm_items_per_prompt(pinned, VllmVersion.parse("0.10.1"), "video") == 999  # V1 default from 0.8.4
    assert mm_items_per_prompt(Settings(), VllmVersion.parse("0.6.3"), "image") == 1


def test_lora_host_cache_is_warned_about():
    p = plan("0.6.3", "enable-lora=true", "max-lora-rank=64", "max-cpu-loras=32")
    warning = next(w for w in p.warnings if w.code == "lora_host_memory")
    assert "max-cpu-loras=32" in warning.message and "GiB" in warning.message


def test_human_plan_lists_inputs_only_when_used():
    from wizard.planner.report import render_plan

    plain = render_plan(plan("0.9.2"))
    assert "enable-lora" not in plain and "speculative-config" not in plain
    used = render_plan(plan("0.6.3", "quantization=bitsandbytes", "enable-lora=true"))
    assert "*enable-lora" in used and "load-format" in used and "max-lora-rank" not in used


def test_a_speculative_config_nested_past_the_stack_is_one_message():
    from wizard.planner.speculative import parse_speculative_config

    with pytest.raises(ValueError, match="JSON"):
        parse_speculative_config("[" * 100_000)
