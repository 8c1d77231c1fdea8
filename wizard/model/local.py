"""inspect_local: a model folder on disk -> ModelFacts, from config files and safetensors headers only.

Accepts a plain folder, a Hugging Face cache snapshot (files are symlinks into blobs/) and a cache
repo folder (models--org--name, resolved through refs/main). Weight data is never read and nothing
is unpickled: .bin checkpoints are described from their file sizes.

The reasoning from files to facts (`facts_from_files`) only sees the `ModelFiles` interface, so a
remote repo (wizard.hub: small files fetched, headers read by HTTP range) gives the same facts.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Literal, Protocol

from wizard.errors import InputError, ModelFileError
from wizard.model.config import ParsedConfig, parse_config
from wizard.model.estimate import estimate_weights, mlp_layout, role_params
from wizard.model.facts import ModelFacts, QuantizationFacts, WeightFacts
from wizard.model.parsers import chat_template, detect_parsers
from wizard.model.quantization import SIDE_FILES, detect_quantization
from wizard.model.roles import tally_weights
from wizard.model.safetensors_header import TensorInfo, loads_strict, read_header
from wizard.model.vision import with_processor
from wizard.i18n import msg
from wizard.userpath import exists

# Side files are small; anything bigger is not what it claims to be.
MAX_SIDE_FILE_BYTES = 64 << 20
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "tiktoken.model", "tekken.json", "spiece.model", "vocab.json", "vocab.txt")
GENERATION_KEYS = (
    "temperature", "top_p", "top_k", "min_p", "repetition_penalty", "presence_penalty", "frequency_penalty",
    "max_new_tokens", "max_length", "do_sample", "eos_token_id", "bos_token_id", "pad_token_id",
)
GIB = 1 << 30


class ModelFiles(Protocol):
    """A model's files as the fact-finding needs them: a local folder or a remote repo."""

    names: set[str]  # the files at the top of the model (what vLLM looks at)
    prefix: str  # put before a file name in messages ("/models/llama/", "hf:org/name/")

    def show(self, name: str) -> str: ...

    def has(self, path: str) -> bool:
        """A file at this (possibly nested) path exists."""
        ...

    def json(self, name: str) -> object | None:
        """The parsed file, None if absent; strict JSON, malformed -> ModelFileError naming it."""
        ...

    def text(self, name: str) -> str | None: ...

    def size(self, name: str) -> int: ...

    def headers(self, names: list[str]) -> Iterable[tuple[str, dict[str, TensorInfo]]]:
        """(name, tensors) of each safetensors file, in order; only the headers are read."""
        ...


class _Folder:
    """The model folder's file names (listed once) and strict readers that name the file on error."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.prefix = f"{path}/"
        try:
            self.names = set(os.listdir(path))
        except OSError as exc:
            raise InputError(msg("model.error.cannot_list", path=str(path), why=exc.strerror)) from None

    def show(self, name: str) -> str:
        return str(self.path / name)

    def has(self, path: str) -> bool:
        return (self.path / path).exists()

    def json(self, name: str) -> object | None:
        return read_json(self.path / name, self.show(name)) if name in self.names else None

    def text(self, name: str) -> str | None:
        if name not in self.names:
            return None
        try:
            return _read_bytes(self.path / name, self.show(name)).decode("utf-8")
        except UnicodeDecodeError:
            raise ModelFileError(self.show(name), msg("model.problem.not_utf8")) from None

    def size(self, name: str) -> int:
        return _regular_file(self.path / name, self.show(name)).st_size

    def headers(self, names: list[str]) -> Iterable[tuple[str, dict[str, TensorInfo]]]:
        return ((s, read_header(self.path / s, self.show(s)).tensors) for s in names)


def inspect_local(path: str | os.PathLike[str]) -> ModelFacts:
    folder, model_id, revision = resolve_model_dir(Path(path))
    return facts_from_files(_Folder(folder), source="local", model_id=model_id, path=str(folder), revision=revision)


def facts_from_files(d: ModelFiles, *, source: Literal["local", "hf", "modelscope"], model_id: str, path: str | None,
                     revision: str | None) -> ModelFacts:
    """ModelFacts from a model's config files and safetensors headers, wherever the files are."""
    if "config.json" not in d.names:
        hint = msg("model.problem.mistral_hint") if "params.json" in d.names else ""
        raise ModelFileError(d.show("config.json"), msg("model.problem.no_config", hint=hint))
    tokenizer_config = d.json("tokenizer_config.json")
    if tokenizer_config is not None and not isinstance(tokenizer_config, dict):
        raise ModelFileError(d.show("tokenizer_config.json"), msg("model.problem.json_object"))
    raw = d.json("config.json")
    parsed = parse_config(raw, d.show("config.json"), (tokenizer_config or {}).get("model_max_length"))
    assert isinstance(raw, dict)  # parse_config refused anything else
    if parsed.arch.vision is not None:
        files = {n: d.json(n) if n in d.names else None
                 for n in ("preprocessor_config.json", "video_preprocessor_config.json")}
        vision = with_processor(parsed.arch.vision, files["preprocessor_config.json"],
                                files["video_preprocessor_config.json"], d.prefix)
        parsed = replace(parsed, arch=parsed.arch.model_copy(update={"vision": vision}))
    notes = list(parsed.notes)
    nested = parsed.section.prefix != ""  # a VLM / omni model's text_config

    quant = detect_quantization(
        raw, {n: d.json(n) for n in SIDE_FILES if n in d.names},
        text=parsed.section.data if nested else None, text_section=parsed.section.prefix.rstrip("."), prefix=d.prefix,
    )
    notes += _quant_notes(quant)
    weights = _weights(d, parsed, quant, notes)

    template, source_file = chat_template(d.text("chat_template.jinja"), d.json("chat_template.json"),
                                          tokenizer_config, prefix=d.prefix)
    parsers = detect_parsers((parsed.model_type, parsed.section.text("model_type") if nested else None),
                             parsed.architectures, template, source_file)
    return ModelFacts(
        source=source,
        id=model_id,
        path=path,
        revision=revision,
        architectures=parsed.architectures,
        model_type=parsed.model_type,
        arch=parsed.arch,
        weights=weights,
        quantization=quant,
        parsers=parsers,
        has_tokenizer=any(n in d.names for n in TOKENIZER_FILES) or any(n.endswith(".tiktoken") for n in d.names),
        has_remote_code=parsed.has_remote_code,
        generation_config=_generation(d.json("generation_config.json"), d.show("generation_config.json")),
        notes=tuple(notes),
    )


