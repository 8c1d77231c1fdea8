"""Inspecting hub models through the real clients against the fake hub: same facts as a local folder,
well under a megabyte for a 70B checkpoint, and one clear message for every way it can fail."""

from __future__ import annotations

import pytest

from wizard.errors import ModelFileError
from wizard.hub import errors as E
from wizard.hub.inspect import inspect_repo
from wizard.hub.settings import hf_settings, modelscope_settings
from wizard.model.local import inspect_local


@pytest.fixture(scope="module")
def local_70b(hub) -> object:
    repo = hub.repos["meta/Llama-70B"]
    folder = next(iter(repo.files.values())).disk.parent
    return inspect_local(folder)


@pytest.mark.parametrize("source", ["hf", "ms"])
def test_70b_sharded_repo_gives_the_local_facts_for_under_a_megabyte(hub, hf, ms, local_70b, source):
    settings = hf if source == "hf" else ms
    hub.reset_log()
    model = inspect_repo("meta/Llama-70B", settings)
    facts = model.facts
    assert facts.weights == local_70b.weights  # exact bytes by dtype and role, params, 30 shards
    assert facts.weights.shard_count == 30 and facts.weights.total_bytes > 130 * (1 << 30)
    assert facts.arch == local_70b.arch and facts.parsers == local_70b.parsers
    assert facts.source == ("hf" if source == "hf" else "modelscope") and facts.path is None
    assert facts.id == "meta/Llama-70B"
    assert hub.bytes_sent < 1_000_000, hub.bytes_sent
    # Headers came by range reads sized from the index: one request per shard, never a whole shard.
    shard_gets = [r for r in hub.log if r.method == "GET" and ".safetensors" in r.path and "index" not in r.path
                  and r.status in (200, 206)]
    assert len(shard_gets) == 30 and all(r.range and r.range.startswith("bytes=0-") for r in shard_gets)
    assert any("without downloading" in n and "131." in n for n in facts.notes)


def test_commit_and_listing(hub, hf):
    model = inspect_repo("org/tiny", hf)
    assert model.repo.commit == hub.repos["org/tiny"].commit
    assert model.facts.revision == model.repo.commit
    shard = model.repo.file("model-00001-of-00002.safetensors")
    assert shard.sha256 == hub.repos["org/tiny"].files[shard.path].sha256 and shard.etag == shard.sha256
    config = model.repo.file("config.json")
    assert config.sha256 is None and config.etag == hub.repos["org/tiny"].files["config.json"].git_oid
    assert model.facts.generation_config == {"temperature": 0.6, "top_p": 0.9}


def test_revision_by_tag_and_missing_revision(hub, hf, ms):
    assert inspect_repo("org/tagged", hf, "v1.0").repo.revision == "v1.0"
    for settings in (hf, ms):
        with pytest.raises(E.RevisionNotFoundError) as err:
            inspect_repo("org/tiny", settings, "v9")
        assert "'v9'" in str(err.value) and "--revision" in str(err.value)


def test_gated_repo_refused_without_token_served_with_one(hub, hf, hf_token):
    with pytest.raises(E.GatedRepoError) as err:
        inspect_repo("org/gated", hf)
    message = str(err.value)
    assert "org/gated is gated" in message and "HF_TOKEN" in message and f"{hub.url}/org/gated" in message
    assert inspect_repo("org/gated", hf_token).facts.weights.shard_count == 2
    # a token without access to this repo
    hub.tokens["hf_other_user_token_123"] = {"org/private"}
    other = hf_settings(hub.url, env={"HF_TOKEN": "hf_other_user_token_123", "HF_HOME": "/nonexistent"})
    with pytest.raises(E.GatedRepoError, match="your token has no access"):
        inspect_repo("org/gated", other)


def test_private_and_missing_repos(hub, hf, hf_token, ms, ms_token):
    for settings in (hf, ms):
        for repo in ("org/private", "org/nope"):
            with pytest.raises(E.RepoNotFoundError) as err:
                inspect_repo(repo, settings)
            assert "no such model" in str(err.value)
            assert ("HF_TOKEN" if settings.source == "hf" else "MODELSCOPE_API_TOKEN") in str(err.value)
    assert inspect_repo("org/private", hf_token).facts.weights.shard_count == 2
    assert inspect_repo("org/private", ms_token).facts.weights.shard_count == 2


def test_a_rejected_token_is_named_not_shown(hub, tmp_path):
    settings = hf_settings(hub.url, env={"HF_TOKEN": "hf_expiredexpiredexpired", "HF_HOME": str(tmp_path)})
    with pytest.raises(E.TokenRejectedError) as err:
        inspect_repo("org/tiny", settings)
    assert "HF_TOKEN" in str(err.value) and "hf_expiredexpiredexpired" not in str(err.value)


def test_unreachable_endpoint_and_not_a_hub(hub, tmp_path):
    dead = hf_settings("http://127.0.0.1:9", env={"HF_HOME": str(tmp_path)})
    with pytest.raises(E.UnreachableError) as err:
        inspect_repo("org/tiny", dead)
    assert "cannot reach http://127.0.0.1:9" in str(err.value) and "HF_ENDPOINT" in str(err.value)
    dead_ms = modelscope_settings(None, env={"MODELSCOPE_ENDPOINT": "http://127.0.0.1:9"})
    with pytest.raises(E.UnreachableError, match="MODELSCOPE_ENDPOINT"):
        inspect_repo("org/tiny", dead_ms)
    hub.fail_next(r"^/api/models/", 503)
    with pytest.raises(E.HubServerError, match="HTTP 503"):
        inspect_repo("org/tiny", hf_settings(hub.url, env={"HF_HOME": str(tmp_path)}))


def test_offline_refuses_before_any_request(hub, tmp_path):
    settings = hf_settings(hub.url, env={"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path)})
    hub.reset_log()
    with pytest.raises(E.OfflineError, match="HF_HUB_OFFLINE=1"):
        inspect_repo("org/tiny", settings)
    assert hub.log == []


@pytest.mark.parametrize("case,needle", [
    ("truncated", "too short for a safetensors header"),
    ("absurd", "is absurd"),
    ("notjson", "not valid JSON"),
    ("pastend", "runs past the end"),
])
@pytest.mark.parametrize("source", ["hf", "ms"])
def test_corrupt_safetensors_header_is_one_clear_error(hub, hf, ms, case, needle, source):
    hub.reset_log()
    with pytest.raises(ModelFileError) as err:
        inspect_repo(f"corrupt/{case}", hf if source == "hf" else ms)
    assert "model-00002-of-00002.safetensors" in str(err.value) and needle in str(err.value)
    assert hub.bytes_sent < 200_000  # an absurd length never makes us fetch it


def test_missing_config_names_the_file(hub, hf):
    hub.add_repo("org/noconfig", {"model.safetensors": b"\0" * 16, "README.md": b"x"})
    with pytest.raises(ModelFileError, match=r"org/noconfig/config.json: missing"):
        inspect_repo("org/noconfig", hf)
