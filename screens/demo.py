"""`vllm-wizard --demo`: the whole flow on bundled sample hardware and a bundled model, offline.

The hardware is the fake-GPU fixture `rtx3080-20gb-x2` (two 20 GB RTX 3080s without P2P, the rented
box of the blog post the project grew from). The model is Qwen/Qwen3-14B as its metadata describes
it: assets/demo/Qwen3-14B holds config.json, tokenizer_config.json and generation_config.json, and
the safetensors headers are regenerated from the config into a sparse temporary folder (a few KB
on disk), so the real inspector reads it exactly as it would read a download. No GPU, no network.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
import threading
from importlib.resources import files
from pathlib import Path

from screens.services import CachedModel, Inspection, Services
from wizard.hardware.facts import HardwareFacts
from wizard.hardware.fake_backend import FakeBackend
from wizard.hardware.probe import probe

DEMO_FIXTURE = "rtx3080-20gb-x2"
DEMO_MODEL_ID = "Qwen/Qwen3-14B"
DEMO_HOST_MEMORY = 64 << 30  # the rented box's RAM: fixed, so the demo and its snapshots never read this machine's
_ASSET_DIR = "Qwen3-14B"
_lock = threading.Lock()
_folder: Path | None = None


def demo_probe() -> HardwareFacts:
    # An explicit backend: the environment (and so the exec'd command) never sees the fake.
    return probe(backend=FakeBackend.from_spec(DEMO_FIXTURE), env={})


def demo_folder() -> Path:
    """The bundled model written once per process as a sparse folder; removed at exit."""
    global _folder
    with _lock:
        if _folder is None:
            from wizard.model.synthetic import write_model_folder  # noqa: PLC0415 - the bundled model is written on first use, not for the first frame
            from wizard.model.synthetic_arch import tensors_for_config  # noqa: PLC0415 - the bundled model is written on first use, not for the first frame

            source = files("assets").joinpath("demo").joinpath(_ASSET_DIR)
            texts = {name: source.joinpath(name).read_text(encoding="utf-8")
                     for name in ("config.json", "tokenizer_config.json", "generation_config.json")}
            config = json.loads(texts.pop("config.json"))
            root = Path(tempfile.mkdtemp(prefix="vllm-wizard-demo-"))
            atexit.register(shutil.rmtree, root, True)
            _folder = write_model_folder(root / _ASSET_DIR, config, tensors_for_config(config), shards=8,
                                         extra_files=texts)
        return _folder


def demo_inspect(text: str) -> Inspection:
    """The bundled model for its hub id; anything else only from local folders and caches (no network)."""
    if text.strip().removeprefix("hf:") == DEMO_MODEL_ID:
        from wizard.model.local import inspect_local  # noqa: PLC0415 - wizard.model.local (8 modules) loads in the inspect worker, not for the first frame

        facts = inspect_local(demo_folder()).model_copy(update={"source": "hf", "id": DEMO_MODEL_ID, "path": None})
        return Inspection(facts, DEMO_MODEL_ID)
    from wizard.hub.resolve import load_model_facts  # noqa: PLC0415 - wizard.hub.resolve loads in the inspect worker, not for the first frame

    facts, ref = load_model_facts(text)
    return Inspection(facts, ref)


def demo_cached_models() -> list[CachedModel]:
    return [CachedModel(ref=DEMO_MODEL_ID, label=DEMO_MODEL_ID)]


def demo_services() -> Services:
    return Services(probe=demo_probe, inspect=demo_inspect, cached_models=demo_cached_models, download=None,
                    host_memory=lambda: DEMO_HOST_MEMORY)
