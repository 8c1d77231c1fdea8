"""Turn the MODEL argument (folder, `org/name`, `hf:org/name`, `ms:org/name`) into model facts.

Offline first: a local folder, or a hub id whose complete copy is in the Hugging Face or ModelScope
cache, is inspected from disk without any network. Otherwise the hub is asked (wizard.hub.inspect:
file list, small files and safetensors headers only, no weights) unless HF_HUB_OFFLINE=1 forbids it.
It lives in the hub layer because all but the folder case need the hub; wizard.model.resolve only
parses the argument.
"""

from __future__ import annotations

from pathlib import Path

from wizard.errors import InputError
from wizard.model.facts import ModelFacts
from wizard.model.resolve import ModelRef, parse_ref
from wizard.i18n import msg
from wizard.model.local import inspect_local


def cached_folder(ref: ModelRef, revision: str | None = None) -> Path | None:
    """The complete cached copy of a hub model, if one is on disk (no network)."""
    if ref.source == "local":
        return None
    from wizard.hub.cache import find_cached  # noqa: PLC0415 - hub modules: only for a hub id, a folder is planned without them

    entry = find_cached(ref.source, ref.id, revision or ref.revision)
    return entry.path if entry is not None and entry.complete else None


def load_model_facts(text: str, *, revision: str | None = None, hf_endpoint: str | None = None) -> tuple[ModelFacts, str]:
    """(facts, the model reference `vllm serve` should be given)."""
    ref = parse_ref(text)
    if ref.source == "local":
        path = Path(ref.id)
        if not path.exists():
            raise InputError(msg("hub.error.no_such_folder", model=text))
        facts = inspect_local(path)
        return facts, str(path.resolve())

    # The hub modules load only for a hub id: a folder is planned without them.
    from wizard.hub import errors as hub_errors  # noqa: PLC0415 - hub modules: only for a hub id, a folder is planned without them
    from wizard.hub.cache import find_cached  # noqa: PLC0415 - hub modules: only for a hub id, a folder is planned without them
    from wizard.hub.inspect import inspect_repo  # noqa: PLC0415 - hub modules: only for a hub id, a folder is planned without them
    from wizard.hub.settings import settings_for  # noqa: PLC0415 - hub modules: only for a hub id, a folder is planned without them

    revision = revision or ref.revision
    cached = find_cached(ref.source, ref.id, revision)
    if cached is not None and cached.complete:
        facts = inspect_local(cached.path)
        facts = facts.model_copy(update={"source": ref.source, "id": ref.id, "revision": cached.commit or cached.revision})
        # vLLM finds a Hugging Face cache entry by id; a ModelScope one is served from its folder.
        return facts, ref.id if ref.source == "hf" else str(cached.path)
    settings = settings_for(ref.source, hf_endpoint=hf_endpoint)
    if settings.offline:
        partial = "; ".join(cached.missing) if cached is not None else ""
        raise hub_errors.offline(ref.source, ref.id, str(settings.cache_dir), partial=partial)
    remote = inspect_repo(ref.id, settings, revision)
    facts = remote.facts
    if ref.source == "modelscope":
        note = msg("model.hub.ms_not_downloaded", repo=ref.id)
        facts = facts.model_copy(update={"notes": (*facts.notes, note)})
    return facts, ref.id
