"""Adapters added in the app set --enable-lora / --max-loras / --max-lora-rank (wizard.planner.lora),
under the user's own pins, and the plan serves them on every release's spelling."""

import pytest
from factories import gpu, hardware, llama31_8b

from wizard.errors import InputError
from wizard.i18n import localize
from wizard.planner.inputs import PlanRequest
from wizard.planner.lora import adapter_pins
from wizard.planner.plan import make_plan
from wizard.launch.command import build_command
from wizard.launch.options import LaunchOptions
from wizard.model.lora_adapter import read_adapter

A100_80 = dict(name="NVIDIA A100-SXM4-80GB", total=85_198_045_184, cc="8.0")


@pytest.mark.parametrize(("ranks", "rank"), [([8], 8), ([4], 8), ([1], 8), ([16, 64], 64), ([100], 128),
                                             ([None], 16), ([8, None], 16), ([32, None], 32), ([300], 320),
                                             ([512], 512)])
def test_the_smallest_rank_every_release_takes_that_holds_the_largest_adapter(ranks, rank):
    assert adapter_pins(ranks, {}) == {"enable_lora": True, "max_loras": len(ranks), "max_lora_rank": rank}


def test_no_adapters_no_pins_and_the_users_pins_stay_on_top():
    assert adapter_pins([], {"max_lora_rank": 8}) == {}
    assert adapter_pins([8, 8, 16], {"max_loras": 1, "max_lora_rank": 32}) == {"enable_lora": True}


@pytest.mark.parametrize(("ranks", "pinned", "words"), [
    ([64], {"max_lora_rank": 16}, ("max-lora-rank", "16", "64")),
    ([8], {"enable_lora": False}, ("enable-lora",)),
    ([1024], {}, ("1024", "512")),
])
def test_pins_that_would_make_vllm_refuse_an_adapter_are_one_sentence(ranks, pinned, words):
    with pytest.raises(InputError) as info:
        adapter_pins(ranks, pinned)
    for lang in ("en", "zh_CN"):
        text = localize(info.value.message, lang)
        assert "\n" not in text and all(w in text for w in words)


@pytest.mark.parametrize("version", ["0.6.3", "0.11.0", "0.33.0"])
def test_the_plan_serves_the_adapters(version):
    pins = adapter_pins([8, 64], {})
    plan = make_plan(PlanRequest(hardware=hardware(gpu(**A100_80)), model=llama31_8b(), vllm_version=version,
                                 pinned=pins))
    assert plan.settings.enable_lora and plan.settings.max_loras == 2 and plan.settings.max_lora_rank == 64
    argv = list(plan.argv)
    assert "--enable-lora" in argv and argv[argv.index("--max-loras") + 1] == "2"
    assert argv[argv.index("--max-lora-rank") + 1] == "64"


def test_the_command_gets_one_lora_modules_flag_with_every_item(tmp_path):
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "adapter_config.json").write_text('{"r": 8}')
    a = read_adapter(str(folder))
    b = read_adapter("b=org/b")
    plan = make_plan(PlanRequest(hardware=hardware(gpu(name="NVIDIA A100-SXM4-80GB", total=85_198_045_184, cc="8.0")),
                                 model=llama31_8b(), vllm_version="0.33.0", pinned=adapter_pins([a.rank, b.rank], {})))
    argv = list(build_command(plan, LaunchOptions(lora_modules=(a.module, b.module))).argv)
    assert argv.count("--lora-modules") == 1  # LoRAParserAction keeps only the last flag's items
    at = argv.index("--lora-modules")
    assert argv[at + 1:] == [f"a={tmp_path / 'a'}", "b=org/b"]
