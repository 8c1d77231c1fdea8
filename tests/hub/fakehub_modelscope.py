"""ModelScope's routes for the fake hub (modelscope 1.37 / 1.40: revisions, repo/files, file
downloads by FilePath, login), as a mixin of the request handler in fakehub.py."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    from fakehub import FakeRepo


class ModelScopeRoutes:
    """Needs the handler's `fake`, `_json`, `_repo`, `_send_file`, `_token` and `_posted`."""

    def _ms_ok(self, data: object) -> None:
        self._json({"Code": 200, "Message": "success", "Success": True, "Data": data, "RequestId": "fake"})

    def _ms_error(self, status: int, message: str) -> None:
        self._json({"Code": 10010205001, "Message": message, "Success": False, "RequestId": "fake"}, status)

    def _modelscope(self, path: str, query: dict[str, list[str]]) -> None:
        parts = [unquote(p) for p in path.split("/")]
        if path.startswith("/openapi/") or path == "/api/v1/repos/internalAccelerationInfo":
            return self._ms_error(404, "not found")  # 1.40 probes these first and falls back
        if path == "/api/v1/login":
            body = json.loads(self._posted or b"{}")
            token = body.get("AccessToken")
            if token not in self.fake.tokens:
                return self._ms_error(401, "invalid access token")
            self.send_response(200)
            doc = json.dumps({"Code": 200, "Success": True, "Data": {"AccessToken": token, "Username": "fake-user",
                                                                     "Email": "fake@example.com"}}).encode()
            self.send_header("Set-Cookie", f"m_session_id={token}; Path=/")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(doc)))
            self.end_headers()
            self.wfile.write(doc)
            self._body_bytes += len(doc)
            return
        if len(parts) < 6 or parts[3] != "models":
            return self._ms_error(404, "not found")
        repo_id, rest = f"{parts[4]}/{parts[5]}", parts[6:]
        repo = self._repo(repo_id)
        token = self._token()
        if repo is None or not self.fake.allowed(repo, token):
            if repo is not None and token is not None:
                return self._ms_error(403, "no permission to access this model")
            return self._ms_error(404, "model not found")
        revision = (query.get("Revision") or [None])[0]
        commit = repo.commit_for(revision)
        if commit is None:
            return self._ms_error(404, f"revision {revision} not found")
        if not rest:
            return self._ms_ok({"Name": parts[5], "Path": parts[4], "Id": 1, "Revision": revision or "master",
                                "ModelInfos": {}, "IsPrivate": repo.private})
        if rest == ["revisions"]:
            branch = {"Revision": "master", "CommitId": commit, "CreatedAt": 1735689600}
            tags = [{"Revision": name, "CommitId": c, "CreatedAt": 1735689600} for name, c in repo.branches.items()]
            return self._ms_ok({"RevisionMap": {"Branches": [branch], "Tags": tags}})
        if rest == ["repo", "files"]:
            root = (query.get("Root") or [""])[0].strip("/")
            recursive = (query.get("Recursive") or ["false"])[0].lower() == "true"
            return self._ms_ok({"Files": self._ms_files(repo, commit, root, recursive)})
        if rest == ["repo"]:
            file_path = (query.get("FilePath") or [""])[0]
            f = repo.files.get(file_path)
            if f is None:
                return self._ms_error(404, f"The file path: {file_path} not exist in: {repo_id}")
            return self._send_file(f, {"Content-Type": "application/octet-stream"})
        return self._ms_error(404, "not found")

    def _ms_files(self, repo: FakeRepo, commit: str, root: str, recursive: bool) -> list[dict]:
        out = []
        dirs: set[str] = set()
        base = root + "/" if root else ""
        for f in sorted(repo.files.values(), key=lambda f: f.path):
            if not f.path.startswith(base):
                continue
            segments = f.path[len(base):].split("/")
            if len(segments) > 1 and not recursive:
                d = base + segments[0]
                if d not in dirs:
                    dirs.add(d)
                    out.append({"Name": segments[0], "Path": d, "Type": "tree", "Size": 0, "Revision": commit})
                continue
            entry = {"Name": segments[-1], "Path": f.path, "Type": "blob", "Size": f.size, "Revision": commit,
                     "IsLFS": f.lfs, "CommittedDate": 1735689600}
            if f.sha256 and f.sha_real:
                entry["Sha256"] = f.sha256
            out.append(entry)
        return out
