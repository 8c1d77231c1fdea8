#!/usr/bin/env python3
"""Regenerate wizard/data/vllm_releases.json from vLLM's released source (maintenance; not shipped).

    python tools/vllm_release_facts.py                    # every final release from 0.4.0 on
    python tools/vllm_release_facts.py --newest 0.35.0    # stop at a release
    python tools/vllm_release_facts.py --only 0.35.0      # add or refresh one release in place

Each release's wheel is downloaded from the package registry (`pip download vllm==X --no-deps
--only-binary :all:` into /tmp/vllm-wheels/X/, reusing a wheel already there), its `vllm/*.py`
files are kept in a source cache (/tmp/vllm-release-src/X/) and the wheel this script fetched is
deleted. The facts are read with `ast`: vLLM is never imported and none of its code is copied.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.release_facts import fetch  # noqa: E402
from tools.release_facts.extract import build, release_facts, unbuild, write  # noqa: E402

DATA = ROOT / "wizard" / "data" / "vllm_releases.json"
CACHE = ROOT / "tools" / ".release-facts-cache"  # per-release extraction results (gitignored)


def _facts(version: str, sources: Path, refresh: bool) -> dict:
    cached = CACHE / f"{version}.json"
    if cached.is_file() and not refresh:
        return json.loads(cached.read_text(encoding="utf-8"))
    root = fetch.source_dir(version, sources=sources, log=lambda m: print(m, file=sys.stderr, flush=True))
    facts = release_facts(version, root)
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(facts), encoding="utf-8")
    return facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--newest", help="last release to include (default: the registry's newest)")
    parser.add_argument("--only", nargs="+", help="refresh these releases, keep the others from the data file")
    parser.add_argument("--sources", type=Path, default=fetch.SOURCES, help="source cache folder")
    parser.add_argument("--refresh", action="store_true", help="re-extract even where a cached result exists")
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args(argv)
    versions = args.only or fetch.list_releases(args.newest)
    per_release: dict[str, dict] = {}
    if args.only and args.out.is_file():
        for facts in unbuild(json.loads(args.out.read_text(encoding="utf-8"))):
            if facts["version"] not in args.only:
                per_release[facts["version"]] = facts
    for version in versions:
        t0 = time.monotonic()
        facts = _facts(version, args.sources, args.refresh or bool(args.only))
        per_release[version] = facts
        print(f"{version}: {len(facts['flags'])} flags, {len(facts['quantization_methods'])} quantization methods, "
              f"{len(facts['reasoning_parsers'])} reasoning / {len(facts['tool_parsers'])} tool parsers "
              f"({time.monotonic() - t0:.1f} s)", file=sys.stderr, flush=True)
    size = write(build(list(per_release.values())), args.out)
    print(f"wrote {args.out} ({len(per_release)} releases, {size / 1024:.0f} KiB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
