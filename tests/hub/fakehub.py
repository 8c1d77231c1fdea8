"""A fake Hugging Face + ModelScope hub on 127.0.0.1 (port 0), for the real clients to talk to.

Reusable by any test (the UI tests too): `start_fake_hub()` returns a running `FakeHub`; seed it with
`add_repo` (bytes in memory or files on disk, sparse ones included) or `add_folder`, point a client
at `hub.url`, and read `hub.log` / `hub.bytes_sent` afterwards. Faults are switched on per test:
`drop_after` (a connection that dies mid-file), `throttle` (slow link), `fail_next` (an HTTP error),
gated / private repos, tokens.

The routes and headers are the ones huggingface_hub 0.36 - 2.x and modelscope 1.37 / 1.40 need
(shared/research/hub-apis.md sections 6 and 7.4): HF `api/models`, `tree`, `paths-info`, `resolve`
(HEAD + GET with Range, LFS files redirected to a CDN route like the real hub), `whoami-v2`,
`auth-check`; ModelScope `api/v1/models/.../revisions`, `repo/files`, `repo?FilePath=`, login.
It never sends X-Xet-* headers, so the HF client stays on plain HTTP.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from fakehub_modelscope import ModelScopeRoutes

# Files the real hub stores in LFS (their ETag is the sha256 and GETs redirect to a CDN).
LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf", ".model", ".msgpack", ".h5", ".onnx")
LFS_MIN_SIZE = 10 << 20
CHUNK = 1 << 20
GOOD_TOKEN = "hf_fake_read_token_0123456789"
MS_GOOD_TOKEN = "ms-fake-token-0123456789"


@dataclass
class FakeFile:
    path: str
    size: int
    data: bytes | None = None  # content in memory, or
    disk: Path | None = None  # a file on disk (sparse files read as zeros)
    sha256: str | None = None  # None: not announced (ModelScope then skips its check)
    sha_real: bool = True  # False: a stand-in digest for a huge sparse file (never announced to ModelScope)
    git_oid: str = ""
    lfs: bool = False

    def read(self, start: int, end: int) -> bytes:
        """Bytes [start, end) of the file."""
        if self.data is not None:
            return self.data[start:end]
        assert self.disk is not None
        with open(self.disk, "rb") as fh:
            fh.seek(start)
            return fh.read(end - start)


@dataclass
class FakeRepo:
    repo_id: str
    files: dict[str, FakeFile]
    commit: str
    # Branch / tag name -> commit. HF's default is "main", ModelScope's "master": both point here.
    branches: dict[str, str] = field(default_factory=dict)
    gated: bool = False
    private: bool = False

    def commit_for(self, revision: str | None) -> str | None:
        if revision in (None, "", "main", "master"):
            return self.commit
        if revision == self.commit or revision in self.branches.values():
            return revision  # every commit of a fake repo holds the same files
        return self.branches.get(revision)


@dataclass
class Request:
    method: str
    path: str
    status: int
    range: str | None
    body_bytes: int
    header_bytes: int
    authorized: bool


def file_from_bytes(path: str, data: bytes, *, announce_sha: bool = True) -> FakeFile:
    lfs = path.endswith(LFS_SUFFIXES) or len(data) >= LFS_MIN_SIZE
    return FakeFile(path=path, size=len(data), data=data, lfs=lfs,
                    sha256=hashlib.sha256(data).hexdigest() if announce_sha else None,
                    git_oid=hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest())


def file_from_disk(path: str, disk: Path, *, hash_content: bool | None = None) -> FakeFile:
    """A file served from disk. Big sparse files get a stand-in sha256 (hashing 140 GB of holes would
    take minutes); such a file must never be downloaded by a client that checks it."""
    size = disk.stat().st_size
    lfs = path.endswith(LFS_SUFFIXES) or size >= LFS_MIN_SIZE
    if hash_content is None:
        hash_content = size <= (2 << 30)
    if hash_content:
        h = hashlib.sha256()
        with open(disk, "rb") as fh:
            for block in iter(lambda: fh.read(CHUNK), b""):
                h.update(block)
        sha = h.hexdigest()
    else:
        sha = hashlib.sha256(f"stand-in:{path}:{size}".encode()).hexdigest()
    oid = hashlib.sha1(f"oid:{path}:{size}:{sha}".encode()).hexdigest()
    if size < 1 << 20 and not lfs:
        data = disk.read_bytes()
        oid = hashlib.sha1(b"blob %d\0" % size + data).hexdigest()
    return FakeFile(path=path, size=size, disk=disk, lfs=lfs, sha256=sha, git_oid=oid, sha_real=hash_content)


class FakeHub:
    """State shared by the handler threads; `start()` / `stop()` or use as a context manager."""

    def __init__(self) -> None:
        self.repos: dict[str, FakeRepo] = {}
        # token -> repos it may read (None: all gated / private repos)
        self.tokens: dict[str, set[str] | None] = {GOOD_TOKEN: None, MS_GOOD_TOKEN: None}
        self.log: list[Request] = []
        self.lock = threading.Lock()
        self.throttle: float | None = None  # bytes per second for file bodies
        self._drops: dict[str, list[int]] = {}  # repo path -> [drop at absolute offset, times left]
        self._fail: dict[str, list] = {}  # url-path regex -> [status, times left]
        self._servers: list[ThreadingHTTPServer] = []
        self.url = ""
        # LFS downloads are redirected here: another origin, as the real hub's CDN is, so the
        # clients drop the Authorization header and take the file metadata from the redirect.
        self.cdn_url = ""

    # -- seeding ---------------------------------------------------------------------------------
    def add_repo(self, repo_id: str, files: dict[str, bytes | Path | FakeFile], *, gated: bool = False,
                 private: bool = False, branches: dict[str, str] | None = None) -> FakeRepo:
        built: dict[str, FakeFile] = {}
        for path, content in files.items():
            if isinstance(content, FakeFile):
                built[path] = content
            elif isinstance(content, (bytes, bytearray)):
                built[path] = file_from_bytes(path, bytes(content))
            else:
                built[path] = file_from_disk(path, Path(content))
        digest = hashlib.sha1(repo_id.encode())
        for f in sorted(built.values(), key=lambda f: f.path):
            digest.update(f"{f.path}:{f.size}:{f.sha256}:{f.git_oid}".encode())
        repo = FakeRepo(repo_id, built, digest.hexdigest(), dict(branches or {}), gated=gated, private=private)
        with self.lock:
            self.repos[repo_id] = repo
        return repo

    def add_folder(self, repo_id: str, folder: Path, **kw) -> FakeRepo:
        files = {str(p.relative_to(folder)).replace(os.sep, "/"): p for p in sorted(Path(folder).rglob("*"))
                 if p.is_file()}
        return self.add_repo(repo_id, files, **kw)

    # -- faults -----------------------------------------------------------------------------------
    def drop_after(self, path_in_repo: str, offset: int, times: int = 1) -> None:
        """Cut the connection once `offset` bytes of this file have been sent (`times` times)."""
        with self.lock:
            self._drops[path_in_repo] = [offset, times]

    def fail_next(self, pattern: str, status: int, times: int = 1) -> None:
        """Answer requests whose URL path matches `pattern` with `status` (`times` times)."""
        with self.lock:
            self._fail[pattern] = [status, times]

    def clear_faults(self) -> None:
        with self.lock:
            self.throttle = None
            self._drops.clear()
            self._fail.clear()

    # -- accounting -------------------------------------------------------------------------------
    @property
    def bytes_sent(self) -> int:
        with self.lock:
            return sum(r.body_bytes + r.header_bytes for r in self.log)

    def requests(self, method: str | None = None, contains: str = "") -> list[Request]:
        with self.lock:
            return [r for r in self.log if (method is None or r.method == method) and contains in r.path]

    def reset_log(self) -> None:
        with self.lock:
            self.log.clear()

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> FakeHub:
        hub = self

        class Handler(_Handler):
            fake = hub

        for _ in range(2):
            server = _Server(("127.0.0.1", 0), Handler)
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fakehub",
                             daemon=True).start()
            self._servers.append(server)
        self.url, self.cdn_url = (f"http://127.0.0.1:{s.server_address[1]}" for s in self._servers)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def __enter__(self) -> FakeHub:
        return self.start() if not self._servers else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- used by the handler ----------------------------------------------------------------------
    def take_drop(self, path: str) -> int | None:
        with self.lock:
            drop = self._drops.get(path)
            if not drop or drop[1] <= 0:
                return None
            drop[1] -= 1
            return drop[0]

    def take_fail(self, url_path: str) -> int | None:
        with self.lock:
            for pattern, entry in self._fail.items():
                if entry[1] > 0 and re.search(pattern, url_path):
                    entry[1] -= 1
                    return entry[0]
        return None

    def allowed(self, repo: FakeRepo, token: str | None) -> bool:
        if not (repo.gated or repo.private):
            return True
        if token is None or token not in self.tokens:
            return False
        scope = self.tokens[token]
        return scope is None or repo.repo_id in scope


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        import sys

        if isinstance(sys.exc_info()[1], OSError):
            return  # a client that hung up is not a server bug
        super().handle_error(request, client_address)


def start_fake_hub() -> FakeHub:
    return FakeHub().start()


class _Dropped(Exception):
    pass


class _Handler(ModelScopeRoutes, BaseHTTPRequestHandler):
    fake: FakeHub
    protocol_version = "HTTP/1.1"
    timeout = 30
    server_version = "FakeHub/1.0"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep test output quiet
        pass

    # Accounting: every response goes through _reply / _send_body.
    def _start(self) -> None:
        self._status = 0
        self._header_bytes = 0
        self._body_bytes = 0

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = code
        super().send_response(code, message)

    def send_header(self, keyword: str, value: str) -> None:
        self._header_bytes += len(keyword) + len(str(value)) + 4
        super().send_header(keyword, value)

    def _record(self) -> None:
        token = self._token()
        with self.fake.lock:
            self.fake.log.append(Request(self.command, self.path, self._status, self.headers.get("Range"),
                                         self._body_bytes, self._header_bytes + 17, token in self.fake.tokens))

    def _token(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return auth[7:].strip()
        cookie = self.headers.get("Cookie", "")
        match = re.search(r"m_session_id=([^;]+)", cookie)
        return match.group(1) if match else None

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        self._start()
        if self.path == "/__stats":  # for benchmarks in another process; not itself counted
            body = json.dumps({"bytes_sent": self.fake.bytes_sent, "requests": len(self.fake.log)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        length = int(self.headers.get("Content-Length") or 0)
        self._posted = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        try:
            status = self.fake.take_fail(url.path)
            if status is not None:
                self._json({"error": f"injected {status}"}, status)
            elif url.path.startswith("/api/v1/") or url.path.startswith("/openapi/"):
                self._modelscope(url.path, parse_qs(url.query))
            elif self.headers.get("Authorization", "").startswith("Bearer ") and self._token() not in self.fake.tokens:
                # The real hub refuses an unknown token outright, even for public repos.
                self._hf_error(401, None, "Invalid credentials in Authorization header")
            elif url.path.startswith("/api/"):
                self._hf_api(url.path, parse_qs(url.query))
            elif url.path.startswith("/__cdn/"):
                self._cdn(url.path)
            else:
                self._hf_resolve(url.path)
        except _Dropped:
            self.close_connection = True
        except OSError:  # the client went away mid-answer (a cancel, a killed worker)
            self.close_connection = True
        finally:
            self._record()

    # -- shared helpers ---------------------------------------------------------------------------
    def _json(self, doc: object, status: int = 200, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
            self._body_bytes += len(body)

    def _hf_error(self, status: int, code: str | None, message: str, headers: dict[str, str] | None = None) -> None:
        extra = dict(headers or {})
        if code:
            extra["X-Error-Code"] = code
        extra["X-Error-Message"] = message
        self._json({"error": message}, status, extra)

    def _send_file(self, f: FakeFile, headers: dict[str, str]) -> None:
        """Full body or one byte range, honouring throttle and drop faults."""
        start, end = 0, f.size  # [start, end)
        rng = self.headers.get("Range")
        status = 200
        if rng:
            match = re.fullmatch(r"bytes=(\d*)-(\d*)", rng.strip())
            if match and (match.group(1) or match.group(2)):
                if match.group(1):
                    start = int(match.group(1))
                    end = min(f.size, int(match.group(2)) + 1) if match.group(2) else f.size
                else:  # suffix range
                    start = max(0, f.size - int(match.group(2)))
                if start >= f.size and f.size > 0:
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{f.size}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status = 206
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(end - start))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{f.size}")
        self.end_headers()
        if self.command == "HEAD":
            return
        drop = self.fake.take_drop(f.path)
        stop = end if drop is None or drop <= start or drop >= end else drop
        self._stream(f, start, stop)
        if stop < end:
            self.wfile.flush()
            self.connection.shutdown(2)  # mid-body: the client sees a short read
            raise _Dropped

    def _stream(self, f: FakeFile, start: int, stop: int) -> None:
        throttle = self.fake.throttle
        if f.disk is not None and throttle is None:
            self.wfile.flush()
            with open(f.disk, "rb") as fh:
                sent = self.connection.sendfile(fh, start, stop - start)  # zero-copy, like a real server
            self._body_bytes += sent
            return
        pos = start
        step = CHUNK if throttle is None else max(1024, int(throttle / 20))
        while pos < stop:
            block = f.read(pos, min(stop, pos + step))
            self.wfile.write(block)
            pos += len(block)
            self._body_bytes += len(block)
            if throttle:
                time.sleep(len(block) / throttle)

    def _repo(self, repo_id: str) -> FakeRepo | None:
        with self.fake.lock:
            return self.fake.repos.get(repo_id)

    # -- Hugging Face -----------------------------------------------------------------------------
    def _hf_api(self, path: str, query: dict[str, list[str]]) -> None:
        parts = [unquote(p) for p in path.split("/")[2:]]
        if parts == ["whoami-v2"]:
            token = self._token()
            if token in self.fake.tokens:
                return self._json({"type": "user", "name": "fake-user", "auth": {"accessToken": {"role": "read"}}})
            return self._hf_error(401, None, "Invalid credentials in Authorization header")
        if len(parts) < 3 or parts[0] != "models":
            return self._hf_error(404, None, "Not found")
        repo_id, rest = f"{parts[1]}/{parts[2]}", parts[3:]
        repo = self._repo(repo_id)
        token = self._token()
        if repo is None or (repo.private and not self.fake.allowed(repo, token)):
            return self._hf_error(401, "RepoNotFound", "Repository Not Found for url: " + self.path)
        if rest and rest[0] == "auth-check":
            if not self.fake.allowed(repo, token):
                return self._hf_error(401 if token is None else 403, "GatedRepo",
                                      f"Access to model {repo_id} is restricted.")
            return self._json({})
        revision = None
        if rest and rest[0] in ("revision", "tree", "paths-info"):
            revision = rest[1] if len(rest) > 1 else None
        commit = repo.commit_for(revision)
        if commit is None:
            return self._hf_error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        if not rest or rest[0] == "revision":
            return self._json(self._hf_info(repo, commit, query))
        if rest[0] == "tree":
            prefix = "/".join(rest[2:])
            return self._json(self._hf_tree(repo, prefix, query.get("recursive", ["false"])[0].lower() == "true"))
        if rest[0] == "paths-info":
            wanted = set(parse_qs(self._posted.decode()).get("paths", []))
            if not wanted and self._posted.startswith(b"{"):
                wanted = set(json.loads(self._posted).get("paths", []))
            return self._json([self._hf_entry(f) for f in repo.files.values() if f.path in wanted])
        return self._hf_error(404, None, "Not found")

    def _hf_info(self, repo: FakeRepo, commit: str, query: dict[str, list[str]]) -> dict:
        blobs = query.get("blobs", ["false"])[0].lower() == "true"
        siblings = []
        for f in repo.files.values():
            entry: dict[str, object] = {"rfilename": f.path}
            if blobs:
                entry.update(size=f.size, blobId=f.git_oid)
                if f.lfs:
                    entry["lfs"] = {"sha256": f.sha256, "size": f.size, "pointerSize": 134}
            siblings.append(entry)
        return {"_id": commit[:24], "id": repo.repo_id, "modelId": repo.repo_id, "sha": commit,
                "private": repo.private, "gated": "manual" if repo.gated else False, "disabled": False,
                "downloads": 0, "likes": 0, "tags": [], "siblings": siblings,
                "lastModified": "2026-01-01T00:00:00.000Z", "createdAt": "2025-01-01T00:00:00.000Z"}

    def _hf_entry(self, f: FakeFile) -> dict:
        entry: dict[str, object] = {"type": "file", "oid": f.git_oid, "size": f.size, "path": f.path}
        if f.lfs:
            entry["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": 134}
        return entry

    def _hf_tree(self, repo: FakeRepo, prefix: str, recursive: bool) -> list[dict]:
        out: list[dict] = []
        dirs: set[str] = set()
        base = prefix.strip("/") + "/" if prefix.strip("/") else ""
        for f in sorted(repo.files.values(), key=lambda f: f.path):
            if not f.path.startswith(base):
                continue
            rel = f.path[len(base):]
            segments = rel.split("/")
            for i in range(1, len(segments)):
                d = base + "/".join(segments[:i])
                if d not in dirs and (recursive or i == 1):
                    dirs.add(d)
                    out.append({"type": "directory", "oid": hashlib.sha1(d.encode()).hexdigest(), "size": 0,
                                "path": d})
            if recursive or len(segments) == 1:
                out.append(self._hf_entry(f))
        return out

    def _hf_resolve(self, path: str) -> None:
        match = re.fullmatch(r"/([^/]+)/([^/]+)/resolve/([^/]+)/(.+)", path)
        if not match:
            return self._hf_error(404, None, "Not found")
        repo_id = f"{unquote(match.group(1))}/{unquote(match.group(2))}"
        revision, file_path = unquote(match.group(3)), unquote(match.group(4))
        repo = self._repo(repo_id)
        token = self._token()
        if repo is None or (repo.private and not self.fake.allowed(repo, token)):
            return self._hf_error(401, "RepoNotFound", "Repository Not Found")
        commit = repo.commit_for(revision)
        if commit is None:
            return self._hf_error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        if not self.fake.allowed(repo, token):
            return self._hf_error(401 if token is None else 403, "GatedRepo",
                                  f"Access to model {repo_id} is restricted and you are not in the authorized list.")
        f = repo.files.get(file_path)
        if f is None:
            return self._hf_error(404, "EntryNotFound", f"{file_path} does not exist on {revision}",
                                  {"X-Repo-Commit": commit})
        headers = {"X-Repo-Commit": commit, "Content-Type": "application/octet-stream"}
        if f.lfs:
            # Like the real hub: LFS files answer 302 to a CDN URL with the metadata on the redirect.
            headers.update({"X-Linked-Etag": f'"{f.sha256}"', "X-Linked-Size": str(f.size), "ETag": f'"{f.git_oid}"',
                            "Location": f"{self.fake.cdn_url}/__cdn/{quote(repo_id, safe='')}/{commit}/{quote(file_path)}"})
            self.send_response(302)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        headers["ETag"] = f'"{f.git_oid}"'
        self._send_file(f, headers)

    def _cdn(self, path: str) -> None:
        _, _, repo_q, _commit, *rest = path.split("/")
        repo = self._repo(unquote(repo_q))
        f = repo.files.get(unquote("/".join(rest))) if repo else None
        if f is None:
            return self._hf_error(404, None, "NoSuchKey")
        self._send_file(f, {"ETag": f'"{f.sha256}"', "Content-Type": "application/octet-stream"})

def main(argv: list[str] | None = None) -> int:
    """Serve model folders until killed: `python tests/hub/fakehub.py org/name=/path/to/folder ...`.
    Prints the URL on the first line (benchmarks run it in its own process; handy by hand too)."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("repos", nargs="+", metavar="ID=FOLDER")
    parser.add_argument("--gated", action="append", default=[], metavar="ID")
    args = parser.parse_args(argv)
    hub = start_fake_hub()
    for spec in args.repos:
        repo_id, _, folder = spec.partition("=")
        hub.add_folder(repo_id, Path(folder), gated=repo_id in args.gated)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    print(hub.url, flush=True)
    signal.sigwait({signal.SIGINT, signal.SIGTERM})
    hub.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
