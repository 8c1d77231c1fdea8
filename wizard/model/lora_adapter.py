"""LoRA adapters the user wants served beside the base model (`vllm serve --lora-modules name=path`).

An adapter is given as `name=source` or just `source`, where source is a local adapter folder (PEFT
layout: adapter_config.json beside adapter_model.safetensors) or a Hugging Face id that vLLM
downloads itself at start-up. vLLM's `LoRAParserAction` (entrypoints/openai/cli_args.py, 0.4-0.33)
splits each `--lora-modules` item on "=" into a name and a path, so neither may contain "=" or a
space; the name is what clients send as `model`. The rank comes from the folder's
adapter_config.json (`r`, PEFT's LoraConfig); vLLM refuses an adapter whose rank exceeds
--max-lora-rank (`lora/models.py` from_local_checkpoint / LoRAModel checks), so the plan needs it.
A hub adapter's rank is not read here (that would be the network): the plan keeps vLLM's default.
Local reads only: the folder and its small JSON file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from wizard.bounds import shown
from wizard.errors import InputError, ModelFileError
from wizard.i18n import msg
from wizard.userpath import exists, expand

ADAPTER_CONFIG = "adapter_config.json"
MAX_RANK = 512  # the largest --max-lora-rank any release accepts (LoRAConfig possible_max_ranks, 0.11.1+)
# A served name: what a client puts in "model". vLLM itself takes any text without "=" or spaces;
# these characters also survive a shell, a systemd unit and a YAML file unquoted.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
_HUB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class LoraAdapter:
    name: str  # the name clients ask for
    source: str  # an absolute adapter folder, or a Hugging Face id
    rank: int | None = None  # adapter_config.json `r`; None: a hub adapter, not read
    local: bool = True

    @property
    def module(self) -> str:
        """The `--lora-modules` item."""
        return f"{self.name}={self.source}"


def split_spec(text: str) -> tuple[str | None, str]:
    """`name=source` or `source` (the name then comes from the source); InputError for what vLLM's
    parser would split wrongly."""
    raw = text.strip()
    if not raw:
        raise InputError(msg("appctl.lora.empty"))
    if raw.startswith("{"):
        raise InputError(msg("appctl.lora.json", text=shown(raw)))
    name, sep, source = raw.partition("=")
    if not sep:
        return None, raw
    name, source = name.strip(), source.strip()
    if not name or not source:
        raise InputError(msg("appctl.lora.empty_part", text=shown(raw)))
    if "=" in source:
        raise InputError(msg("appctl.lora.two_equals", text=shown(raw)))
    return name, source


def _is_local(source: str) -> bool:
    return source.startswith(("/", ".", "~")) or _HUB_ID.fullmatch(source.removeprefix("hf:")) is None


def _default_name(source: str, local: bool) -> str:
    bare = source.rstrip("/").removeprefix("hf:")
    return (Path(bare).name if local else bare.split("/")[-1]) or "adapter"


def read_adapter(text: str, taken: tuple[str, ...] = ()) -> LoraAdapter:
    """The adapter `text` names, checked: a valid, unused name; a local folder with a readable
    adapter_config.json and rank, or a Hugging Face id. `taken`: names already served (the base
    model's served name included), since vLLM routes requests by name."""
    name, source = split_spec(text)
    if source.startswith("ms:"):
        raise InputError(msg("appctl.lora.modelscope", text=shown(source)))
    local = _is_local(source) or exists(expand(source, "LoRA adapter"))
    folder = _folder(source) if local else None
    name = name or _default_name(source, local)
    if _NAME.fullmatch(name) is None:
        raise InputError(msg("appctl.lora.bad_name", name=shown(name)))
    if name in taken:
        raise InputError(msg("appctl.lora.name_taken", name=name))
    if folder is None:
        return LoraAdapter(name=name, source=source.removeprefix("hf:"), rank=None, local=False)
    return LoraAdapter(name=name, source=str(folder), rank=_rank(folder / ADAPTER_CONFIG), local=True)


def _folder(source: str) -> Path:
    """The adapter folder, absolute (vLLM may run from another directory), checked to be one."""
    folder = expand(source, "LoRA adapter").absolute()
    if any(c.isspace() for c in str(folder)):
        raise InputError(msg("appctl.lora.space_in_path", path=_path(folder)))
    try:
        is_dir = folder.is_dir()
    except (OSError, ValueError):  # a name too long for the file system
        is_dir = False
    if not is_dir:
        raise InputError(msg("appctl.lora.no_folder", path=_path(folder)))
    if not exists(folder / ADAPTER_CONFIG):
        raise InputError(msg("appctl.lora.no_config", path=_path(folder), file=ADAPTER_CONFIG))
    return folder


def check_served_names(adapters: tuple[LoraAdapter, ...], served_name: str | None) -> None:
    """InputError when the base model's --served-model-name (set after the adapters were added) is
    also an adapter's name: vLLM would route that name's requests to only one of them."""
    if served_name and any(a.name == served_name for a in adapters):
        raise InputError(msg("appctl.lora.name_taken", name=served_name))


def _path(folder: Path) -> str:
    """A folder as a message names it: whole (the user must find it), control characters escaped."""
    text = str(folder)
    return text if text.isprintable() else ascii(text)


def _rank(path: Path) -> int:
    # The model reader's strict, size-capped JSON; its imports (20 ms) stay off the app's start-up.
    from wizard.model.local import read_json  # noqa: PLC0415 - start-up time

    config = read_json(path, str(path))
    rank = config.get("r") if isinstance(config, dict) else None
    if isinstance(rank, bool) or not isinstance(rank, int) or not 1 <= rank <= MAX_RANK:
        raise ModelFileError(str(path), msg("appctl.lora.bad_rank", rank=shown(rank), most=MAX_RANK))
    return rank
