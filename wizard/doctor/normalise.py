"""One raw log line → the message vLLM (or the supervisor around it) wrote, and the line as printed.

Logs reach the doctor through many pipes: a terminal capture with ANSI colours and carriage-return
progress bars, `journalctl` (timestamp host unit[pid]:), `docker logs -t` (RFC 3339 timestamp),
`docker compose logs` (service | ), and vLLM's own multi-process prefixes — `(VllmWorker rank=1
pid=2875)`, `(EngineCore_DP0 pid=..)`, `(RayWorkerWrapper pid=.., ip=..)`, `(APIServer pid=..)` —
in front of its logger header `INFO 05-16 23:06:21 [core.py:58]`. Rules match the message alone, so
one pattern serves every wrapping. Everything here works on one line with bounded regexes (no
nested quantifiers), so a hostile line costs time linear in its (already capped) length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard.redact import mask_text

EVIDENCE_MAX = 400  # characters of a line shown as evidence

# CSI (colours, cursor moves), OSC (titles, links) and lone two-byte escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# journald: "May 16 23:06:21 host vllm[1234]: " or "... host systemd[1]: "; -o short-precise adds
# microseconds, -o short-iso gives an ISO timestamp.
_JOURNAL = re.compile(r"^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d{1,6})?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[^ ]{0,16}) "
                      r"[\w.-]{1,64} ([\w@.:-]{1,128})(?:\[\d{1,10}\])?: ")
# docker logs -t: "2024-05-16T23:06:21.123456789Z "; compose: "vllm-1  | ".
_DOCKER_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:?\d\d) ")
_COMPOSE = re.compile(r"^[\w.-]{1,64}\s{0,32}\| ")
# vLLM's worker prefixes: "(VllmWorker rank=1 pid=2875) ", "(EngineCore_DP0 pid=7)", "(RayWorkerWrapper pid=5, ip=..)".
_PROCESS = re.compile(r"^\(([A-Za-z][\w-]{0,63})(?: [^()]{0,120})?\)\s?")
_RAY_PID = re.compile(r"^\(pid=\d{1,10}(?:, ip=[\w.:]{1,60})?\)\s?")  # Ray's bare "(pid=123, ip=..)"
# Ray's own "[rank0]:" / "[rank1]:[W517 ...]" prefixes of torch.distributed.
_RANK = re.compile(r"^\[rank\d{1,5}\]:\s?")
# vLLM's logger header (0.4: "INFO 05-16 23:06:21 file.py:58] ", 0.6.5+: "INFO 05-16 23:06:21 [file.py:58] ").
_HEADER = re.compile(r"^(DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL)\s{1,4}\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?\s"
                     r"{1,4}(?:\[[^\]\s]{1,80}\]|[\w.]{1,80}:\d{1,6}\])\s?")



@dataclass(frozen=True)
class LogLine:
    """`text` is the message with every wrapper removed; `shown` is the line as printed (ANSI
    removed, secrets masked, shortened) for evidence; `process` names a vLLM worker when prefixed."""

    number: int
    text: str
    clean: str  # the whole line, colours and control characters removed (secrets still in)
    level: str | None = None
    process: str | None = None
    unit: str | None = None  # the systemd unit or syslog tag of a journal line

    @property
    def shown(self) -> str:
        """The line as printed, for evidence: secrets masked, shortened (only computed for evidence)."""
        return _shorten(mask_text(self.clean))


def _shorten(text: str, limit: int = EVIDENCE_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def normalise(raw: str, number: int = 0) -> LogLine:
    """The message of one raw line (see the module docstring)."""
    line = _ANSI.sub("", raw) if "\x1b" in raw else raw
    if "\r" in line:
        # A progress bar redrawn with carriage returns: what a terminal shows is the last frame.
        frames = [f for f in line.split("\r") if f.strip()]
        line = frames[-1] if frames else ""
    if not line.isprintable():
        line = _CONTROL.sub("", line)
    line = line.strip()
    clean = line
    unit = process = level = None
    for _ in range(3):  # wrappers nest at most this deep (journal → docker → worker)
        before = line
        m = _JOURNAL.match(line)  # before docker's: journald's ISO form starts with a timestamp too
        if m:
            unit, line = m.group(1), line[m.end():]
        m = _DOCKER_TS.match(line)
        if m:
            line = line[m.end():]
        m = _COMPOSE.match(line)
        if m and not _HEADER.match(line):
            line = line[m.end():]
        m = _PROCESS.match(line)
        if m and "pid=" in m.group(0):
            process, line = m.group(1), line[m.end():]
        m = _RANK.match(line) or _RAY_PID.match(line)
        if m:
            line = line[m.end():]
        if line == before:
            break
    m = _HEADER.match(line)
    if m:
        level, line = m.group(1), line[m.end():]
    # vLLM's multiprocessing error lines repeat the header inside a worker prefix; strip one more.
    m = _PROCESS.match(line)
    if m and "pid=" in m.group(0):
        process, line = m.group(1), line[m.end():]
        m = _HEADER.match(line)
        if m:
            level, line = m.group(1), line[m.end():]
    return LogLine(number=number, text=line.strip(), clean=clean, level=level, process=process, unit=unit)
