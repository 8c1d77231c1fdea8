"""The ModelScope adapter: the file list and bytes over ModelScope's HTTP API, the download through the
installed `modelscope` client, and the two cache layouts it may write.

Listing and range reads use the `/api/v1/models/{id}/repo/files` and `/repo?FilePath=` routes, which
modelscope 1.37 and the 1.38+ shims (over `modelscope-hub`) both call; going direct gives us the
sha256 the 1.40 wrapper drops, and a fast, clear failure on an unreachable endpoint (1.40 retries
for seven seconds first). The client is used where its own bookkeeping matters: the download into its
cache (`snapshot_download`, arguments chosen by signature), so its later runs recognise our files.
"""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from wizard.hub import errors as E
from wizard.hub.http import HttpStatusError, NetworkError, read_range, shared_http
from wizard.hub.repo import RemoteFile, RemoteRepo
from wizard.hub.settings import HubSettings
from wizard.i18n import msg

DEFAULT_REVISION = "master"
# 1.37 keeps partial files here (under the cache root, or under local_dir).
LEGACY_TEMP = "._____temp"
# Names a partial file may carry in any client version.
PARTIAL_SUFFIXES = (".incomplete", ".parallel_tmp")


class ModelScopeClient:
    def __init__(self, settings: HubSettings) -> None:
        self.settings = settings
        self.http = shared_http()

    def auth_headers(self) -> dict[str, str]:
        # Newer routes read the Bearer header, the legacy ones the m_session_id cookie: send both, as
        # the client does.
        token = self.settings.token_value()
        return {"Authorization": f"Bearer {token}", "Cookie": f"m_session_id={token}"} if token else {}

    def _api(self, repo_id: str, tail: str, query: dict[str, str]) -> str:
        return f"{self.settings.endpoint}/api/v1/models/{quote(repo_id)}{tail}?{urlencode(query)}"

    def list_repo(self, repo_id: str, revision: str | None) -> RemoteRepo:
        s = self.settings
        if s.offline:
            raise E.offline("modelscope", repo_id, str(s.cache_dir))
        rev = revision or DEFAULT_REVISION
        url = self._api(repo_id, "/repo/files", {"Revision": rev, "Recursive": "True"})
        try:
            raw = read_range(self.http, url, self.auth_headers(), limit=32 << 20)
        except HttpStatusError as exc:
            raise self.status_error(exc, repo_id, rev, None) from None
        except NetworkError as exc:
            raise E.unreachable("modelscope", s.endpoint, exc.reason) from None
        files = _parse_listing(raw, s.endpoint)
        if files is None:
            message = _message(raw)
            raise self._message_error(message, repo_id, rev, None) from None
        return RemoteRepo(source="modelscope", repo_id=repo_id, revision=rev, commit=None, files=tuple(files),
                          endpoint=s.endpoint)

    def file_url(self, repo: RemoteRepo, path: str) -> str:
        return self._api(repo.repo_id, "/repo", {"Revision": repo.pinned_revision, "FilePath": path})

    def read(self, repo: RemoteRepo, path: str, start: int = 0, end: int | None = None) -> bytes:
        try:
            return read_range(self.http, self.file_url(repo, path), self.auth_headers(), start, end)
        except HttpStatusError as exc:
            raise self.status_error(exc, repo.repo_id, repo.revision, path) from None
        except NetworkError as exc:
            raise E.unreachable("modelscope", repo.endpoint, exc.reason) from None

    def status_error(self, exc: HttpStatusError, repo_id: str, revision: str, path: str | None) -> Exception:
        s = self.settings
        if exc.status >= 500 or exc.status == 429:
            return E.server_error("modelscope", s.endpoint, exc.status, path or msg("hub.error.file_list_of", repo=repo_id))
        if exc.status in (401, 403):
            return E.not_found("modelscope", repo_id, s.endpoint, has_token=s.has_token)
        return self._message_error(_message(exc.body) or exc.text, repo_id, revision, path)

    def _message_error(self, message: str, repo_id: str, revision: str, path: str | None) -> Exception:
        low = message.lower()
        if path and ("not exist" in low or "file path" in low):
            return E.RemoteFileMissingError(msg("hub.error.remote_file_missing", repo=E.label("modelscope", repo_id),
                                                path=path, revision=revision))
        if "revision" in low:
            return E.revision_missing("modelscope", repo_id, revision)
        if "not found" in low or "not exist" in low or not message:
            return E.not_found("modelscope", repo_id, self.settings.endpoint, has_token=self.settings.has_token)
        return E.not_a_hub("modelscope", self.settings.endpoint, message[:200])


