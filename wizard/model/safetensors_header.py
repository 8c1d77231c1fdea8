"""Read a safetensors file's header: the 8-byte length and the JSON table of tensors, never the data.

The header is untrusted input (a download can be truncated, a repo can be hostile): every way it can
be wrong becomes one ModelFileError naming the file, and nothing past the header is read.
"""

from __future__ import annotations

import json
import math
import os
import stat
import struct
from dataclasses import dataclass
from pathlib import Path

from wizard.errors import ModelFileError
from wizard.i18n import msg

# The safetensors library refuses headers above 100 MB; a larger length prefix means a corrupt file.
MAX_HEADER_BYTES = 100_000_000

# Bytes per element for the fixed-width dtypes: lets us check that the offsets match the shape.
# Sub-byte dtypes (F4, F6_*) are absent on purpose: their packing is not checked.
DTYPE_BYTES: dict[str, int] = {
    "F64": 8, "I64": 8, "U64": 8,
    "F32": 4, "I32": 4, "U32": 4,
    "F16": 2, "BF16": 2, "I16": 2, "U16": 2,
    "F8_E4M3": 1, "F8_E5M2": 1, "F8_E8M0": 1, "F8_E4M3FNUZ": 1, "F8_E5M2FNUZ": 1,
    "I8": 1, "U8": 1, "BOOL": 1,
}


@dataclass(frozen=True, slots=True)
class TensorInfo:
    dtype: str
    shape: tuple[int, ...]
    nbytes: int

    @property
    def elements(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True, slots=True)
class SafetensorsHeader:
    tensors: dict[str, TensorInfo]
    metadata: dict[str, str]


def _reject_constant(token: str) -> object:
    raise ValueError(f"{token} is not valid JSON")


def loads_strict(raw: bytes | str) -> object:
    """json.loads without NaN/Infinity, and with nesting bombs turned into ValueError."""
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def read_header(path: Path, display: str | None = None) -> SafetensorsHeader:
    """Parse the header of the safetensors file at `path`, reading 8 + header-length bytes only."""
    name = display or str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ModelFileError(name, "missing (a broken link or an incomplete download)") from None
    except OSError as exc:
        raise ModelFileError(name, msg("model.problem.unreadable", why=exc.strerror)) from None
    if not stat.S_ISREG(st.st_mode):
        raise ModelFileError(name, "is not a regular file")
    try:
        # Unbuffered: a buffered read would pull a whole block of (sparse) weight data with the prefix.
        with open(path, "rb", buffering=0) as fh:
            prefix = _read_exact(fh, 8)
            if len(prefix) < 8:
                raise ModelFileError(name, f"truncated: {len(prefix)} bytes, too short for a safetensors header")
            (length,) = struct.unpack("<Q", prefix)
            _check_length(name, length, st.st_size)
            raw = _read_exact(fh, length)
    except OSError as exc:
        raise ModelFileError(name, msg("model.problem.unreadable", why=exc.strerror)) from None
    if len(raw) < length:
        raise ModelFileError(name, "truncated inside the safetensors header")
    return parse_header(raw, st.st_size - 8 - length, name)


def _read_exact(fh, n: int) -> bytes:
    chunks: list[bytes] = []
    while n > 0:
        chunk = fh.read(n)
        if not chunk:
            break
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _check_length(name: str, length: int, file_size: int) -> None:
    if length == 0:
        raise ModelFileError(name, msg("model.problem.header_zero"))
    if length > MAX_HEADER_BYTES:
        raise ModelFileError(name, msg("model.problem.header_absurd", length=length, limit=MAX_HEADER_BYTES))
    if length > file_size - 8:
        raise ModelFileError(name, msg("model.problem.header_past_end", length=length, size=file_size))


def parse_header(raw: bytes, data_size: int | None, name: str) -> SafetensorsHeader:
    """Validate a header's JSON. `data_size` is the byte length of the data section when known
    (local files); offsets beyond it are rejected."""
    try:
        doc = loads_strict(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelFileError(name, msg("model.problem.header_json", why=_short(exc))) from None
    if not isinstance(doc, dict):
        raise ModelFileError(name, msg("model.problem.header_not_object", kind=type(doc).__name__))
    metadata: dict[str, str] = {}
    tensors: dict[str, TensorInfo] = {}
    for key, entry in doc.items():
        if key == "__metadata__":
            metadata = _metadata(name, entry)
            continue
        tensors[key] = _tensor(name, key, entry, data_size)
    return SafetensorsHeader(tensors=tensors, metadata=metadata)


def _metadata(name: str, entry: object) -> dict[str, str]:
    if entry is None:
        return {}
    if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
        raise ModelFileError(name, "safetensors __metadata__ must map names to strings")
    return dict(entry)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _tensor(name: str, key: str, entry: object, data_size: int | None) -> TensorInfo:
    where = f"tensor {key[:80]!r}"
    if not isinstance(entry, dict):
        raise ModelFileError(name, f"{where} is not an object in the safetensors header")
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if not isinstance(dtype, str) or not dtype:
        raise ModelFileError(name, f"{where} has no string 'dtype'")
    if not isinstance(shape, list) or not all(_is_count(d) for d in shape):
        raise ModelFileError(name, f"{where} has no valid 'shape' (a list of non-negative integers)")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(_is_count(o) for o in offsets)):
        raise ModelFileError(name, f"{where} has no valid 'data_offsets' (two non-negative integers)")
    begin, end = offsets
    if end < begin:
        raise ModelFileError(name, f"{where} has data_offsets that end before they begin")
    if data_size is not None and end > data_size:
        raise ModelFileError(name, f"{where} has data_offsets past the end of the file ({end} > {data_size} data bytes); truncated download?")
    nbytes = end - begin
    width = DTYPE_BYTES.get(dtype)
    if width is not None and math.prod(shape) * width != nbytes:
        raise ModelFileError(name, f"{where} spans {nbytes} bytes but its shape and dtype need {math.prod(shape) * width}")
    return TensorInfo(dtype=dtype, shape=tuple(shape), nbytes=nbytes)


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
