"""Offline first: cached models are listed and inspected without network; MODEL ids resolve through the
cache, then the hub, and HF_HUB_OFFLINE gives a clear refusal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wizard.hub import errors as E
from wizard.hub.cache import cached_models, find_cached
from wizard.hub.download import download
from wizard.hub.resolve import cached_folder, load_model_facts
from wizard.model.resolve import parse_ref


def fill_hf_cache(hub, hf, repo="org/tiny") -> Path:
    return Path(list(download(repo, settings=hf))[-1].path)


def test_listing_both_caches_complete_and_incomplete(hub, hf, ms, tmp_path):
    folder = fill_hf_cache(hub, hf)
    list(download("ms:org/tiny", settings=ms))
    # an interrupted download: a config-only snapshot with a partial blob
    partial = hf.cache_dir / "models--org--half"
    (partial / "snapshots" / ("b" * 40)).mkdir(parents=True)
    (partial / "snapshots" / ("b" * 40) / "config.json").write_text("{}")
    (partial / "refs").mkdir()
    (partial / "refs" / "main").write_text("b" * 40)
    (partial / "blobs").mkdir()
    (partial / "blobs" / "abc.incomplete").write_bytes(b"\0" * 1000)
    # the ModelScope <= 1.37 layout, dots stored as ___
    legacy = ms.cache_dir / "models" / "qwen" / "Qwen2___5-0___5B"
    legacy.mkdir(parents=True)
    (legacy / "config.json").write_text("{}")
    (legacy / "model.safetensors").write_bytes(b"\0" * 64)

    found = {(m.source, m.repo_id): m for m in cached_models(hf_cache=hf.cache_dir, ms_cache=ms.cache_dir)}
    tiny = found[("hf", "org/tiny")]
    assert tiny.complete and tiny.path == folder and tiny.revision == "main" and tiny.ref == "org/tiny"
    assert tiny.size_bytes == sum(f.stat().st_size for f in folder.iterdir())
    half = found[("hf", "org/half")]
    assert not half.complete and half.partial_bytes == 1000 and "weights" in half.missing
    assert "incomplete" in half.label
    ms_tiny = found[("modelscope", "org/tiny")]
    assert ms_tiny.complete and ms_tiny.ref == "ms:org/tiny" and ms_tiny.revision == "master"
    old = found[("modelscope", "qwen/Qwen2.5-0.5B")]
    assert old.complete and old.path == legacy


def test_missing_shard_makes_an_entry_incomplete(hub, hf):
    folder = fill_hf_cache(hub, hf)
    (folder / "model-00002-of-00002.safetensors").unlink()
    entry = find_cached("hf", "org/tiny", hf_cache=hf.cache_dir)
    assert entry is not None and not entry.complete and "1 of 2 weight shards" in entry.missing


def test_resolution_is_offline_first(hub, hf, hub_env, monkeypatch):
    fill_hf_cache(hub, hf)
    hub.reset_log()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    facts, ref = load_model_facts("org/tiny")
    assert hub.log == [] and ref == "org/tiny"
    assert facts.source == "hf" and facts.id == "org/tiny" and facts.path and facts.revision == hub.repos["org/tiny"].commit
    assert cached_folder(parse_ref("hf:org/tiny")) == Path(facts.path)
    with pytest.raises(E.OfflineError) as err:
        load_model_facts("org/gated")
    assert "not in the Hugging Face cache" in str(err.value) and "HF_HUB_OFFLINE" in str(err.value)
    assert hub.log == []


def test_partly_cached_model_offline_says_what_is_missing(hub, hf, hub_env, monkeypatch):
    folder = fill_hf_cache(hub, hf)
    (folder / "model-00001-of-00002.safetensors").unlink()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(E.OfflineError, match="only partly in the Hugging Face cache .1 of 2 weight shards"):
        load_model_facts("org/tiny")


def test_uncached_ids_go_to_the_hub(hub, hub_env):
    facts, ref = load_model_facts("hf:org/tiny")
    assert facts.path is None and ref == "org/tiny" and facts.weights.shard_count == 2
    facts, ref = load_model_facts("ms:org/tiny")
    assert facts.source == "modelscope" and any("VLLM_USE_MODELSCOPE" in n for n in facts.notes)


def test_cached_modelscope_model_is_served_from_its_folder(hub, ms, hub_env):
    events = list(download("ms:org/tiny", settings=ms))
    facts, ref = load_model_facts("ms:org/tiny")
    assert ref == events[-1].path and os.path.isdir(ref) and facts.source == "modelscope"
