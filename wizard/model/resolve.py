"""Turn the MODEL argument (folder, `org/name`, `hf:org/name`, `ms:org/name`) into model facts.

Local folders and models already in the Hugging Face or ModelScope cache are inspected offline.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from wizard.errors import InputError
from wizard.model.facts import ModelFacts


@dataclass(frozen=True)
class ModelRef:
    source: str  # local | hf | modelscope
    id: str  # folder path or repo id
    revision: str | None = None


def parse_ref(text: str) -> ModelRef:
    raw = text.strip()
    if not raw:
        raise InputError("MODEL is empty; give a folder, an org/name id, hf:org/name or ms:org/name")
    if raw.startswith(("hf:", "ms:")):
        source = "hf" if raw.startswith("hf:") else "modelscope"
        repo = raw[3:]
        _check_repo_id(repo, raw)
        return ModelRef(source, repo)
    path = Path(raw).expanduser()
    if path.exists() or raw.startswith(("/", ".", "~")):
        return ModelRef("local", str(path))
    _check_repo_id(raw, raw)
    return ModelRef("hf", raw)


def _check_repo_id(repo: str, raw: str) -> None:
    parts = repo.split("/")
    if len(parts) != 2 or not all(parts):
        raise InputError(f"MODEL {raw!r} is neither an existing folder nor a repo id of the form org/name")


def hf_cache_dir() -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    home = Path(os.environ.get("HF_HOME") or Path.home() / ".cache" / "huggingface")
    return home / "hub"


def modelscope_cache_dir() -> Path:
    base = Path(os.environ.get("MODELSCOPE_CACHE") or Path.home() / ".cache" / "modelscope")
    return base / "hub" if (base / "hub").is_dir() else base


def cached_folder(ref: ModelRef) -> Path | None:
    """The cached copy of a hub model, if one is on disk (no network)."""
    if ref.source == "hf":
        repo_dir = hf_cache_dir() / ("models--" + ref.id.replace("/", "--"))
        return repo_dir if repo_dir.is_dir() else None
    if ref.source == "modelscope":
        base = modelscope_cache_dir()
        for candidate in (base / "models" / ref.id, base / ref.id, base / "models" / ref.id.replace(".", "___")):
            if (candidate / "config.json").is_file():
                return candidate
    return None


def load_model_facts(text: str) -> tuple[ModelFacts, str]:
    """(facts, the model reference `vllm serve` should be given)."""
    from wizard.model.local import inspect_local

    ref = parse_ref(text)
    if ref.source == "local":
        path = Path(ref.id)
        if not path.exists():
            raise InputError(f"MODEL {text!r}: no such model folder")
        facts = inspect_local(path)
        return facts, str(path.resolve())
    folder = cached_folder(ref)
    if folder is None:
        where = "Hugging Face" if ref.source == "hf" else "ModelScope"
        raise InputError(
            f"MODEL {text!r} is not in the local {where} cache, and inspecting hub models over the network is not "
            f"available yet; download it first (huggingface-cli download {ref.id}) or pass a local folder"
        )
    facts = inspect_local(folder)
    facts = facts.model_copy(update={"source": ref.source, "id": ref.id})
    return facts, ref.id
