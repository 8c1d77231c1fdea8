"""A complete, verified file in --local-dir is never replaced by an older partial left beside it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARD = "model-00002-of-00002.safetensors"


def cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wizard", *args], capture_output=True, text=True, env=env,
                          timeout=90, cwd=ROOT)


def test_complete_file_survives_a_stale_partial(hub, hub_env, tmp_path):
    target = tmp_path / "tiny"
    first = cli("download", "org/tiny", "--local-dir", str(target), env=hub_env)
    assert first.returncode == 0, first.stderr
    complete = (target / SHARD).read_bytes()
    etag = (target / ".cache" / "huggingface" / "download" / f"{SHARD}.metadata").read_text().splitlines()[1]
    # The user copied the finished file in while an older, truncated partial was still there.
    partial = target / ".cache" / "huggingface" / "download" / f"{SHARD}.{etag}.incomplete"
    partial.write_bytes(complete[: len(complete) // 3])
    again = cli("download", "org/tiny", "--local-dir", str(target), env=hub_env)
    assert again.returncode == 0 and "Traceback" not in again.stderr
    assert (target / SHARD).read_bytes() == complete


def test_layout_finish_keeps_a_complete_final(tmp_path):
    from wizard.hub.layout import HfLayout
    from wizard.hub.repo import RemoteFile, RemoteRepo

    repo = RemoteRepo(source="hf", repo_id="org/x", revision="main", commit="c" * 40, files=(), endpoint="http://h")
    layout = HfLayout(tmp_path / "cache", repo, tmp_path / "local")
    f = RemoteFile(path="w.safetensors", size=10, etag="e1")
    t = layout.target(f)
    t.final.parent.mkdir(parents=True)
    t.final.write_bytes(b"0123456789")
    t.partial.parent.mkdir(parents=True)
    t.partial.write_bytes(b"012")
    layout.finish(t)
    assert t.final.read_bytes() == b"0123456789"