def resolve_model_dir(path: Path) -> tuple[Path, str, str | None]:
    """(folder to read, model id, revision). A cache repo folder resolves to its refs/main snapshot."""
    if not exists(path):
        raise InputError(msg("model.error.no_folder", path=str(path)))
    if not path.is_dir():
        raise InputError(msg("model.error.is_file", path=str(path)))
    path = Path(os.path.abspath(path))  # lexical: keeps a symlinked folder's own name
    snapshots = path / "snapshots"
    if path.name.startswith("models--") and snapshots.is_dir():
        snapshot = _snapshot_of(path)
        return snapshot, _cache_id(path.name), snapshot.name
    if path.parent.name == "snapshots" and path.parent.parent.name.startswith("models--"):
        return path, _cache_id(path.parent.parent.name), path.name
    return path, path.name, None


def _snapshot_of(repo: Path) -> Path:
    try:
        commit = (repo / "refs" / "main").read_text(errors="replace").strip()
    except OSError:
        commit = ""
    if commit and "/" not in commit and (repo / "snapshots" / commit).is_dir():
        return repo / "snapshots" / commit
    try:
        candidates = [p for p in (repo / "snapshots").iterdir() if p.is_dir()]
    except OSError as exc:
        raise InputError(msg("model.error.cannot_list_snapshots", repo=str(repo), why=exc.strerror)) from None
    if not candidates:
        raise InputError(msg("model.error.no_snapshots", repo=str(repo)))
    return max(candidates, key=lambda p: p.stat().st_mtime)


def _cache_id(dirname: str) -> str:
    return "/".join(dirname.split("--")[1:])


def read_json(path: Path, display: str) -> object:
    """Strict JSON (no NaN, no nesting bombs, size-capped); any problem is a ModelFileError."""
    try:
        return loads_strict(_read_bytes(path, display))
    except ValueError as exc:  # includes UnicodeDecodeError
        first = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise ModelFileError(display, msg("model.problem.bad_json", why=first)) from None


def _read_bytes(path: Path, display: str) -> bytes:
    st = _regular_file(path, display)
    if st.st_size > MAX_SIDE_FILE_BYTES:
        raise ModelFileError(display, msg("model.problem.too_large", size=st.st_size))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ModelFileError(display, msg("model.problem.unreadable", why=exc.strerror)) from None


def _regular_file(path: Path, display: str) -> os.stat_result:
    try:
        st = path.stat()
    except OSError:
        raise ModelFileError(display, msg("model.problem.broken_link")) from None
    if not stat.S_ISREG(st.st_mode):
        raise ModelFileError(display, msg("model.problem.not_regular"))
    return st