def _message(raw: bytes) -> str:
    try:
        doc = json.loads(raw)
    except ValueError:
        return ""
    return str(doc.get("Message") or "") if isinstance(doc, dict) else ""


def _parse_listing(raw: bytes, endpoint: str) -> list[RemoteFile] | None:
    """Files of a `repo/files` answer; None when the envelope reports an error."""
    try:
        doc = json.loads(raw)
    except ValueError:
        raise E.not_a_hub("modelscope", endpoint, msg("hub.ms.not_json")) from None
    if not isinstance(doc, dict):
        raise E.not_a_hub("modelscope", endpoint, msg("hub.ms.not_object"))
    if doc.get("Success") is False or doc.get("Code") not in (None, 200, "200"):
        return None
    data = doc.get("Data")
    entries = data.get("Files") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise E.not_a_hub("modelscope", endpoint, msg("hub.ms.no_files"))
    files = []
    for item in entries:
        if not isinstance(item, dict) or item.get("Type", "blob") != "blob":
            continue
        path = item.get("Path") or item.get("Name")
        size = item.get("Size")
        if not isinstance(path, str) or not isinstance(size, int) or size < 0:
            raise E.not_a_hub("modelscope", endpoint, msg("hub.ms.bad_entry", entry=E.redact(str(item)[:80])))
        sha = item.get("Sha256")
        files.append(RemoteFile(path=path, size=size, sha256=sha if isinstance(sha, str) and sha else None))
    return files


# -- the installed client: cache layout and download ------------------------------------------------
def new_layout() -> bool:
    """modelscope >= 1.38 delegates to `modelscope_hub` and caches under models/<org>--<name>/snapshots/.

    Decided by what the installed client actually loads, not by whether modelscope-hub happens to be
    installed beside an older modelscope."""
    try:
        from modelscope.hub.snapshot_download import snapshot_download  # noqa: F401, PLC0415 - modelscope and requests: loaded only for a ModelScope transfer, not at start-up
    except ImportError:
        return True  # no client: the current layout is the one a future install will use
    return "modelscope_hub" in sys.modules


def snapshot_dir(cache_root: Path, repo_id: str, revision: str, *, new: bool | None = None) -> Path:
    """Where the installed client puts a repo in its cache (MODELSCOPE_CACHE)."""
    org, name = repo_id.split("/", 1)
    if new is None:
        new = new_layout()
    if new:
        return cache_root / "models" / f"{org}--{name}" / "snapshots" / revision
    return cache_root / "models" / org / name.replace(".", "___")


def partial_dirs(cache_root: Path, repo_id: str, local_dir: Path | None) -> list[Path]:
    """Folders where a download in progress keeps partial files (besides `*.incomplete` next to the target)."""
    if local_dir is not None:
        return [local_dir / LEGACY_TEMP]
    org, name = repo_id.split("/", 1)
    return [cache_root / "models" / LEGACY_TEMP / org / name]


def client_download(settings: HubSettings, repo: RemoteRepo, files: list[str], local_dir: Path | None,
                    max_workers: int) -> Path:
    """Run the client's snapshot_download for exactly `files` (call in the worker process)."""
    from modelscope.hub.snapshot_download import snapshot_download  # noqa: PLC0415 - modelscope and requests: loaded only for a ModelScope transfer, not at start-up

    params = inspect.signature(snapshot_download).parameters
    # Exact file names as patterns: escape the characters fnmatch treats specially.
    patterns = [_escape(f) for f in files]
    kwargs: dict[str, object] = {"revision": repo.revision, "allow_patterns": patterns}
    if "endpoint" in params:
        kwargs["endpoint"] = settings.endpoint
    if "max_workers" in params:
        kwargs["max_workers"] = max_workers
    token = settings.token_value()
    if token:
        if "token" in params:
            kwargs["token"] = token
        if "cookies" in params and not new_layout():
            # 1.37 scopes its session cookie to the endpoint's host:port, which cookie jars never send
            # to a host with an explicit port; a jar keyed on the bare host name works everywhere.
            from requests.cookies import RequestsCookieJar  # noqa: PLC0415 - requests: loaded only for a ModelScope transfer, not at start-up

            jar = RequestsCookieJar()
            jar.set("m_session_id", token, domain=urlsplit(settings.endpoint).hostname or "", path="/")
            kwargs["cookies"] = jar
    if local_dir is not None:
        kwargs["local_dir"] = str(local_dir)
    return Path(snapshot_download(repo.repo_id, **kwargs))


def _escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in name)
