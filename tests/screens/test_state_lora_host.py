"""The state and its derivation for issue 16's inputs, without a terminal: host RAM (detected, typed,
catalog) and LoRA adapters (pins under the user's own, the command, a served-name clash)."""

from __future__ import annotations

from screens.demo import DEMO_MODEL_ID, demo_inspect, demo_probe
from screens.derive import derive
from screens.exporting import export_context, render
from screens.state import (
    HostMemoryRead,
    InspectFinished,
    InspectStarted,
    ProbeFinished,
    SetLoraAdapters,
    SetPin,
    SetPlanInput,
    UseCatalog,
    WizardState,
    reduce,
)
from wizard.i18n import msg
from wizard.model.lora_adapter import LoraAdapter

GIB = 1 << 30


def _ready() -> WizardState:
    found = demo_inspect(DEMO_MODEL_ID)
    state = reduce(WizardState(vllm_version="0.33.0"), ProbeFinished(facts=demo_probe()))
    state = reduce(state, InspectStarted(DEMO_MODEL_ID))
    return reduce(state, InspectFinished(DEMO_MODEL_ID, found.facts, found.ref))


def test_host_ram_detected_typed_and_unknown_for_catalog_gpus():
    state = reduce(_ready(), HostMemoryRead(48 * GIB))
    assert derive(state).plan.request.host_memory_bytes == 48 * GIB
    typed = reduce(state, SetPlanInput("host_memory_gib", 256.0))
    assert derive(typed).plan.request.host_memory_bytes == 256 * GIB
    catalog = reduce(state, UseCatalog(True))
    assert derive(catalog).plan.request.host_memory_bytes is None
    assert derive(reduce(catalog, SetPlanInput("host_memory_gib", 512.0))).plan.request.host_memory_bytes == 512 * GIB
    assert reduce(typed, SetPlanInput("host_memory_gib", None)).hardware.host_memory_gib is None


def test_adapters_set_the_lora_settings_under_the_users_pins():
    adapters = (LoraAdapter("sql", "/srv/sql", 8), LoraAdapter("chat", "org/chat", None, local=False))
    state = reduce(_ready(), SetLoraAdapters(adapters))
    derived = derive(state)
    s = derived.plan.settings
    assert (s.enable_lora, s.max_loras, s.max_lora_rank) == (True, 2, 16)
    argv = list(derived.command.argv)
    assert argv[argv.index("--lora-modules") + 1:][:2] == ["sql=/srv/sql", "chat=org/chat"]
    pinned = derive(reduce(state, SetPin("max_loras", 1)))
    assert pinned.plan.settings.max_loras == 1 and pinned.plan.settings.max_lora_rank == 16
    # A pin that holds every known rank stands (the hub adapter's rank is vLLM's to check at start-up).
    low = derive(reduce(state, SetPin("max_lora_rank", 8)))
    assert low.error is None and low.plan.settings.max_lora_rank == 8
    too_small = derive(reduce(reduce(_ready(), SetLoraAdapters((LoraAdapter("big", "/srv/big", 64),))),
                              SetPin("max_lora_rank", 16)))
    assert too_small.plan is None and too_small.error == msg("appctl.lora.rank_pinned_below", pinned=16, rank=64)
    cleared = derive(reduce(state, SetLoraAdapters(())))
    assert not cleared.plan.settings.enable_lora and "--lora-modules" not in cleared.command.argv


def test_a_served_name_that_is_also_an_adapters_name_is_refused():
    state = reduce(_ready(), SetLoraAdapters((LoraAdapter("qwen", "/srv/qwen-lora", 8),)))
    assert derive(state).error is None
    clash = derive(reduce(state, SetPlanInput("served_model_name", "qwen")))
    assert clash.plan is None and clash.error == msg("appctl.lora.name_taken", name="qwen")


def test_exports_of_a_local_model_with_a_hub_adapter_keep_the_hugging_face_variables(tmp_path):
    found = demo_inspect(DEMO_MODEL_ID)
    local = found.facts.model_copy(update={"source": "local", "path": "/models/qwen"})
    state = reduce(WizardState(vllm_version="0.33.0"), ProbeFinished(facts=demo_probe()))
    state = reduce(state, InspectStarted("/models/qwen"))
    state = reduce(state, InspectFinished("/models/qwen", local, "/models/qwen"))
    env = {"HF_ENDPOINT": "https://hf-mirror.com", "HOME": str(tmp_path)}
    assert "HF_ENDPOINT" not in export_context(state, derive(state), env).hub_env
    with_hub = reduce(state, SetLoraAdapters((LoraAdapter("sql", "org/sql-lora", None, local=False),)))
    derived = derive(with_hub)
    ctx = export_context(with_hub, derived, env)
    assert ctx.hub_env["HF_ENDPOINT"] == "https://hf-mirror.com" and ctx.hub_model
    unit = render("systemd", derived.command, ctx)
    assert "HF_ENDPOINT=https://hf-mirror.com" in unit and "sql=org/sql-lora" in unit
    only_local = reduce(state, SetLoraAdapters((LoraAdapter("sql", "/srv/sql", 8),)))
    assert "HF_ENDPOINT" not in export_context(only_local, derive(only_local), env).hub_env
