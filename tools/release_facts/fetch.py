"""Getting each vLLM release's Python source from the package registry, one wheel at a time.

Wheels are 100-400 MB, so only the `.py` files under `vllm/` are kept (a few MB per release, in a
source cache that later runs reuse) and a wheel this script downloaded is deleted right after. A
wheel that was already in the shared wheel folder belongs to whoever fetched it and is left alone.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEELS = Path("/tmp/vllm-wheels")
SOURCES = Path("/tmp/vllm-release-src")
OLDEST = (0, 4, 0)
_RELEASE = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:\.(\d+)|\.post(\d+))?$")


def release_key(version: str) -> tuple[int, ...]:
    """Sort key of a final release: 0.10.1.1 and 0.8.5.post1 sort right after their base release."""
    match = _RELEASE.match(version)
    if not match:
        raise ValueError(f"{version!r} is not a final vLLM release")
    extra = match.group(4) or match.group(5) or 0
    return (int(match.group(1)), int(match.group(2)), int(match.group(3)), int(extra))


def is_final(version: str) -> bool:
    return bool(_RELEASE.match(version))


def list_releases(newest: str | None = None) -> list[str]:
    """Final releases from OLDEST on, as the registry lists them (`pip index versions vllm`)."""
    out = subprocess.run([sys.executable, "-m", "pip", "index", "versions", "vllm"],
                         capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("Available versions:"))
    versions = [v.strip() for v in line.split(":", 1)[1].split(",")]
    keep = [v for v in versions if is_final(v) and release_key(v)[:3] >= OLDEST]
    if newest:
        keep = [v for v in keep if release_key(v) <= release_key(newest)]
    return sorted(keep, key=release_key)


def _usable(wheel: Path) -> bool:
    try:
        with zipfile.ZipFile(wheel) as zf:
            return any(n.endswith("vllm/__init__.py") for n in zf.namelist())
    except (OSError, zipfile.BadZipFile):
        return False  # still being written by someone else, or broken


def _existing_wheel(version: str) -> Path | None:
    folder = WHEELS / version
    for wheel in sorted(folder.glob(f"vllm-{version}-*.whl")) if folder.is_dir() else []:
        if _usable(wheel):
            return wheel
    return None


def _download(version: str) -> Path:
    folder = WHEELS / version
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".release-facts-") as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", f"vllm=={version}", "--no-deps",
                        "--only-binary", ":all:", "-d", tmp, "-q"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wheel = next(Path(tmp).glob("vllm-*.whl"))
        target = folder / wheel.name
        if target.exists():  # someone else finished the same wheel meanwhile: theirs stays
            return target
        shutil.move(str(wheel), target)
        return target


def source_dir(version: str, *, sources: Path = SOURCES, log=print) -> Path:
    """The release's `vllm/` sources, extracted once; the wheel is fetched only when needed."""
    root = sources / version
    done = root / ".complete"
    if done.exists():
        return root
    wheel = _existing_wheel(version)
    ours = wheel is None
    if ours:
        log(f"{version}: downloading")
        wheel = _download(version)
    try:
        with zipfile.ZipFile(wheel) as zf:
            for name in zf.namelist():
                if name.startswith("vllm/") and name.endswith(".py"):
                    zf.extract(name, root)
        done.write_text(wheel.name + "\n")
    finally:
        if ours:
            wheel.unlink(missing_ok=True)
            try:
                wheel.parent.rmdir()  # only when it is empty: nobody else keeps a file there
            except OSError:
                pass
    return root
