"""The Hugging Face adapter: list a revision with huggingface_hub, read bytes over plain HTTP, and turn
every failure into one wizard.hub.errors message.

Compatibility with huggingface_hub 0.34 - 2.x is by feature detection, never by version number:
- `HfApi.model_info(files_metadata=True)` (all versions) gives sizes, LFS sha256 and git blob ids;
- exceptions are looked up in `huggingface_hub.errors` with fallbacks, and checked by class, never by
  the HTTP library underneath (requests in 0.x, httpx in 1.x, httpx2 in 2.x);
- transport failures are recognised by their class names across those three libraries.
The bytes themselves (small files, safetensors headers, downloads) go through wizard.hub.http: the
`/resolve/` URL scheme and its X-Error-Code headers are the same for every client version.
"""

from __future__ import annotations

from urllib.parse import quote

from wizard.errors import InputError
from wizard.hub import errors as E
from wizard.hub.http import HttpStatusError, NetworkError, read_range, shared_http
from wizard.hub.repo import RemoteFile, RemoteRepo
from wizard.hub.settings import HubSettings
from wizard.i18n import msg

# Class names of "no answer" errors in requests, httpx and httpx2 (and the stdlib underneath).
_TRANSPORT_NAMES = {
    "ConnectError", "ConnectTimeout", "ReadTimeout", "WriteTimeout", "PoolTimeout", "TimeoutException",
    "NetworkError", "TransportError", "RemoteProtocolError", "ProxyError", "ConnectionError", "Timeout",
    "SSLError", "ChunkedEncodingError", "ConnectionRefusedError", "TimeoutError", "gaierror",
}
_BAD_TOKEN_HINTS = ("invalid credentials", "invalid token", "invalid username or password", "token is expired")


def hf_errors() -> dict[str, type[BaseException]]:
    """The huggingface_hub exception classes we tell apart, wherever this version keeps them."""
    import huggingface_hub  # noqa: PLC0415 - huggingface_hub: loaded only when used, not at start-up

    found: dict[str, type[BaseException]] = {}
    modules = [getattr(huggingface_hub, "errors", None), getattr(huggingface_hub, "utils", None)]
    for name in ("GatedRepoError", "RepositoryNotFoundError", "RevisionNotFoundError", "EntryNotFoundError",
                 "HfHubHTTPError", "OfflineModeIsEnabled", "HFValidationError"):
        for module in modules:
            cls = getattr(module, name, None) if module is not None else None
            if isinstance(cls, type):
                found[name] = cls
                break
    return found


def is_transport_error(exc: BaseException) -> bool:
    return any(cls.__name__ in _TRANSPORT_NAMES for cls in type(exc).__mro__)


