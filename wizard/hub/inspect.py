"""Inspect a hub model without downloading it: the same ModelFacts a local folder gives.

One file listing, the small files (config, tokenizer config, generation config, chat template,
quantization side files, the safetensors index) fetched into memory, and each shard's safetensors
header read with HTTP range requests. For a 70B checkpoint that is well under a megabyte
(benchmarks/hub_inspect.py). Nothing is written to disk, so inspecting leaves no half-filled cache
entry behind.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from wizard.errors import ModelFileError
from wizard.hub import errors as E
from wizard.hub.repo import HubClient, RemoteRepo, client_for
from wizard.hub.selection import select_files
from wizard.hub.settings import HubSettings, settings_for
from wizard.model.facts import ModelFacts
from wizard.model.local import MAX_SIDE_FILE_BYTES, facts_from_files, safetensors_index
from wizard.model.quantization import SIDE_FILES
from wizard.model.safetensors_header import MAX_HEADER_BYTES, TensorInfo, loads_strict, parse_header
from wizard.i18n import msg
from wizard.model.resolve import parse_ref

SMALL_FILES = ("config.json", "generation_config.json", "tokenizer_config.json", "chat_template.jinja",
               "chat_template.json", *SIDE_FILES)
PARALLEL = 8
# First range read of a header when no index tells us its size; the rest follows in one more request.
DEFAULT_HEADER_GUESS = 64 << 10
# Per tensor in a header: its name plus about this much JSON ("dtype", "shape", "data_offsets").
_JSON_PER_TENSOR = 96
# The index is untrusted: however many tensors it claims for a shard, the first read stays small.
MAX_HEADER_GUESS = 2 << 20


@dataclass(frozen=True)
class RemoteModel:
    repo: RemoteRepo
    facts: ModelFacts


class RemoteFiles:
    """wizard.model.local.ModelFiles over a remote repo: small files prefetched, headers by range."""

    def __init__(self, client: HubClient, repo: RemoteRepo, pool: ThreadPoolExecutor) -> None:
        self.client = client
        self.repo = repo
        self.pool = pool
        self.names = {f.path for f in repo.files if f.top_level}
        self.prefix = f"{E.label(repo.source, repo.repo_id)}/"
        self._bytes: dict[str, bytes] = {}
        self._guesses: dict[str, int] = {}

    def show(self, name: str) -> str:
        return self.prefix + name

    def has(self, path: str) -> bool:
        return self.repo.file(path) is not None

    def size(self, name: str) -> int:
        found = self.repo.file(name)
        return found.size if found else 0

    def prefetch(self, names: Iterable[str]) -> None:
        wanted = [n for n in dict.fromkeys(names) if n in self.names and n not in self._bytes]
        for name in wanted:
            if self.size(name) > MAX_SIDE_FILE_BYTES:
                raise ModelFileError(self.show(name), f"is {self.size(name)} bytes, too large for a config or "
                                                      "template file")
        for name, data in zip(wanted, self.pool.map(lambda n: self.client.read(self.repo, n), wanted)):
            self._bytes[name] = data

    def raw(self, name: str) -> bytes | None:
        if name not in self.names:
            return None
        if name not in self._bytes:
            self.prefetch([name])
        return self._bytes[name]

    def json(self, name: str) -> object | None:
        data = self.raw(name)
        if data is None:
            return None
        try:
            return loads_strict(data)
        except ValueError as exc:  # includes UnicodeDecodeError
            first = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            raise ModelFileError(self.show(name), msg("model.problem.bad_json", why=first)) from None

    def text(self, name: str) -> str | None:
        data = self.raw(name)
        if data is None:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise ModelFileError(self.show(name), "is not UTF-8 text") from None

    def size_hints(self, index: str | None) -> None:
        """Size each shard's first range read from the tensor names the index lists for it, so almost
        every header arrives in one request of about its own size."""
        doc = self.json(index) if index else None
        weight_map = doc.get("weight_map") if isinstance(doc, dict) else None
        if not isinstance(weight_map, dict):
            return
        for tensor, shard in weight_map.items():
            if isinstance(tensor, str) and isinstance(shard, str):
                self._guesses[shard] = self._guesses.get(shard, 1024) + len(tensor) + _JSON_PER_TENSOR

    def headers(self, names: list[str]) -> Iterator[tuple[str, dict[str, TensorInfo]]]:
        yield from zip(names, self.pool.map(self._header, names))

    def _header(self, name: str) -> dict[str, TensorInfo]:
        display = self.show(name)
        size = self.size(name)
        if size < 8:
            raise ModelFileError(display, f"truncated: {size} bytes, too short for a safetensors header")
        guess = min(size, MAX_HEADER_GUESS, max(4096, self._guesses.get(name, DEFAULT_HEADER_GUESS)))
        first = self.client.read(self.repo, name, 0, guess)
        if len(first) < 8:
            raise ModelFileError(display, "truncated: the hub sent fewer than 8 bytes")
        (length,) = struct.unpack("<Q", first[:8])
        if length == 0:
            raise ModelFileError(display, msg("model.problem.header_zero"))
        if length > MAX_HEADER_BYTES:
            raise ModelFileError(display, msg("model.problem.header_absurd", length=length, limit=MAX_HEADER_BYTES))
        if length > size - 8:
            raise ModelFileError(display, msg("model.problem.header_past_end_upload", length=length, size=size))
        raw = first[8:8 + length]
        if len(raw) < length:
            raw += self.client.read(self.repo, name, len(first), 8 + length)
        if len(raw) < length:
            raise ModelFileError(display, "truncated inside the safetensors header")
        return parse_header(raw, size - 8 - length, display).tensors


def inspect_repo(repo_id: str, settings: HubSettings, revision: str | None = None, *,
                 client: HubClient | None = None) -> RemoteModel:
    """List, fetch the small files, range-read the headers, and reason exactly as for a local folder."""
    client = client or client_for(settings)
    repo = client.list_repo(repo_id, revision)
    with ThreadPoolExecutor(PARALLEL, thread_name_prefix="hub-inspect") as pool:
        files = RemoteFiles(client, repo, pool)
        index = safetensors_index(files.names)
        files.prefetch([*SMALL_FILES, *([index] if index else [])])
        files.size_hints(index)
        facts = facts_from_files(files, source=repo.source, model_id=repo.repo_id, path=None,
                                 revision=repo.commit or repo.revision)
    notes = [*facts.notes, _download_note(repo, facts)]
    return RemoteModel(repo, facts.model_copy(update={"notes": tuple(notes)}))


def _download_note(repo: RemoteRepo, facts: ModelFacts) -> str:
    try:
        chosen = select_files(repo, facts.weights.files)
        size = f" ({E.gib(sum(f.size for f in chosen.files))} in {len(chosen.files)} files)"
    except E.HubError:
        size = ""
    ref = E.label(repo.source, repo.repo_id)
    return f"described from {repo.endpoint} without downloading; `vllm-wizard download {ref}` fetches it{size}"


def inspect_remote(text: str, *, revision: str | None = None, hf_endpoint: str | None = None,
                   settings: HubSettings | None = None) -> tuple[ModelFacts, str]:
    """(facts, the reference `vllm serve` is given) for `org/name`, `hf:org/name` or `ms:org/name`,
    always from the hub (wizard.hub.resolve.load_model_facts tries the caches first)."""
    ref = parse_ref(text)
    if ref.source == "local":
        raise E.HubError(msg("hub.error.local_not_hub", model=text))
    settings = settings or settings_for(ref.source, hf_endpoint=hf_endpoint)
    model = inspect_repo(ref.id, settings, revision or ref.revision)
    return model.facts, ref.id
