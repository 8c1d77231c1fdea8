"""Which files of a repo to download: exactly what vLLM loads, nothing it would ignore.

vLLM reads the top of the model folder only: config and tokenizer files, remote code, and the weight
files (when a safetensors index exists, only the shards it names). Repos often carry a second copy of
the weights (`original/` Meta checkpoints, `consolidated.safetensors`, `*.pth`, GGUF, ONNX) that
would double the download; those are skipped and listed so the user sees why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wizard.hub import errors as E
from wizard.hub.repo import RemoteFile, RemoteRepo
from wizard.i18n import msg
from wizard.model.local import safetensors_index

# Top-level support files vLLM or its tokenizer may open.
SIDE_SUFFIXES = (".json", ".jinja", ".py", ".txt", ".model", ".tiktoken", ".vocab")
SIDE_NAMES = ("tokenizer.model", "spiece.model", "merges.txt", "vocab.txt", "vocab.json", "tekken.json")
# .bin files in a PyTorch checkpoint folder that are not weights.
_NOT_WEIGHTS = ("training_args", "optimizer", "scheduler", "rng_state", "trainer_state")


@dataclass(frozen=True)
class Selection:
    files: tuple[RemoteFile, ...]
    skipped: tuple[str, ...]  # one line per group of skipped files, with their size

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


def select_files(repo: RemoteRepo, weight_files: Iterable[str]) -> Selection:
    """`weight_files` are the weights vLLM loads, as model inspection found them (facts.weights.files)."""
    weights = [w for w in weight_files if w.endswith((".safetensors", ".bin"))]
    weights = [w for w in weights if not (w.endswith(".bin") and w.startswith(_NOT_WEIGHTS))]
    if not weights:
        if any(f.path.endswith(".gguf") for f in repo.files):
            raise E.HubError(msg("hub.error.gguf_only", repo=E.label(repo.source, repo.repo_id)))
        raise E.HubError(msg("hub.error.no_weights", repo=E.label(repo.source, repo.repo_id)))
    keep = set(weights)
    uses_safetensors = weights[0].endswith(".safetensors")
    chosen_index = _index_for(weights, repo)
    chosen: list[RemoteFile] = []
    skipped: list[RemoteFile] = []
    for f in repo.files:
        if f.path in keep or _is_side_file(f.path, uses_safetensors, chosen_index):
            chosen.append(f)
        else:
            skipped.append(f)
    for f in chosen:
        if not _safe(f.path):
            raise E.HubError(msg("hub.error.unsafe_path", repo=E.label(repo.source, repo.repo_id), path=f.path[:80]))
    missing = keep - {f.path for f in chosen}
    if missing:
        raise E.HubError(msg("hub.error.index_incomplete", repo=E.label(repo.source, repo.repo_id),
                             name=sorted(missing)[0]))
    # Small files first: configs land at once, and the progress shows one big shard at a time.
    chosen.sort(key=lambda f: (f.size > (16 << 20), f.path))
    return Selection(tuple(chosen), tuple(_describe(skipped)))


def _index_for(weights: list[str], repo: RemoteRepo) -> str | None:
    if not weights[0].endswith(".safetensors"):
        return "pytorch_model.bin.index.json" if repo.file("pytorch_model.bin.index.json") else None

    return safetensors_index(f.path for f in repo.files if f.top_level)


def _is_side_file(path: str, uses_safetensors: bool, chosen_index: str | None) -> bool:
    if "/" in path:
        return False
    if path.endswith(".index.json"):
        return path == chosen_index
    return path in SIDE_NAMES or path.endswith(SIDE_SUFFIXES)


def _safe(path: str) -> bool:
    """A repo path that stays inside the folder it is written to (the hub's listing is untrusted)."""
    parts = path.split("/")
    return (bool(path) and not path.startswith("/") and "\\" not in path and "\x00" not in path
            and all(p not in ("", ".", "..") for p in parts))


def _describe(skipped: list[RemoteFile]) -> list[str]:
    groups: dict[str, list[RemoteFile]] = {}
    for f in skipped:
        key = f.path.split("/", 1)[0] + "/" if "/" in f.path else _kind(f.path)
        groups.setdefault(key, []).append(f)
    lines = []
    for key, files in sorted(groups.items(), key=lambda kv: -sum(f.size for f in kv[1])):
        size = sum(f.size for f in files)
        lines.append(f"{key} ({len(files)} file{'s' if len(files) != 1 else ''}, {E.gib(size)})")
    return lines


def _kind(name: str) -> str:
    if name.endswith((".safetensors", ".bin", ".pth", ".pt", ".gguf", ".onnx", ".msgpack", ".h5", ".ot")):
        return "weights vLLM would not load (" + name.rsplit(".", 1)[-1] + ")"
    return "documentation and other files"
