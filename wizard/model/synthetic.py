"""Write model folders whose safetensors files have real headers and sparse (hole) data.

Used by the tests, the benchmarks and the demo: a 70B-shaped checkpoint costs a few kilobytes of
disk, yet every reader sees exactly what a real download would show it. Tensor lists for whole
architectures come from wizard.model.synthetic_arch.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Mapping
from pathlib import Path

# safetensors dtype -> bytes per element (F4/F6 types are packed by the writer into U8 anyway).
DTYPE_BYTES: dict[str, float] = {
    "F64": 8, "I64": 8, "U64": 8,
    "F32": 4, "I32": 4, "U32": 4,
    "F16": 2, "BF16": 2, "I16": 2, "U16": 2,
    "F8_E4M3": 1, "F8_E5M2": 1, "F8_E8M0": 1, "I8": 1, "U8": 1, "BOOL": 1,
}

TensorSpec = tuple[str, list[int]]


def tensor_nbytes(dtype: str, shape: list[int]) -> int:
    return int(math.prod(shape) * DTYPE_BYTES[dtype])


def encode_header(tensors: Mapping[str, TensorSpec], metadata: Mapping[str, str] | None = None) -> tuple[bytes, int]:
    """The 8-byte length prefix plus JSON header, and the size of the data section it describes."""
    header: dict[str, object] = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    offset = 0
    for name, (dtype, shape) in tensors.items():
        size = tensor_nbytes(dtype, shape)
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # the format pads the header to 8 bytes
    return struct.pack("<Q", len(raw)) + raw, offset


def write_safetensors(path: Path, tensors: Mapping[str, TensorSpec], metadata: Mapping[str, str] | None = None) -> int:
    """Write one safetensors file with a sparse data section; returns the file's apparent size."""
    head, data_size = encode_header(tensors, metadata or {"format": "pt"})
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(len(head) + data_size)  # a hole: no data blocks are allocated
    return len(head) + data_size


def split_shards(tensors: Mapping[str, TensorSpec], shards: int) -> list[dict[str, TensorSpec]]:
    """Split tensors into `shards` groups of roughly equal bytes, keeping their order."""
    total = sum(tensor_nbytes(d, s) for d, s in tensors.values()) or 1
    groups: list[dict[str, TensorSpec]] = [{} for _ in range(max(1, shards))]
    running = 0
    for name, spec in tensors.items():
        index = min(len(groups) - 1, running * len(groups) // total)
        groups[index][name] = spec
        running += tensor_nbytes(*spec)
    return [g for g in groups if g]


def write_model_folder(
    dest: Path,
    config: Mapping[str, object] | None,
    tensors: Mapping[str, TensorSpec] | None = None,
    *,
    shards: int = 1,
    extra_files: Mapping[str, object] | None = None,
) -> Path:
    """Create `dest` with config.json, sparse safetensors (sharded through an index when shards > 1)
    and any extra files (dicts are written as JSON, strings as text)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if config is not None:
        (dest / "config.json").write_text(json.dumps(config, indent=2))
    for name, content in (extra_files or {}).items():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
    if not tensors:
        return dest
    groups = split_shards(tensors, shards)
    if len(groups) == 1:
        write_safetensors(dest / "model.safetensors", groups[0])
        return dest
    weight_map: dict[str, str] = {}
    total = 0
    for i, group in enumerate(groups, start=1):
        fname = f"model-{i:05d}-of-{len(groups):05d}.safetensors"
        write_safetensors(dest / fname, group)
        total += sum(tensor_nbytes(*spec) for spec in group.values())
        weight_map.update({name: fname for name in group})
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (dest / "model.safetensors.index.json").write_text(json.dumps(index, indent=2))
    return dest
