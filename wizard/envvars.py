"""Every environment variable vllm-wizard reads or sets, by name, in one place.

Code refers to these constants rather than spelling the names, so a reader finds in one file what
the wizard answers to (and `grep` finds every use of each). The directories some of them move are
resolved in wizard/locations.py. Nothing here reads the environment.
"""

from __future__ import annotations

# --- vllm-wizard's own -------------------------------------------------------------------------
VLLM_PYTHON = "VLLM_WIZARD_VLLM_PYTHON"  # the Python of the environment whose vLLM is exec'd
CACHE_DIR = "VLLM_WIZARD_CACHE_DIR"  # replaces $XDG_CACHE_HOME/vllm-wizard (parser dumps)
STATE_DIR = "VLLM_WIZARD_STATE_DIR"  # replaces $XDG_STATE_HOME/vllm-wizard (launch records, logs)
DATA_DIR = "VLLM_WIZARD_DATA_DIR"  # replaces $XDG_DATA_HOME/vllm-wizard (calibration store)
FAKE_GPUS = "VLLM_WIZARD_FAKE_GPUS"  # a fixture name or file: plan and monitor on fake GPUs

# --- XDG base directories ----------------------------------------------------------------------
XDG_CACHE_HOME = "XDG_CACHE_HOME"
XDG_STATE_HOME = "XDG_STATE_HOME"
XDG_DATA_HOME = "XDG_DATA_HOME"

# --- Hugging Face (the names huggingface_hub itself reads) ---------------------------------------
HF_ENDPOINT = "HF_ENDPOINT"
HF_TOKEN = "HF_TOKEN"
HF_TOKEN_LEGACY = "HUGGING_FACE_HUB_TOKEN"
HF_TOKEN_PATH = "HF_TOKEN_PATH"
HF_HOME = "HF_HOME"
HF_HUB_CACHE = "HF_HUB_CACHE"
HF_HUB_CACHE_LEGACY = "HUGGINGFACE_HUB_CACHE"
HF_HUB_OFFLINE = "HF_HUB_OFFLINE"
TRANSFORMERS_OFFLINE = "TRANSFORMERS_OFFLINE"
HF_HUB_DISABLE_PROGRESS_BARS = "HF_HUB_DISABLE_PROGRESS_BARS"
HF_HUB_DISABLE_TELEMETRY = "HF_HUB_DISABLE_TELEMETRY"
HF_TOKEN_VARS = (HF_TOKEN, HF_TOKEN_LEGACY)  # in the order huggingface_hub prefers them
OFFLINE_VARS = (HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE)

# --- ModelScope ----------------------------------------------------------------------------------
MODELSCOPE_ENDPOINT = "MODELSCOPE_ENDPOINT"
MODELSCOPE_DOMAIN = "MODELSCOPE_DOMAIN"
MODELSCOPE_API_TOKEN = "MODELSCOPE_API_TOKEN"
MODELSCOPE_CACHE = "MODELSCOPE_CACHE"
MODELSCOPE_HOME = "MODELSCOPE_HOME"  # the client's config folder (credentials/), default ~/.modelscope
VLLM_USE_MODELSCOPE = "VLLM_USE_MODELSCOPE"  # vLLM fetches a model id from ModelScope, not Hugging Face

# Hub tokens: never passed to a child that does not need them, never printed.
HUB_TOKEN_VARS = (*HF_TOKEN_VARS, MODELSCOPE_API_TOKEN)

# --- vLLM ----------------------------------------------------------------------------------------
VLLM_API_KEY = "VLLM_API_KEY"  # the key vLLM requires of clients; the child gets it, argv never does
VLLM_CACHE_ROOT = "VLLM_CACHE_ROOT"  # vLLM's compile and model-class caches
VLLM_NO_USAGE_STATS = "VLLM_NO_USAGE_STATS"
DO_NOT_TRACK = "DO_NOT_TRACK"

# --- the GPU runtime -----------------------------------------------------------------------------
CUDA_VISIBLE_DEVICES = "CUDA_VISIBLE_DEVICES"
