"""Plans across models, hardware and settings, checked by the real vLLM: its own parser accepts each
argv and its engine configuration builds (config.json read, no weights loaded)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from wizard.launch.introspect import introspect, validate
from wizard.planner.argv import fit_to_installed
from wizard.vllm_env import find_vllm

pytestmark = pytest.mark.vllm
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Text checkpoints of the public calibration set (multimodal ones need torchvision, which the CPU
# environment cannot have), one folder each, rebuilt from their published config.json.
MODELS = [
    "pub-qwen3next80b-2xh200-tp2-v0102", "pub-qwen3-235b-a22b-2507-fp8-8xl40s-tp8-v0102",
    "pub-qwen3coder30b-a3b-4xl40s-tp4-v0240", "pub-qwen3coder-next-4xl40s-tp4-mamba-blocks-error",
    "pub-qwen25-7b-awq-rtx4080-wsl-v0260", "pub-llama31-8b-a100-40g-eager-v0151", "pub-glm46-awq-2xdgxspark-tp2-ngc2509",
    "pub-kimi-k2-thinking-8xh200-tp8", "pub-gptoss120b-kaggle-80gb-v0112", "pub-qwen25-05b-rtx4090-wsl-v0271",
    "pub-qwen3-30b-a3b-2507-2xgh200x4-pp2-tp4-v0101", "pub-qwen3-06b-a100-flashinfer-bf16-pr24577",
    "pub-qwen3-4b-2507-fp8-rtx5090-32k", "pub-qwen3-14b-awq-l40s-v0280-defaults",
]
# (GPU, count, pins): each model is planned on three of these, so every shape meets several models.
HARDWARE = [
    ("H100", 1, []), ("L4", 2, ["kv-cache-dtype=fp8"]), ("A100-80GB", 4, ["enforce-eager=true"]),
    ("T4", 1, []), ("RTX 4090", 1, ["max-model-len=8192", "enable-prefix-caching=false"]),
    ("H200", 8, ["max-num-seqs=64", "enable-chunked-prefill=false", "max-model-len=16384"]),
    ("L40S", 2, ["dtype=float16", "block-size=32"]),
]
# Refusals this test first found as planner gaps; the planner now predicts each one itself, and vLLM
# must refuse with the same code. (model, setup substring, code)
PREDICTED_REFUSALS = [
    ("pub-mistral7b-gptq-dgxspark-v0110nv", "", "unsupported_quantization"),  # act-order GPTQ is gone
    ("pub-gptoss120b-kaggle-80gb-v0112", "T4", "unsupported_dtype"),  # mxfp4 MoE has no float16 path
    ("pub-gptoss120b-kaggle-80gb-v0112", "dtype=float16", "unsupported_dtype"),
    ("pub-qwen3next80b-2xh200-tp2-v0102", "enable-chunked-prefill=false", "other"),  # Mamba cache needs it
    ("pub-qwen3coder-next-4xl40s-tp4-mamba-blocks-error", "enable-chunked-prefill=false", "other"),
]
REFUSED = {"pub-mistral7b-gptq-dgxspark-v0110nv"}


def _expected_refusal(rid: str, label: str) -> str | None:
    return next((code for model, setup, code in PREDICTED_REFUSALS if model == rid and setup in label), None)


def _folder(rid: str, root: Path, tokenizer: Path) -> Path:
    from benchmarks.calibration_models import build_model_folder

    folder = build_model_folder(rid, root / rid)
    # The synthetic checkpoint's tokenizer files name the real tokenizer; vLLM loads one to check the
    # reasoning parser's tokens, so give it a real (tiny) one with those tokens.
    shutil.copy(tokenizer, folder / "tokenizer.json")
    config = folder / "tokenizer_config.json"
    data = json.loads(config.read_text()) if config.exists() else {}
    data.pop("auto_map", None)
    data["tokenizer_class"] = "PreTrainedTokenizerFast"
    config.write_text(json.dumps(data))
    return folder


@pytest.fixture(scope="module")
def install(vllm_env):
    found = find_vllm()
    assert found is not None, "VLLM_WIZARD_VLLM_PYTHON is set but no vLLM answered"
    return found


def _plans(install, scratch, tokenizer):
    from wizard.hardware.catalog import catalog_hardware
    from wizard.model.local import inspect_local
    from wizard.planner.inputs import PlanRequest
    from wizard.planner.plan import make_plan
    from wizard.planner.settings import parse_pins

    root = scratch / "checkpoints"
    cases = []
    for i, rid in enumerate([*MODELS, *REFUSED]):
        folder = _folder(rid, root, tokenizer)
        facts = inspect_local(folder)
        for gpu, count, pins in (HARDWARE[i % 7], HARDWARE[(i + 2) % 7], HARDWARE[(i + 5) % 7]):
            plan = make_plan(PlanRequest(hardware=catalog_hardware(gpu, count=count), model=facts,
                                         vllm_version=install.version, model_ref=str(folder),
                                         pinned=parse_pins(pins)))
            cases.append((rid, f"{count}x {gpu} {' '.join(pins)}".strip(), plan))
    return cases


def test_real_parser_accepts_generated_plans_and_builds_their_engine_config(install, scratch, marker_tokenizer):
    cases = _plans(install, scratch, marker_tokenizer)
    flags = introspect(install).flags()
    argvs = []
    for rid, label, plan in cases:
        fit = fit_to_installed(list(plan.argv), plan.env, flags)
        assert fit.ok, (rid, label, fit.problems)
        argvs.append(fit.argv)
    results = validate(install, argvs)
    accepted, refused = [], []
    for (rid, label, plan), argv, result in zip(cases, argvs, results):
        line = f"{rid} on {label}: {' '.join(argv[3:])}"
        expected = _expected_refusal(rid, label)
        if expected:
            assert not plan.ok and plan.failure_code == expected, f"{line}\n  the planner should predict {expected}"
            assert not result.ok and result.code == expected, f"{line}\n  expected vLLM to refuse it ({expected}): {result}"
            refused.append(line)
        else:
            assert result.ok, f"{line}\n  vLLM: {result.error}"
            accepted.append(line)
    print(f"\n{len(accepted)} plans accepted by vLLM {install.version}; {len(refused)} refusals predicted and confirmed:")
    print("\n".join(refused))
    assert len(accepted) >= 30
    assert len({label for _, label, _ in cases}) >= 6 and len({rid for rid, _, _ in cases}) >= 14


def test_bad_values_are_refused_by_vllm_and_mapped(install, tiny_model):
    base = ["vllm", "serve", str(tiny_model)]
    results = validate(install, [base + ["--kv-cache-dtype", "fp9"], base + ["--max-model-len", "100000"],
                                 base + ["-tp", "3"], base + ["--quantization", "nope"]])
    assert [r.stage for r in results] == ["parse", "engine_config", "engine_config", "engine_config"]
    assert [r.code for r in results] == ["other", "max_model_len_exceeds_model", "tp_not_divisor",
                                         "unsupported_quantization"]
    assert "invalid choice: 'fp9'" in results[0].error


def test_the_parser_snapshot_still_matches_the_installed_vllm(install):
    """The quick tests check argvs against a snapshot of this parser; catch drift when the pin moves."""
    fixture = ROOT / "tests" / "launch" / "fixtures" / "vllm-0.32.0-cpu-serve-args.json"
    snap = json.loads(fixture.read_text())
    real = introspect(install, refresh=True).raw
    if real["vllm_version"] != snap["vllm_version"]:
        pytest.skip(f"snapshot is for {snap['vllm_version']}, installed is {real['vllm_version']}")
    flags = lambda d: {f for a in d["arguments"] for f in a["flags"]}  # noqa: E731
    assert flags(real) == flags(snap)
    assert real["registries"] == snap["registries"]
