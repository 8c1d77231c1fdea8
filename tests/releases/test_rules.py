"""Each release rule holds from its first release and not in the known release just before it
(likewise at its end), and each cites where in vLLM it was read."""

from __future__ import annotations

import pytest

from wizard.planner import versions
from wizard.planner.versions import VllmVersion
from wizard.releases import rules
from wizard.releases.facts import known_releases, version_key

KEYS = sorted({version_key(v)[:3] for v in known_releases()})


def _before(key: tuple[int, int, int]) -> tuple[int, int, int]:
    """The newest known release below `key`."""
    return max(k for k in KEYS if k < key)


def _engine(rule: rules.ReleaseRule) -> str | None:
    return rule.engine


def test_every_rule_is_named_once_and_cites_its_source():
    names = [r.name for r in rules.ALL]
    assert len(names) == len(set(names)) and len(names) >= 30
    for rule in rules.ALL:
        assert rule.source and rule.why and (rule.since or rule.until), rule.name
        assert rule.since is None or rule.until is None or rule.since < rule.until, rule.name


@pytest.mark.parametrize("rule", [r for r in rules.ALL if r.since], ids=lambda r: r.name)
def test_rule_starts_at_its_since_release(rule):
    assert rule.since in KEYS, f"{rule.name}: {rule.since} is not a known release"
    assert rule.holds(rule.since, _engine(rule))
    assert not rule.holds(_before(rule.since), _engine(rule))


@pytest.mark.parametrize("rule", [r for r in rules.ALL if r.until], ids=lambda r: r.name)
def test_rule_ends_at_its_until_release(rule):
    assert rule.until in KEYS, f"{rule.name}: {rule.until} is not a known release"
    assert not rule.holds(rule.until, _engine(rule))
    assert rule.holds(_before(rule.until), _engine(rule))


@pytest.mark.parametrize("rule", [r for r in rules.ALL if r.engine], ids=lambda r: r.name)
def test_engine_bound_rule_never_holds_for_the_other_engine(rule):
    inside = rule.since or rule.until
    other = "V1" if rule.engine == "V0" else "V0"
    assert inside is not None and rule.holds(inside if rule.since else _before(inside), rule.engine)
    assert not rule.holds(inside if rule.since else _before(inside), other)


def test_versions_ask_the_rules_with_their_engine():
    v0 = VllmVersion.parse("0.7.2")
    assert v0.has(rules.MLA_PADS_KV_ENTRY) and not v0.with_engine("V1").has(rules.MLA_PADS_KV_ENTRY)
    assert VllmVersion.parse("0.8.4").has(rules.MM_LIMIT_999)
    assert not VllmVersion.parse("0.8.4").with_engine("V0").has(rules.MM_LIMIT_999)


def test_newest_known_comes_from_the_release_table():
    assert versions.NEWEST_KNOWN == known_releases()[-1] == "0.34.0"
    assert not VllmVersion.parse(versions.NEWEST_KNOWN).newer_than_known
    assert VllmVersion.parse("0.35.0").newer_than_known


def test_table_facts_replace_the_written_copies():
    # These were hand-written beside the table once, with other boundaries (int4_per_token_head).
    assert "int4_per_token_head" in VllmVersion.parse("0.25.0").kv_cache_dtypes
    assert VllmVersion.parse("0.27.1").has_bitsandbytes and not VllmVersion.parse("0.28.0").has_bitsandbytes
    assert not VllmVersion.parse("0.10.1").has_kv_cache_memory_bytes
    assert VllmVersion.parse("0.10.2").has_kv_cache_memory_bytes
    assert VllmVersion.parse("0.19.1").default_gpu_memory_utilization == 0.9
    assert VllmVersion.parse("0.20.0").default_gpu_memory_utilization == 0.92
    assert VllmVersion.parse("0.34.0").default_gpu_memory_utilization == 1.0  # extensible KV cache