def _weights(d: ModelFiles, parsed: ParsedConfig, quant: QuantizationFacts | None, notes: list[str]) -> WeightFacts:
    shards = safetensors_files(d, notes)
    if shards:
        weights = tally_weights(d.headers(shards), num_hidden_layers=parsed.num_hidden_layers, arch=parsed.arch,
                                quant=quant)
        _omni_note(parsed.model_type, weights, notes)
        return weights
    bins = sorted(n for n in d.names if n.endswith((".bin", ".pt", ".pth")) and not n.startswith("training_args"))
    if bins:
        total = sum(d.size(n) for n in bins)
        notes.append(msg("model.note.pytorch_bin"))
        return WeightFacts(source="safetensors", total_bytes=total,
                           params=sum(role_params(parsed.arch, mlp=mlp_layout(parsed)).values()),
                           bytes_by_dtype={"unknown": total}, bytes_by_role={"other": total},
                           shard_count=len(bins), files=tuple(bins), checkpoint_dtype=parsed.arch.torch_dtype)
    if any(n.endswith(".gguf") for n in d.names):
        notes.append(msg("model.note.gguf"))
    usable = None if quant is None or quant.unsupported_reason else quant
    notes.append(msg("model.note.no_weights_quant", method=usable.method) if usable else msg("model.note.no_weights"))
    return estimate_weights(parsed.arch, usable, mlp=mlp_layout(parsed))


def safetensors_files(d: ModelFiles, notes: list[str]) -> list[str]:
    """The shard files vLLM would load: only the index's when there is one."""
    indexes = sorted(n for n in d.names if n.endswith(".safetensors.index.json"))
    present = sorted(n for n in d.names if n.endswith(".safetensors"))
    if not indexes:
        consolidated = [n for n in present if n.startswith("consolidated")]
        if consolidated and len(consolidated) < len(present):
            notes.append(msg("model.note.consolidated", files=", ".join(consolidated)))
            return [n for n in present if n not in consolidated]
        return present
    index = safetensors_index(d.names)
    assert index is not None  # `indexes` is not empty
    shards = index_shards(d.json(index), d.show(index))
    missing = [s for s in shards if not d.has(s)]
    if missing:
        more = msg("model.problem.shard_more", count=len(missing) - 1) if len(missing) > 1 else ""
        name = missing[0] if missing[0].isprintable() else repr(missing[0])
        raise ModelFileError(d.show(index), msg("model.problem.shard_missing", name=name, more=more))
    extra = [n for n in present if n not in shards]
    if extra:
        notes.append(msg("model.note.extra_shards", n=len(extra), index=index, example=extra[0]))
    return shards


def safetensors_index(names: Iterable[str]) -> str | None:
    """The index vLLM reads when a folder has several (model.safetensors.index.json first)."""
    indexes = sorted(n for n in names if n.endswith(".safetensors.index.json"))
    if not indexes:
        return None
    return "model.safetensors.index.json" if "model.safetensors.index.json" in indexes else indexes[0]


def index_shards(doc: object, display: str) -> list[str]:
    """The shard files an index's weight_map names, in first-use order; hostile names refused."""
    weight_map = doc.get("weight_map") if isinstance(doc, dict) else None
    if not isinstance(weight_map, dict) or not all(isinstance(v, str) for v in weight_map.values()):
        raise ModelFileError(display, msg("model.problem.no_weight_map"))
    shards = list(dict.fromkeys(weight_map.values()))
    for shard in shards:
        p = PurePosixPath(shard)
        if not shard or p.is_absolute() or ".." in p.parts or "\\" in shard or "\x00" in shard:
            raise ModelFileError(display, msg("model.problem.shard_outside", name=shard[:80]))
    return shards


def _quant_notes(quant: QuantizationFacts | None) -> list[str]:
    if quant is None:
        return []
    if quant.unsupported_reason:
        return [msg("model.note.quant_unsupported", reason=quant.unsupported_reason)]
    if not quant.auto_detected:
        return [msg("model.note.quant_side_file", file=quant.source_file, method=quant.method)]
    return []


def _omni_note(model_type: str | None, weights: WeightFacts, notes: list[str]) -> None:
    unused = weights.bytes_by_role.get("unused", 0)
    if unused:
        notes.append(msg("model.note.omni_unused", gib=unused / GIB))


def _generation(doc: object, display: str) -> dict:
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ModelFileError(display, msg("model.problem.json_object"))
    scalar = (int, float, str, bool)
    return {k: doc[k] for k in GENERATION_KEYS
            if isinstance(doc.get(k), scalar) or (isinstance(doc.get(k), list) and all(isinstance(x, scalar) for x in doc[k]))}
