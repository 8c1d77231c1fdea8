"""Pasting a command into the app (issue 13): the Model step's input or the command palette takes a
`vllm serve` command (or a vLLM YAML path), and the Plan step opens with every flag of it pinned,
predicted exactly as `vllm-wizard check` predicts it, with the budget bar, the verdict and the
one-key fixes. Secrets never show; a refused paste is one sentence and changes nothing.

The seed is shared/seeds/004: Qwen1.5-14B-Chat with NUM_GPUs=2 and TENSOR_PARALLEL_SIZE=1 fails with
"max seq len (32768) is larger than the maximum number of tokens that can be stored in KV cache".
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from importlib.resources import files
from pathlib import Path

import pytest
from support import make_model_folder
from textual import events
from textual.widgets import Input
from tui_support import VLLM_VERSION, make_app, press, screen_text, settle

from screens.demo import demo_services
from screens.i18n import set_language, t
from screens.state import SetPin
from screens.steps.goals import GoalsStep
from screens.steps.model import ModelStep
from screens.steps.plan import PlanStep
from screens.widgets.paste_command import PasteCommandDialog
from wizard.check import check_command
from wizard.check.paste import masked
from wizard.hardware.fake_backend import FakeBackend
from wizard.hardware.probe import probe
from wizard.i18n import msg

SIZES = [(80, 24), (120, 40)]
LANGS = ["en", "zh_CN"]
SECRET = "sk-topsecret-4711"
HF_SECRET = "hf_NotForYourEyes42"
# Qwen1.5-14B-Chat's config (as tests/check/conftest.py models it for the same seed).
QWEN15_14B = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 5120, "num_hidden_layers": 40,
    "num_attention_heads": 40, "num_key_value_heads": 40, "intermediate_size": 13696, "vocab_size": 152064,
    "max_position_embeddings": 32768, "rope_theta": 1000000.0, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
}
CHATML = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>{% endfor %}"


@pytest.fixture(scope="module")
def qwen15(tmp_path_factory) -> Path:
    return make_model_folder(tmp_path_factory.mktemp("paste") / "Qwen1.5-14B-Chat", QWEN15_14B,
                             extra={"tokenizer.json": "{}", "tokenizer_config.json": {"chat_template": CHATML}})


@pytest.fixture(scope="module")
def a6000_x2(tmp_path_factory) -> Path:
    """The seed's box: the demo's fake-GPU fixture (two RTX 3080 20 GB) with 48 GB RTX A6000 boards,
    so two GPUs with TP 1 hold the weights but not 32k tokens of KV cache."""
    data = json.loads(files("wizard.data").joinpath("fake_gpus/rtx3080-20gb-x2.json").read_text(encoding="utf-8"))
    total = 48 * 1024**3
    for device in data["devices"]:
        device["name"] = "NVIDIA RTX A6000"
        device["memory"].update(total=total, free=total - device["memory"]["reserved"] - device["memory"]["used"])
    path = tmp_path_factory.mktemp("gpus") / "rtxa6000-48gb-x2.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def services_on(fixture: Path):
    return replace(demo_services(), probe=lambda: probe(backend=FakeBackend.from_spec(str(fixture)), env={}))


def seed004(model: Path, *extra: str) -> str:
    """The seed's command as people paste it: env first, one flag per line with `\\` continuations."""
    return (f"CUDA_VISIBLE_DEVICES=0,1 vllm serve {model} \\\n  --tensor-parallel-size 1 \\\n"
            f"  --max-model-len 32768" + "".join(f" \\\n  {e}" for e in extra) + "\n")


async def to_model_step(pilot) -> None:
    await settle(pilot)
    await press(pilot, "ctrl+n")
    assert isinstance(pilot.app.screen, ModelStep)


