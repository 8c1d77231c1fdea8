"""Where downloaded files go, and how much of each is already there.

Hugging Face cache (what vLLM and every huggingface_hub version read by repo id):
    models--org--name/blobs/<etag>                 the bytes (etag: sha256 for LFS files, git blob id else)
    models--org--name/blobs/<etag>.incomplete      while downloading (huggingface_hub uses the same name,
                                                   so either tool resumes the other's partial file)
    models--org--name/snapshots/<commit>/<path>    relative symlink to the blob
    models--org--name/refs/<revision>              the commit a branch or tag points to
`--local-dir`: plain files, plus huggingface_hub's `.cache/huggingface/download/<path>.metadata`
(commit, etag, time) so its later runs treat them as up to date.

ModelScope files are written by its client (wizard.hub.modelscope); `ms_present` measures them.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from wizard.hub.repo import RemoteFile, RemoteRepo

_COMMIT = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class Target:
    file: RemoteFile
    final: Path  # the finished bytes (a blob, or the file in --local-dir)
    partial: Path  # bytes so far
    link: Path | None = None  # snapshot entry pointing at `final` (cache mode)
    metadata: Path | None = None  # huggingface_hub's local-dir bookkeeping
    lock: Path | None = None


class HfLayout:
    def __init__(self, cache_dir: Path, repo: RemoteRepo, local_dir: Path | None = None) -> None:
        self.repo = repo
        self.local_dir = local_dir
        self.repo_dir = cache_dir / ("models--" + repo.repo_id.replace("/", "--"))
        self.locks = cache_dir / ".locks" / self.repo_dir.name

    @property
    def commit(self) -> str:
        return self.repo.commit or self.repo.revision

    @property
    def folder(self) -> Path:
        """What vLLM is given (or finds by id): the snapshot, or the local dir."""
        if self.local_dir is not None:
            return self.local_dir
        return self.repo_dir / "snapshots" / self.commit

    def target(self, f: RemoteFile) -> Target:
        etag = f.etag or "wizard-" + hashlib.sha1(f"{f.path}:{f.size}".encode()).hexdigest()
        if self.local_dir is not None:
            meta_dir = self.local_dir / ".cache" / "huggingface" / "download"
            return Target(f, final=self.local_dir / f.path, partial=meta_dir / f"{f.path}.{etag}.incomplete",
                          metadata=meta_dir / f"{f.path}.metadata", lock=meta_dir / f"{f.path}.lock")
        blob = self.repo_dir / "blobs" / etag
        return Target(f, final=blob, partial=blob.with_name(etag + ".incomplete"),
                      link=self.folder / f.path, lock=self.locks / f"{etag}.lock")

    def present(self, t: Target) -> tuple[bool, int]:
        """(complete, bytes on disk) for one file."""
        size = _size(t.final)
        if size == t.file.size:
            return True, size
        return False, min(_size(t.partial), t.file.size)

    def finish(self, t: Target) -> None:
        """Move the finished bytes into place and make them findable. A final file that already has
        every byte (the user copied it in, or an earlier run finished it) is never replaced by a
        partial one left behind: the partial is stale, the complete file is the user's."""
        if t.partial.exists() and _size(t.final) != t.file.size:
            t.final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(t.partial, t.final)
        if t.link is not None:
            t.link.parent.mkdir(parents=True, exist_ok=True)
            relative = os.path.relpath(t.final, t.link.parent)
            if not (t.link.is_symlink() and os.readlink(t.link) == relative):
                tmp = t.link.with_name(t.link.name + ".wizard-link")
                if tmp.is_symlink() or tmp.exists():
                    tmp.unlink()
                os.symlink(relative, tmp)
                os.replace(tmp, t.link)
        if t.metadata is not None:
            t.metadata.parent.mkdir(parents=True, exist_ok=True)
            # Written after the file, so its timestamp is newer than the file's mtime, as huggingface_hub checks.
            t.metadata.write_text(f"{self.commit}\n{t.file.etag or ''}\n{time.time()}\n")

    def write_refs(self) -> None:
        """refs/<revision> -> commit, so `vllm serve org/name` (revision main) finds this snapshot offline."""
        rev = self.repo.revision
        if self.local_dir is not None or not self.repo.commit or _COMMIT.fullmatch(rev):
            return
        ref = self.repo_dir / "refs" / rev
        ref.parent.mkdir(parents=True, exist_ok=True)
        tmp = ref.with_name(ref.name + ".wizard-tmp")
        tmp.write_text(self.repo.commit)
        os.replace(tmp, ref)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def ms_present(folder: Path, temp_dirs: list[Path], files: tuple[RemoteFile, ...]) -> tuple[int, int, str | None]:
    """(bytes on disk, files complete, the file being written) for a ModelScope download in progress.

    Finished files sit at their path in `folder`; partial ones next to it as `<path>.incomplete` /
    `.parallel_tmp` (1.38+) or under a temp folder with their own name (1.37)."""
    done = complete = 0
    newest: tuple[float, str] | None = None
    for f in files:
        final = folder / f.path
        size = _size(final)
        if size == f.size:
            done += size
            complete += 1
            continue
        best = 0
        for candidate in (final.with_name(final.name + ".incomplete"), final.with_name(final.name + ".parallel_tmp"),
                          *(d / f.path for d in temp_dirs)):
            try:
                st = candidate.stat()
            except OSError:
                continue
            best = max(best, st.st_size)
            if newest is None or st.st_mtime > newest[0]:
                newest = (st.st_mtime, f.path)
        done += min(best, f.size)
    return done, complete, newest[1] if newest else None
