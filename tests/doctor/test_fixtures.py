"""Every fixture (tests/doctor/fixtures/*.log, each naming the vLLM release and file its wording comes
from) gives the diagnosis it declares in its header, with the changed setting computed from the
log's own figures, the evidence line as printed, and JSON that keeps the contract."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from contract_schemas import assert_valid

from wizard.cli import main
from wizard.i18n import catalog

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p.name for p in FIXTURES.glob("*.log"))


def header(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("# "):
            break
        key, sep, value = line[2:].partition(": ")
        if sep and key in {"expect", "set", "phase", "figures"}:
            out[key] = value.strip()
    return out


def _literal(text: str):
    try:
        return ast.literal_eval(text)
    except ValueError:
        return text  # a bare word: dtype=float16


def run_json(capsys, *argv: str) -> tuple[int, dict]:
    rc = main(["doctor", *argv, "--json"])
    out = capsys.readouterr().out
    return rc, json.loads(out)


def test_there_is_a_fixture_for_every_code_the_contract_names():
    codes = {header(FIXTURES / name)["expect"] for name in CASES}
    required = {"max_model_len_exceeds_kv_cache", "no_kv_cache_memory", "cuda_oom", "free_memory_below_request",
                "quantization_mismatch", "unsupported_quantization", "no_c_compiler", "missing_python_headers",
                "unsupported_dtype", "trust_remote_code_required", "gated_repo", "model_not_found", "port_in_use",
                "nccl_error", "unknown_argument", "startup_timeout", "healthy"}
    assert required <= codes, required - codes


@pytest.mark.parametrize("name", CASES)
def test_fixture_gives_its_diagnosis(name, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("VLLM_WIZARD_STATE_DIR", str(tmp_path))
    path = FIXTURES / name
    expected = header(path)
    rc, data = run_json(capsys, str(path))
    assert_valid("doctor", data)
    if expected["expect"] == "healthy":
        assert rc == 0 and data["diagnoses"] == [] and data["startup"] == {"ok": True, "failure": None}
        for pair in expected.get("figures", "").split():
            key, _, value = pair.partition("=")
            assert str(data["figures"][key]) == value, key
        return
    assert rc == 3
    first = data["diagnoses"][0]
    assert first["code"] == expected["expect"]
    assert data["startup"]["ok"] is False and data["startup"]["failure"]["message"] == first["cause"]
    # The evidence is a line of the log as printed (never the fixture's own description).
    lines = path.read_text(encoding="utf-8").splitlines()
    assert not first["evidence"].startswith("#")
    assert any(first["evidence"].rstrip("…") in line.replace("\x1b[1;36m", "").replace("\x1b[0;0m", "")
               for line in lines)
    if "set" in expected:
        key, _, value = expected["set"].partition("=")
        assert first["set"] == {key: _literal(value)}
    else:
        assert first["set"] is None


@pytest.mark.parametrize("name", CASES)
def test_human_output_in_both_languages(name, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("VLLM_WIZARD_STATE_DIR", str(tmp_path))
    expected = header(FIXTURES / name)["expect"]
    for lang, title in (("en", "doctor.title"), ("zh_CN", "doctor.title")):
        rc = main(["doctor", str(FIXTURES / name), "--lang", lang])
        out = capsys.readouterr().out
        assert rc == (0 if expected == "healthy" else 3)
        key = f"{title}.ok" if expected == "healthy" else f"{title}.failed"
        assert catalog(lang)[key].split("{")[0] in out
        if expected != "healthy":
            assert f"[{expected}]" in out
            assert catalog(lang)["doctor.label.fix"] in out
