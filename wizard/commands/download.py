"""`vllm-wizard download MODEL [--revision R] [--local-dir D]`: fetch exactly what vLLM loads.

Prints the plan (files, bytes still needed, free space) on stderr, refuses when it cannot fit, then
shows a progress bar on stderr; the folder to serve goes to stdout, alone, for scripts. Ctrl-C stops
at once; running the same command again resumes.
"""

from __future__ import annotations

import argparse
import sys
import time

from wizard import bounds as b
from wizard.i18n import localize, msg


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", metavar="MODEL", help="org/name or hf:org/name (Hugging Face), ms:org/name (ModelScope)")
    p.add_argument("--revision", metavar="R", help="branch, tag or commit (default: main / master)")
    p.add_argument("--local-dir", metavar="D", help="download into this folder instead of the hub's cache")
    p.add_argument("--hf-endpoint", metavar="URL",
                   help="Hugging Face endpoint or mirror (default: HF_ENDPOINT, else https://huggingface.co)")
    p.add_argument("--workers", type=b.option("--workers", b.parse_int, b.WORKERS), default=4, metavar="N", help="files fetched at once (default 4)")
    p.add_argument("--no-verify", action="store_true", help="check sizes only, skip the sha256 check")
    p.add_argument("--dry-run", action="store_true", help="show what would be downloaded, and stop")


def run(args: argparse.Namespace) -> int:
    from wizard.errors import InputError
    from wizard.hub.download import download, plan_download
    from wizard.hub.errors import DownloadCancelledError, size_text

    if args.workers < 1:
        raise InputError(msg("hub.error.workers", value=args.workers))
    plan = plan_download(args.model, revision=args.revision, local_dir=args.local_dir, hf_endpoint=args.hf_endpoint)
    err = sys.stderr
    print(localize(msg("hub.download.summary", label=plan.label, revision=plan.repo.commit or plan.repo.revision,
                       files=len(plan.files), total=size_text(plan.total_bytes), needed=size_text(plan.needed_bytes),
                       free=size_text(plan.free_bytes))), file=err)
    for line in plan.skipped:
        print(localize(msg("hub.download.skipping", line=line)), file=err)
    print(localize(msg("hub.download.into", folder=str(plan.folder))), file=err)
    if args.dry_run:
        print(plan.folder)
        return 0
    bar = ProgressBar(err)
    try:
        for event in download(plan, verify=not args.no_verify, workers=args.workers):
            bar.show(event)
            if event.state == "done":
                bar.close(localize(msg("hub.download.done", path=event.path)) + (f" ({event.message})" if event.message != event.path else ""))
                print(event.path)
    except KeyboardInterrupt:
        bar.close("")
        raise DownloadCancelledError(msg("hub.error.interrupted", label=plan.label)) from None
    except BaseException:
        bar.close("")
        raise
    return 0


class ProgressBar:
    """One redrawn line on a terminal; a line every few seconds when stderr is a file or a pipe."""

    WIDTH = 28

    def __init__(self, stream) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.last = 0.0
        self.drawn = False

    def show(self, event) -> None:
        now = time.monotonic()
        if event.state == "retrying":
            self._line(f"  {event.message}", final=True)
            return
        if event.state not in ("downloading", "starting", "done"):
            return
        if not self.tty and now - self.last < 5 and event.state == "downloading":
            return
        self.last = now
        self._line(render(event), final=not self.tty)

    def _line(self, text: str, *, final: bool) -> None:
        if self.tty:
            self.stream.write("\r\x1b[2K" + text + ("\n" if final else ""))
            self.drawn = not final
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self, text: str) -> None:
        if self.tty and self.drawn:
            self.stream.write("\r\x1b[2K")
        if text:
            self.stream.write(text + "\n")
        self.stream.flush()
        self.drawn = False


def render(event) -> str:
    from wizard.hub.errors import size_text

    filled = int(ProgressBar.WIDTH * event.fraction)
    bar = "#" * filled + "-" * (ProgressBar.WIDTH - filled)
    speed = f"{event.speed_bps / 1e6:7.1f} MB/s" if event.speed_bps is not None else "       -- MB/s"
    eta = _clock(event.eta_s) if event.eta_s is not None else "--:--"
    current = f"  {event.current_file}" if event.current_file else ""
    files = localize(msg("hub.download.files", done=event.files_done, total=event.files_total))
    return (f"[{bar}] {100 * event.fraction:5.1f}%  {size_text(event.done_bytes)} / {size_text(event.total_bytes)}"
            f"  {speed}  ETA {eta}  {files}{current}")


def _clock(seconds: float) -> str:
    s = int(seconds + 0.5)
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
