"""The same inspection and download code against older clients: huggingface_hub 0.36 (requests-based)
and modelscope 1.37 (the self-contained client with the org/name cache layout), each in a subprocess
whose PYTHONPATH puts the unpacked wheel first. Skipped when the local wheelhouse is empty (see
tests/hub/compat.py); nothing is fetched from the network here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from compat import unpack, wheelhouse
from fakehub import MS_GOOD_TOKEN

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def run_with(package: str, tmp_path_factory, code: str, env: dict[str, str]) -> dict:
    folder = unpack(package, tmp_path_factory.mktemp("compat"))
    if folder is None:
        pytest.skip(f"no {package} wheel in {wheelhouse()}: run `python tests/hub/compat.py` where PyPI is reachable")
    full = {**{k: v for k, v in os.environ.items() if not k.startswith(("HF_", "MODELSCOPE_"))}, **env,
            "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]), "HF_HUB_DISABLE_TELEMETRY": "1"}
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=full,
                         timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_huggingface_hub_036(hub, tmp_path, tmp_path_factory):
    home = tmp_path / "hf-home"
    hub.reset_log()
    result = run_with("huggingface_hub", tmp_path_factory, f"""
        import json, huggingface_hub
        from wizard.hub import errors as E
        from wizard.hub.download import download
        from wizard.hub.inspect import inspect_repo
        from wizard.hub.settings import hf_settings

        s = hf_settings({hub.url!r}, env={{"HF_HOME": {str(home)!r}}})
        out = {{"version": huggingface_hub.__version__}}
        model = inspect_repo("org/tiny", s)
        out["shards"] = model.facts.weights.shard_count
        out["sha"] = model.repo.file("model-00001-of-00002.safetensors").sha256
        for repo, rev, cls in (("org/nope", None, E.RepoNotFoundError), ("org/tiny", "v9", E.RevisionNotFoundError),
                               ("org/gated", None, E.GatedRepoError)):
            try:
                inspect_repo(repo, s, rev)
            except cls as exc:
                out[cls.__name__] = str(exc)
        folder = [e for e in download("org/tiny", settings=s)][-1].path
        out["found"] = huggingface_hub.snapshot_download("org/tiny", cache_dir=s.cache_dir, local_files_only=True) == folder
        huggingface_hub.snapshot_download("org/tiny", cache_dir=s.cache_dir, endpoint={hub.url!r}, token=False,
                                          allow_patterns=["*.json", "*.safetensors"], ignore_patterns=["consolidated*"])
        print(json.dumps(out))
    """, {"HF_HOME": str(home)})
    assert result["version"] == "0.36.0" and result["shards"] == 2 and result["found"] is True
    assert result["sha"] == hub.repos["org/tiny"].files["model-00001-of-00002.safetensors"].sha256
    assert "no such model" in result["RepoNotFoundError"] and "'v9'" in result["RevisionNotFoundError"]
    assert "is gated" in result["GatedRepoError"]
    # 0.36's own snapshot_download, run after ours, found every file in place: each shard crossed the wire once.
    for shard in ("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"):
        assert len([r for r in hub.requests("GET", shard) if r.status == 200]) == 1


def test_modelscope_137(hub, tmp_path, tmp_path_factory):
    cache = tmp_path / "ms"
    env = {"MODELSCOPE_ENDPOINT": hub.url, "MODELSCOPE_CACHE": str(cache)}
    hub.drop_after("model-00001-of-00002.safetensors", 50_000)
    result = run_with("modelscope", tmp_path_factory, """
        import json, modelscope
        from wizard.hub import errors as E
        from wizard.hub.cache import find_cached
        from wizard.hub.download import download
        from wizard.hub.settings import modelscope_settings
        from wizard.hub.resolve import load_model_facts

        out = {"version": modelscope.__version__}
        s = modelscope_settings()
        out["folder"] = [e for e in download("ms:org/tiny", settings=s)][-1].path
        entry = find_cached("modelscope", "org/tiny")
        out["complete"] = bool(entry and entry.complete)
        facts, ref = load_model_facts("ms:org/tiny")
        out["ref"] = ref
        try:
            list(download("ms:org/private", settings=s))
        except E.RepoNotFoundError as exc:
            out["private"] = str(exc)
        print(json.dumps(out))
    """, env)
    assert result["version"] == "1.37.1"
    assert result["folder"] == str(cache / "models" / "org" / "tiny") == result["ref"]
    assert result["complete"] and "MODELSCOPE_API_TOKEN" in result["private"]
    private = run_with("modelscope", tmp_path_factory, """
        import json
        from wizard.hub.download import download
        print(json.dumps({"folder": [e for e in download("ms:org/private")][-1].path}))
    """, {**env, "MODELSCOPE_API_TOKEN": MS_GOOD_TOKEN})
    assert Path(private["folder"], "model-00002-of-00002.safetensors").is_file()