class HfClient:
    def __init__(self, settings: HubSettings) -> None:
        self.settings = settings
        self.http = shared_http()

    # -- listing (huggingface_hub) -------------------------------------------------------------------
    def list_repo(self, repo_id: str, revision: str | None) -> RemoteRepo:
        s = self.settings
        if s.offline:
            raise E.offline("hf", repo_id, str(s.cache_dir))
        try:
            from huggingface_hub import HfApi  # noqa: PLC0415 - huggingface_hub: loaded only when used, not at start-up

            api = HfApi(endpoint=s.endpoint, token=s.token_value() or False)
            info = api.model_info(repo_id, revision=revision, files_metadata=True, timeout=30)
        except Exception as exc:  # noqa: BLE001 - every failure becomes one message
            raise self._client_error(exc, repo_id, revision) from None
        files = []
        for sib in info.siblings or ():
            lfs = getattr(sib, "lfs", None)
            sha = _lfs_field(lfs, "sha256")
            sha = sha if isinstance(sha, str) else None
            size = sib.size if sib.size is not None else _lfs_field(lfs, "size")
            blob = getattr(sib, "blob_id", None)
            files.append(RemoteFile(path=sib.rfilename, size=size if isinstance(size, int) else 0, sha256=sha,
                                    etag=sha or (blob if isinstance(blob, str) else None)))
        gated = getattr(info, "gated", False)
        return RemoteRepo(source="hf", repo_id=repo_id, revision=revision or "main", commit=info.sha,
                          files=tuple(files), endpoint=s.endpoint, gated=bool(gated),
                          private=bool(getattr(info, "private", False)))

    def _client_error(self, exc: BaseException, repo_id: str, revision: str | None) -> Exception:
        s = self.settings
        known = hf_errors()

        def isa(name: str) -> bool:
            return name in known and isinstance(exc, known[name])

        text = E.redact(exc)
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if isa("GatedRepoError"):
            return E.gated("hf", repo_id, s.endpoint, has_token=s.has_token)
        if isa("RevisionNotFoundError"):
            return E.revision_missing("hf", repo_id, revision or "main")
        if s.has_token and status == 401 and any(h in text.lower() for h in _BAD_TOKEN_HINTS):
            return E.token_rejected("hf", s.endpoint, s.token_origin or "HF_TOKEN")
        if isa("RepositoryNotFoundError"):
            return E.not_found("hf", repo_id, s.endpoint, has_token=s.has_token)
        if isa("OfflineModeIsEnabled"):
            return E.offline("hf", repo_id, str(s.cache_dir))
        if isa("HFValidationError"):
            return InputError(msg("hub.error.bad_repo_id", repo=repo_id, detail=text.splitlines()[0][:120]))
        if isinstance(status, int) and (status >= 500 or status == 429):
            return E.server_error("hf", s.endpoint, status, msg("hub.error.file_list_of", repo=repo_id))
        if is_transport_error(exc):
            return E.unreachable("hf", s.endpoint, _first_line(text))
        if isinstance(exc, (ValueError, KeyError, TypeError)) or isa("HfHubHTTPError"):
            return E.not_a_hub("hf", s.endpoint, _first_line(text))
        return E.not_a_hub("hf", s.endpoint, f"{type(exc).__name__}: {_first_line(text)}")

    # -- bytes (plain HTTP) ----------------------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        token = self.settings.token_value()
        return {"Authorization": f"Bearer {token}"} if token else {}

    def file_url(self, repo: RemoteRepo, path: str) -> str:
        return (f"{repo.endpoint}/{repo.repo_id}/resolve/{quote(repo.pinned_revision, safe='')}/"
                f"{quote(path)}")

    def read(self, repo: RemoteRepo, path: str, start: int = 0, end: int | None = None) -> bytes:
        try:
            return read_range(self.http, self.file_url(repo, path), self.auth_headers(), start, end)
        except HttpStatusError as exc:
            raise self.status_error(exc, repo, path) from None
        except NetworkError as exc:
            raise E.unreachable("hf", repo.endpoint, exc.reason) from None

    def status_error(self, exc: HttpStatusError, repo: RemoteRepo, path: str) -> Exception:
        """An error answer on /resolve/, told apart by X-Error-Code as the hub (and huggingface_hub) do."""
        s = self.settings
        code = exc.headers.get("x-error-code", "")
        message = exc.headers.get("x-error-message", "") + " " + exc.text
        if code == "GatedRepo":
            return E.gated("hf", repo.repo_id, s.endpoint, has_token=s.has_token)
        if code == "RevisionNotFound":
            return E.revision_missing("hf", repo.repo_id, repo.revision)
        if code == "EntryNotFound" or (exc.status == 404 and not code):
            return E.RemoteFileMissingError(msg("hub.error.remote_file_missing", repo=E.label("hf", repo.repo_id),
                                                path=path, revision=repo.revision))
        if exc.status == 401 and s.has_token and any(h in message.lower() for h in _BAD_TOKEN_HINTS):
            return E.token_rejected("hf", s.endpoint, s.token_origin or "HF_TOKEN")
        if code == "RepoNotFound" or exc.status in (401, 403):
            return E.not_found("hf", repo.repo_id, s.endpoint, has_token=s.has_token)
        return E.server_error("hf", s.endpoint, exc.status, path)


def _lfs_field(lfs: object, name: str) -> object:
    if lfs is None:
        return None
    if isinstance(lfs, dict):
        return lfs.get(name)
    return getattr(lfs, name, None)


def _first_line(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return lines[0][:200] if lines else "no detail"