async def paste_into(pilot, selector: str, text: str) -> None:
    """A terminal paste (bracketed paste event) into the input, then Enter."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = ""
    field.post_message(events.Paste(text))
    await pilot.pause()
    await press(pilot, "enter")


def run(coro):
    return asyncio.run(coro)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_seed004_paste_opens_the_plan_with_the_flags_pinned_the_failure_and_a_fix(qwen15, a6000_x2, size, lang):
    set_language(lang)

    async def drive():
        app = make_app(services=services_on(a6000_x2), model_text="")
        async with app.run_test(size=size) as pilot:
            await to_model_step(pilot)
            await paste_into(pilot, "#model-input", seed004(qwen15))
            assert isinstance(app.screen, PlanStep)
            assert app.state.pinned == {"tensor_parallel_size": 1, "max_model_len": 32768}
            assert app.state.model.ref == str(qwen15) and app.state.hardware.selected == (0, 1)
            plan = app.derived.plan
            assert plan is not None and plan.failure_code == "max_model_len_exceeds_kv_cache"
            assert plan.pinned == ("max_model_len", "tensor_parallel_size")
            # Exactly what `vllm-wizard check` predicts for the same command on the same GPUs.
            checked = check_command(["vllm", "serve", str(qwen15), "--tensor-parallel-size", "1",
                                     "--max-model-len", "32768"], app.derived.hardware, vllm_version=VLLM_VERSION,
                                    gpu_indices=(0, 1))
            assert plan.settings == checked.plan.settings and plan.kv_cache_tokens == checked.plan.kv_cache_tokens
            # The check finding the planner does not show: one GPU of two used.
            assert "tensor_parallel_size_mismatch" in {f.code for f in app.derived.notices}
            shown = screen_text(app)
            verdict = t("plan.fails", version=plan.version, code=plan.failure_code, message="").split("(")[0]
            # the verdict line may wrap at 80 columns: compare without the layout's spaces and breaks
            assert "".join(verdict.split()) in "".join(shown.split())
            assert "GPU 0" in shown and "32768" in shown
            # Under the bars (scrolled to at 80x24): which command is predicted, then the notices.
            notes = str(app.screen.query_one("#warnings").render())
            assert t("paste.predicting", version=VLLM_VERSION, command=app.state.paste.shown) in notes
            assert t("paste.notice", message="")[:1] in notes
            fixes = [f.key for f in app.derived.fixes]
            assert "more_gpus" in fixes and "check.use_all_gpus" not in fixes  # the same fix, offered once
            # The fix is one key: TP 2 over both GPUs starts, the command's other pin kept.
            await press(pilot, str(fixes.index("more_gpus") + 1))
            assert app.state.pinned["tensor_parallel_size"] == 2 and app.state.pinned["max_model_len"] == 32768
            assert app.derived.plan.ok
            assert "tensor_parallel_size_mismatch" not in {f.code for f in app.derived.notices}

    run(drive())


def test_kept_flags_and_env_reach_the_command_and_secrets_show_nowhere(qwen15, a6000_x2):
    async def drive():
        app = make_app(services=services_on(a6000_x2), model_text="")
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await to_model_step(pilot)
            text = (f"HF_TOKEN={HF_SECRET} VLLM_LOGGING_LEVEL=DEBUG " + seed004(
                qwen15, "--tensor-parallel-size 2", f"--api-key {SECRET}", "--port 8001",
                "--served-model-name qwen", "--disable-log-stats", "--uvicorn-log-level warning",
                "--no-such-flag 3"))
            await paste_into(pilot, "#model-input", text)
            assert isinstance(app.screen, PlanStep) and app.derived.plan.ok
            assert app.state.pinned == {"tensor_parallel_size": 2, "max_model_len": 32768}  # the last -tp wins
            command = app.derived.command
            argv = list(command.argv)
            assert argv[argv.index("--port") + 1] == "8001" and app.state.exposure.port == 8001
            assert argv[argv.index("--served-model-name") + 1] == "qwen"
            assert "--disable-log-stats" in argv and argv[argv.index("--uvicorn-log-level") + 1] == "warning"
            assert "--no-such-flag" not in argv  # vLLM would refuse it: a notice instead
            assert command.env["VLLM_LOGGING_LEVEL"] == "DEBUG"
            codes = {f.code for f in app.derived.notices}
            assert {"unknown_argument", "api_key_in_command", "secret_in_command"} <= codes
            # The key and the token: not on any screen, in the state, the command or a toast.
            everywhere = [screen_text(app), repr(app.state), command.shell_line(), repr(command.env),
                          " ".join(str(n.message) for n in app._notifications)]
            await press(pilot, "escape")  # back through the steps: the Model step's input too
            await press(pilot, "escape")
            assert isinstance(app.screen, ModelStep)
            everywhere += [screen_text(app), app.screen.query_one("#model-input", Input).value]
            for seen in everywhere:
                assert SECRET not in seen and HF_SECRET not in seen
            assert str(msg("appwire.note.api_key")) in everywhere[4]

    run(drive())


@pytest.mark.parametrize("lang", LANGS)
def test_a_yaml_path_opens_the_plan(qwen15, a6000_x2, tmp_path, lang):
    set_language(lang)
    config = tmp_path / "qwen.yaml"
    config.write_text(f'model: "{qwen15}"\ntensor-parallel-size: 1\nmax_model_len: 32768\nport: 6333\n'
                      'disable-log-stats: true\n', encoding="utf-8")

    async def drive():
        app = make_app(services=services_on(a6000_x2), model_text="")
        async with app.run_test(size=(80, 24)) as pilot:
            await to_model_step(pilot)
            await paste_into(pilot, "#model-input", str(config))
            assert isinstance(app.screen, PlanStep)
            assert app.state.pinned == {"tensor_parallel_size": 1, "max_model_len": 32768}
            assert app.derived.plan.failure_code == "max_model_len_exceeds_kv_cache" and app.derived.fixes
            assert app.state.exposure.port == 6333 and "--disable-log-stats" in app.derived.command.argv

    run(drive())


def test_a_public_host_with_a_key_stops_on_goals_for_the_key(qwen15, a6000_x2, tmp_path):
    """The seed-003 YAML shape: host 0.0.0.0 and an api-key. The key is not taken from the file; the
    Goals step asks for it (the launch passes it as VLLM_API_KEY), then Next reaches the plan."""
    config = tmp_path / "public.yaml"
    config.write_text(f'model: "{qwen15}"\nhost: "0.0.0.0"\napi-key: "{SECRET}"\ntensor-parallel-size: 2\n',
                      encoding="utf-8")

    async def drive():
        app = make_app(services=services_on(a6000_x2), model_text="")
        async with app.run_test(size=(80, 24)) as pilot:
            await to_model_step(pilot)
            await paste_into(pilot, "#model-input", str(config))
            assert isinstance(app.screen, GoalsStep) and app.state.exposure.all_interfaces
            assert SECRET not in screen_text(app) and SECRET not in repr(app.state)
            assert app.state.pinned == {"tensor_parallel_size": 2}

    run(drive())


GARBAGE = ["vllm srve Qwen/Qwen3-8B --tp 2", f"HF_TOKEN={HF_SECRET} vllm run Qwen/Qwen3-8B --api-key {SECRET}", "vllm serve --max-model-len 8192", "python -m http.server 8000",
           "missing.yaml", 'vllm serve "Qwen/Qwen3-8B --port 1']


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_garbage_paste_is_one_message_and_changes_nothing(size, lang):
    set_language(lang)

    async def drive():
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await to_model_step(pilot)
            before = app.state
            assert before.model.facts is not None  # the demo model, inspected at start
            for text in GARBAGE:
                await paste_into(pilot, "#model-input", text)
                assert isinstance(app.screen, ModelStep) and app.state == before
                # Nothing lost but the secrets' values, which the app never uses.
                assert app.screen.query_one("#model-input", Input).value == masked(text)
                error = app.screen.query_one("#paste-error")
                message = str(error.render()).strip()
                assert error.display and message and "\n" not in message  # one sentence
                assert bool(re.search(r"[\u4e00-\u9fff]", message)) == (lang == "zh_CN")  # in the screen's language
                shown = screen_text(app)
                assert "Traceback" not in shown and SECRET not in shown and HF_SECRET not in shown
            # A model typed after a refusal is inspected as before, and the message goes.
            await paste_into(pilot, "#model-input", before.model.text)
            assert not app.screen.query_one("#paste-error").display

    run(drive())


@pytest.mark.parametrize("lang", LANGS)
def test_the_command_palette_pastes_too(qwen15, a6000_x2, lang):
    set_language(lang)

    async def drive():
        app = make_app(services=services_on(a6000_x2), model_text="")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert t("paste.cmd") in [c.title for c in app.get_system_commands(app.screen)]
            app.action_paste_command()
            await settle(pilot)
            assert isinstance(app.screen, PasteCommandDialog)
            await paste_into(pilot, "#paste-input", "vllm serve")
            assert isinstance(app.screen, PasteCommandDialog)  # refused: the dialog stays, text kept
            refusal = msg("appwire.error.no_model").render(lang)
            assert str(app.screen.query_one("#paste-error").render()) == refusal
            assert refusal[:16] in screen_text(app)
            assert app.screen.query_one("#paste-input", Input).value == "vllm serve"
            await paste_into(pilot, "#paste-input", seed004(qwen15))
            assert isinstance(app.screen, PlanStep)
            assert app.derived.plan.failure_code == "max_model_len_exceeds_kv_cache"

    run(drive())


# --- the state and the plan without a terminal ---------------------------------------------------------


def _state_with_demo_gpus():
    from screens.demo import demo_probe
    from screens.state import ProbeFinished, SetPin, WizardState, reduce

    state = reduce(WizardState(vllm_version=VLLM_VERSION), ProbeFinished(facts=demo_probe()))
    return reduce(state, SetPin("enforce_eager", True))


def test_a_paste_replaces_the_pins_and_sets_gpus_and_exposure():
    from screens.state import InspectStarted, reduce
    from wizard.check.paste import read_paste

    state = _state_with_demo_gpus()
    pasted = read_paste("CUDA_VISIBLE_DEVICES=1 vllm serve org/m --max-model-len 8192 --host 0.0.0.0 --port 7000",
                        VLLM_VERSION)
    after = reduce(state, pasted_intent(pasted))
    assert after.pinned == {"max_model_len": 8192}  # the earlier enforce_eager pin is not the command's
    assert after.hardware.selected == (1,) and after.exposure.all_interfaces and after.exposure.port == 7000
    assert reduce(after, InspectStarted("org/m")).paste is pasted  # its own model: still that command
    assert reduce(after, InspectStarted("org/other")).paste is None  # another model typed by hand
    elsewhere = read_paste("CUDA_VISIBLE_DEVICES=6,7 vllm serve org/m", VLLM_VERSION)
    assert reduce(state, pasted_intent(elsewhere)).hardware.selected == (0, 1)  # no such GPUs: kept


def pasted_intent(pasted):
    from screens.state import PasteRead

    return PasteRead(pasted)


def test_derive_predicts_a_paste_exactly_and_the_chooser_otherwise():
    from screens.demo import demo_inspect
    from screens.derive import derive
    from screens.state import InspectFinished, InspectStarted, reduce
    from wizard.check.paste import read_paste

    found = demo_inspect("Qwen/Qwen3-14B")
    state = reduce(_state_with_demo_gpus(), InspectStarted("Qwen/Qwen3-14B"))
    state = reduce(state, InspectFinished("Qwen/Qwen3-14B", found.facts, found.ref))
    pasted = read_paste("vllm serve Qwen/Qwen3-14B -tp 2 --max-model-len 4096 --disable-log-stats", VLLM_VERSION)
    state = reduce(state, pasted_intent(pasted))
    derived = derive(state)
    checked = check_command(["vllm", "serve", "Qwen/Qwen3-14B", "-tp", "2", "--max-model-len", "4096"],
                            derived.hardware, vllm_version=VLLM_VERSION, model=found.facts)
    assert derived.plan.settings == checked.plan.settings  # release defaults, nothing chosen
    assert derived.command.argv[-1] == "--disable-log-stats"
    # The same pins typed by hand are planned by the chooser: it picks what the command left out.
    by_hand = derive(replace(reduce(state, InspectStarted("Qwen/Qwen3-14B-other")), model=state.model))
    assert by_hand.plan.settings != derived.plan.settings and "--disable-log-stats" not in by_hand.command.argv


@pytest.mark.parametrize("lang", LANGS)
def test_a_check_suggestion_is_a_one_key_fix_too(lang):
    """The demo's Qwen3-14B (a thinking model) pasted without --reasoning-parser starts, and check's
    suggestion is offered as a fix (labelled with the flag, described in the screen's language)."""
    set_language(lang)

    async def drive():
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await to_model_step(pilot)
            await paste_into(pilot, "#model-input", "vllm serve Qwen/Qwen3-14B -tp 2 --max-model-len 8192")
            assert isinstance(app.screen, PlanStep) and app.derived.plan.ok
            assert "missing_reasoning_parser" in {f.code for f in app.derived.notices}
            fix = app.derived.fixes[0]
            assert fix.pins == {"reasoning_parser": "qwen3"}
            assert fix.result == msg("check.suggest.reasoning_parser", parser="qwen3").render(lang)
            assert "1 --reasoning-parser qwen3" in screen_text(app)
            await press(pilot, "1")
            assert app.state.pinned["reasoning_parser"] == "qwen3" and app.derived.plan.ok
            assert "missing_reasoning_parser" not in {f.code for f in app.derived.notices}
            assert "--reasoning-parser" in app.derived.command.argv

    run(drive())


def test_a_command_whose_model_cannot_be_inspected_changes_no_pin(tmp_path):
    async def drive():
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await to_model_step(pilot)
            app.dispatch(SetPin("enforce_eager", True))
            before = (app.state.pins, app.state.hardware, app.state.exposure)
            missing = tmp_path / "no-such-model"
            await paste_into(pilot, "#model-input", f"vllm serve {missing} -tp 2 --port 9000")
            assert isinstance(app.screen, ModelStep) and app.state.model.error  # the step says why
            assert (app.state.pins, app.state.hardware, app.state.exposure) == before and app.state.paste is None
            await paste_into(pilot, "#model-input", "Qwen/Qwen3-14B")  # and nothing is waiting for it
            assert isinstance(app.screen, ModelStep) and app.state.pinned == {"enforce_eager": True}

    run(drive())


def test_markup_in_a_pasted_command_is_shown_as_written(qwen15, a6000_x2):
    """`[/b]` or `[@click=...]` in a flag value or path is the user's text, not Textual markup: the
    Plan step and the palette's refusal show it as written (no MarkupError, no live link)."""
    async def drive():
        app = make_app(services=services_on(a6000_x2), model_text="")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.action_paste_command()
            await settle(pilot)
            await paste_into(pilot, "#paste-input", "/nowhere/[/b]x.yaml")
            assert isinstance(app.screen, PasteCommandDialog)
            assert "/nowhere/[/b]x.yaml" in str(app.screen.query_one("#paste-error").render())
            await paste_into(pilot, "#paste-input", f"vllm serve {qwen15} --chat-template /t/[/b][@click=app.quit]q.jinja"
                             " --tensor-parallel-size 2")
            assert isinstance(app.screen, PlanStep) and app.derived.plan is not None
            notes = str(app.screen.query_one("#warnings").render())
            assert "/t/[/b][@click=app.quit]q.jinja" in notes

    run(drive())
