"""Models already on disk in the Hugging Face and ModelScope caches, found without any network.

For the picker (`cached_models`) and for offline-first resolution (`find_cached`). Layouts read:
- Hugging Face: <HF_HUB_CACHE>/models--org--name/{refs/<rev>, snapshots/<commit>/, blobs/} (every version);
- ModelScope >= 1.38: <MODELSCOPE_CACHE>/models/org--name/snapshots/<revision>/;
- ModelScope <= 1.37: <MODELSCOPE_CACHE>/models/org/name/ (dots in names stored as ___).
"Complete" means vLLM could load it: config.json present and every weight file present (all shards
its index names); a folder with only configs (left by a config probe or an interrupted download) is
listed, marked incomplete, with what is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wizard.hub.settings import Source
from wizard.locations import hf_hub_cache, modelscope_cache

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".gguf")
_MS_SKIP = {"._____temp", ".lock", "datasets"}


@dataclass(frozen=True)
class CachedModel:
    source: Source
    repo_id: str
    revision: str  # the branch / tag names pointing at it, else the commit
    commit: str | None
    path: Path  # the folder vLLM (or inspect_local) reads
    size_bytes: int  # on disk, files of this revision
    complete: bool
    missing: tuple[str, ...] = ()  # what makes it incomplete, for the picker's second line
    partial_bytes: int = 0  # interrupted downloads waiting to be resumed

    @property
    def ref(self) -> str:
        """The MODEL text that selects this entry."""
        return f"ms:{self.repo_id}" if self.source == "modelscope" else self.repo_id

    @property
    def label(self) -> str:
        state = "complete" if self.complete else "incomplete: " + "; ".join(self.missing[:2])
        return f"{self.ref}@{self.revision}  {self.size_bytes / (1 << 30):.1f} GiB  ({state})"


def cached_models(*, hf_cache: Path | None = None, ms_cache: Path | None = None) -> list[CachedModel]:
    """Every model revision in both caches, sorted by source and id."""
    found = list(_hf_entries(hf_cache or hf_hub_cache())) + list(_ms_entries(ms_cache or modelscope_cache()))
    return sorted(found, key=lambda m: (m.source, m.repo_id.lower(), m.revision))


def find_cached(source: Source, repo_id: str, revision: str | None = None, *, hf_cache: Path | None = None,
                ms_cache: Path | None = None) -> CachedModel | None:
    """The cached copy of one repo at `revision` (default: main / master), complete or not."""
    if source == "hf":
        repo_dir = (hf_cache or hf_hub_cache()) / ("models--" + repo_id.replace("/", "--"))
        entries = list(_hf_repo(repo_dir, repo_id)) if repo_dir.is_dir() else []
        wanted = revision or "main"
        for entry in entries:
            if wanted in entry.revision.split(",") or entry.commit == wanted:
                return entry
        return None
    wanted = revision or "master"
    for entry in _ms_entries(ms_cache or modelscope_cache(), only=repo_id):
        if entry.revision == wanted:
            return entry
    return None


def snapshot_state(folder: Path) -> tuple[bool, tuple[str, ...]]:
    """(complete, what is missing) for a model folder, from names and links only (nothing is read but
    the small index)."""
    try:
        names = set(os.listdir(folder))
    except OSError:
        return False, ("cannot be listed",)
    missing: list[str] = []
    if "config.json" not in names or not (folder / "config.json").exists():
        missing.append("config.json")
    from wizard.model.local import index_shards, safetensors_index  # noqa: PLC0415 - wizard.model.local (8 modules) only when a snapshot's index is read, not for the app's first frame

    index = safetensors_index(names)
    if index is not None:
        try:
            from wizard.model.local import read_json  # noqa: PLC0415 - wizard.model.local (8 modules) only when a snapshot's index is read, not for the app's first frame

            shards = index_shards(read_json(folder / index, str(folder / index)), index)
        except Exception:  # noqa: BLE001 - a broken index is reported, not raised, in a listing
            return False, (*missing, f"{index} unreadable")
        absent = [s for s in shards if not (folder / s).exists()]
        if absent:
            missing.append(f"{len(absent)} of {len(shards)} weight shards")
    elif not any(n.endswith(WEIGHT_SUFFIXES) and (folder / n).exists() for n in names):
        missing.append("weights")
    return not missing, tuple(missing)


def _size(folder: Path) -> int:
    total = 0
    seen: set[tuple[int, int]] = set()
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                st = os.stat(os.path.join(root, name))
            except OSError:
                continue  # a dangling link: counted as missing elsewhere
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total


# -- Hugging Face ---------------------------------------------------------------------------------
def _hf_entries(cache: Path) -> Iterator[CachedModel]:
    try:
        repos = sorted(p for p in cache.iterdir() if p.name.startswith("models--") and p.is_dir())
    except OSError:
        return
    for repo_dir in repos:
        repo_id = "/".join(repo_dir.name.split("--")[1:])
        yield from _hf_repo(repo_dir, repo_id)


def _hf_refs(repo_dir: Path) -> dict[str, list[str]]:
    """commit -> ref names (refs may be nested, e.g. refs/pr/1)."""
    out: dict[str, list[str]] = {}
    refs = repo_dir / "refs"
    for path in sorted(refs.rglob("*")) if refs.is_dir() else ():
        if path.is_file():
            try:
                commit = path.read_text(errors="replace").strip()
            except OSError:
                continue
            out.setdefault(commit, []).append(str(path.relative_to(refs)))
    return out


def _hf_repo(repo_dir: Path, repo_id: str) -> Iterator[CachedModel]:
    refs = _hf_refs(repo_dir)
    partial = 0
    blobs = repo_dir / "blobs"
    if blobs.is_dir():
        for blob in blobs.glob("*.incomplete"):
            try:
                partial += blob.stat().st_size
            except OSError:
                pass
    snapshots = repo_dir / "snapshots"
    try:
        commits = sorted(p for p in snapshots.iterdir() if p.is_dir())
    except OSError:
        return
    for snap in commits:
        complete, missing = snapshot_state(snap)
        if partial and not complete:
            missing = (*missing, f"{partial / (1 << 30):.2f} GiB partly downloaded (resumable)")
        names = sorted(refs.get(snap.name, []), key=lambda n: (n != "main", n))
        yield CachedModel("hf", repo_id, ",".join(names) or snap.name, snap.name, snap, _size(snap), complete,
                          missing, partial)


# -- ModelScope -----------------------------------------------------------------------------------
def _ms_entries(cache: Path, only: str | None = None) -> Iterator[CachedModel]:
    models = cache / "models"
    try:
        tops = sorted(p for p in models.iterdir() if p.is_dir() and p.name not in _MS_SKIP)
    except OSError:
        return
    for top in tops:
        if "--" in top.name and (top / "snapshots").is_dir():  # >= 1.38: org--name/snapshots/<rev>
            repo_id = top.name.replace("--", "/", 1)
            if only and repo_id != only:
                continue
            for snap in sorted(p for p in (top / "snapshots").iterdir() if p.is_dir()):
                if not any(snap.iterdir()):
                    continue  # created for a repo that turned out not to exist
                yield _ms_entry(repo_id, snap.name, snap)
            continue
        for sub in sorted(p for p in top.iterdir() if p.is_dir()):  # <= 1.37: org/name
            repo_id = f"{top.name}/{sub.name.replace('___', '.')}"
            if only and repo_id != only:
                continue
            if any(not n.startswith(".") for n in os.listdir(sub)):
                # This layout keeps one copy per repo, of whatever was fetched last.
                yield _ms_entry(repo_id, "master", sub)


def _ms_entry(repo_id: str, revision: str, folder: Path) -> CachedModel:
    complete, missing = snapshot_state(folder)
    partial = 0
    for path in folder.rglob("*"):
        if path.name.endswith((".incomplete", ".parallel_tmp")):
            try:
                partial += path.stat().st_size
            except OSError:
                pass
    return CachedModel("modelscope", repo_id, revision, None, folder, _size(folder) - partial, complete, missing,
                       partial)
