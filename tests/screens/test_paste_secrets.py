"""No secret pasted into the app shows anywhere (issue 13's paste path): the command palette's dialog
keeps a refused paste masked, and an accepted one opens the Plan step with no secret on the screen,
in the state or in the command to launch, wherever in the command the secret sat."""

from __future__ import annotations

import asyncio
import shlex
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from secret_strategies import COMMAND_SECRETS
from support import make_model_folder
from textual import events
from textual.widgets import Input
from tui_support import make_app, press, screen_text, settle

from screens.demo import demo_services
from screens.steps.plan import PlanStep
from screens.widgets.paste_command import PasteCommandDialog

QWEN15_14B = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 5120, "num_hidden_layers": 40,
    "num_attention_heads": 40, "num_key_value_heads": 40, "intermediate_size": 13696, "vocab_size": 152064,
    "max_position_embeddings": 32768, "rope_theta": 1000000.0, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
}


@pytest.fixture(scope="module")
def qwen15(tmp_path_factory) -> Path:
    return make_model_folder(tmp_path_factory.mktemp("paste-secrets") / "Qwen1.5-14B-Chat", QWEN15_14B,
                             extra={"tokenizer.json": "{}", "tokenizer_config.json": {"chat_template": "{{ x }}"}})


@pytest.fixture(scope="module")
def services():
    return demo_services()


async def paste_into(pilot, selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = ""
    field.post_message(events.Paste(text))
    await pilot.pause()
    await press(pilot, "enter")


def _secrets(words: list[str]) -> set[str]:
    return {w[w.index("Qz7"):].split('"')[0].split("@")[0] for w in words if "Qz7" in w}


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(placed=st.lists(COMMAND_SECRETS, min_size=1, max_size=3))
def test_no_pasted_secret_shows_in_the_dialog_the_plan_or_the_command(qwen15, services, placed):
    env = [w for e, _ in placed for w in e]
    flags = [w for _, f in placed for w in f]
    secrets = _secrets(env + flags)
    assert secrets
    refused = shlex.join([*env, "vllm", "run", str(qwen15), *flags])
    accepted = shlex.join([*env, "vllm", "serve", str(qwen15), "--max-model-len", "4096", *flags])

    async def drive():
        app = make_app(services=services, model_text="")
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            app.action_paste_command()
            await settle(pilot)
            assert isinstance(app.screen, PasteCommandDialog)
            await paste_into(pilot, "#paste-input", refused)
            assert isinstance(app.screen, PasteCommandDialog)  # refused: the text stays, masked
            seen = [screen_text(app), app.screen.query_one("#paste-input", Input).value]
            await paste_into(pilot, "#paste-input", accepted)
            await settle(pilot)
            assert isinstance(app.screen, PlanStep)
            command = app.derived.command
            seen += [screen_text(app), repr(app.state), command.shell_line(), repr(command.env),
                     " ".join(str(n.message) for n in app._notifications)]
            for text in seen:
                for secret in secrets:
                    assert secret not in text

    asyncio.run(drive())
