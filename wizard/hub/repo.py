"""A remote repo as the wizard sees it: one revision's files with sizes and digests, and the client
interface both hub adapters implement. Plain frozen dataclasses: cheap to build, safe to share with
the UI thread, and JSON-able for the download worker."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Protocol

from wizard.hub.settings import HubSettings, Source


@dataclass(frozen=True)
class RemoteFile:
    path: str  # in the repo, '/'-separated
    size: int
    sha256: str | None = None  # announced by the hub (HF: LFS files; ModelScope: most files)
    # The name the Hugging Face cache stores the blob under (the HTTP ETag: the sha256 for LFS files,
    # the git blob id for the others). None on ModelScope.
    etag: str | None = None

    @property
    def top_level(self) -> bool:
        return "/" not in self.path


@dataclass(frozen=True)
class RemoteRepo:
    source: Source
    repo_id: str
    revision: str  # as asked ("main", "master", a tag, a commit)
    commit: str | None  # the commit it resolved to (Hugging Face), None where the hub does not say
    files: tuple[RemoteFile, ...]
    endpoint: str
    gated: bool = False
    private: bool = False

    def file(self, path: str) -> RemoteFile | None:
        return self._index().get(path)

    def _index(self) -> dict[str, RemoteFile]:
        cached = self.__dict__.get("_by_path")
        if cached is None:
            cached = {f.path: f for f in self.files}
            object.__setattr__(self, "_by_path", cached)
        return cached

    @property
    def paths(self) -> set[str]:
        return set(self._index())

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def pinned_revision(self) -> str:
        """What to download from: the resolved commit when known, so every file comes from one commit."""
        return self.commit or self.revision

    def to_json(self) -> dict:
        doc = asdict(self)
        doc.pop("_by_path", None)
        return doc

    @classmethod
    def from_json(cls, doc: dict) -> RemoteRepo:
        files = tuple(RemoteFile(**f) for f in doc["files"])
        return cls(**{**{k: v for k, v in doc.items() if k != "files"}, "files": files})


class HubClient(Protocol):
    """What inspection and download planning need from a hub (wizard.hub.hf / wizard.hub.modelscope)."""

    settings: HubSettings

    def list_repo(self, repo_id: str, revision: str | None) -> RemoteRepo: ...

    def read(self, repo: RemoteRepo, path: str, start: int = 0, end: int | None = None) -> bytes:
        """Bytes [start, end) of one file (end=None: to its end). Raises RemoteFileMissingError if absent."""
        ...

    def file_url(self, repo: RemoteRepo, path: str) -> str: ...

    def auth_headers(self) -> dict[str, str]: ...


def client_for(settings: HubSettings) -> HubClient:
    if settings.source == "modelscope":
        from wizard.hub.modelscope import ModelScopeClient  # noqa: PLC0415 - import cycle: wizard.hub.modelscope imports this module

        return ModelScopeClient(settings)
    from wizard.hub.hf import HfClient  # noqa: PLC0415 - import cycle: wizard.hub.hf imports this module

    return HfClient(settings)


def sizes(files: Iterable[RemoteFile]) -> int:
    return sum(f.size for f in files)
