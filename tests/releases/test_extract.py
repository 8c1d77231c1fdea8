"""The extractor on small source trees written for these tests, one per layout era of vLLM's
`vllm serve` parser (hand-written argparse calls, StoreBoolean and decorator registries, config
dataclasses turned into flags). No vLLM code: each snippet only has the shapes the extractor reads."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.release_facts.extract import build, release_facts, unbuild  # noqa: E402
from tools.release_facts.fetch import is_final, release_key  # noqa: E402


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    for folder in {p.parent for p in root.rglob("*.py")}:
        (folder / "__init__.py").touch(exist_ok=True)
    return root


def _by_option(facts: dict) -> dict:
    return {o: dict(zip(("options", "dest", "default", "choices", "type", "action", "nargs", "boolean",
                         "takes_value", "deprecated", "source"), spec)) for spec in facts["flags"] for o in spec[0]}


# --- era 1: the OpenAI server builds its own argparse parser; EngineArgs adds the rest by hand ------
ERA_HAND_WRITTEN = {
    "vllm/entrypoints/openai/cli_args.py": """
        import argparse
        from vllm.engine.arg_utils import AsyncEngineArgs

        def make_arg_parser():
            parser = argparse.ArgumentParser(description="server")
            parser.add_argument("--host", type=str, default=None)
            parser.add_argument("--port", type=int, default=8000)
            parser = AsyncEngineArgs.add_cli_args(parser)
            return parser
    """,
    "vllm/engine/arg_utils.py": """
        import argparse
        from dataclasses import dataclass
        from vllm.model_executor.layers.quantization import QUANTIZATION_METHODS

        @dataclass
        class EngineArgs:
            model: str
            block_size: int = 16
            gpu_memory_utilization: float = 0.90
            max_num_seqs: int = 256
            kv_cache_dtype: str = 'auto'

            @staticmethod
            def add_cli_args(parser):
                parser.add_argument('--model', type=str, default='some/model')
                parser.add_argument('--max-model-len', type=int, default=None)
                parser.add_argument('--tensor-parallel-size', '-tp', type=int, default=1)
                parser.add_argument('--block-size', type=int, default=EngineArgs.block_size, choices=[8, 16, 32])
                parser.add_argument('--gpu-memory-utilization', type=float, default=EngineArgs.gpu_memory_utilization)
                parser.add_argument('--max-num-seqs', type=int, default=EngineArgs.max_num_seqs)
                parser.add_argument('--kv-cache-dtype', type=str, choices=['auto', 'fp8_e5m2'],
                                    default=EngineArgs.kv_cache_dtype)
                parser.add_argument('--enable-prefix-caching', action='store_true')
                parser.add_argument('--quantization', '-q', choices=[*QUANTIZATION_METHODS, None], default=None)
                return parser

        @dataclass
        class AsyncEngineArgs(EngineArgs):
            @staticmethod
            def add_cli_args(parser, async_args_only=False):
                if not async_args_only:
                    parser = EngineArgs.add_cli_args(parser)
                parser.add_argument('--engine-use-ray', action='store_true', help='Deprecated; will be removed.')
                return parser
    """,
    "vllm/model_executor/layers/quantization/__init__.py": """
        from vllm.model_executor.layers.quantization.awq import AWQConfig
        QUANTIZATION_METHODS = {"awq": AWQConfig, "gptq": object, "squeezellm": object}
    """,
    "vllm/model_executor/layers/quantization/awq.py": "class AWQConfig: pass\n",
}


def test_hand_written_era(tmp_path):
    facts = release_facts("0.4.0", _tree(tmp_path, ERA_HAND_WRITTEN))
    flags = _by_option(facts)
    assert set(flags) == {"--host", "--port", "--model", "--max-model-len", "--tensor-parallel-size", "-tp",
                          "--block-size", "--gpu-memory-utilization", "--max-num-seqs", "--kv-cache-dtype",
                          "--enable-prefix-caching", "--quantization", "-q", "--engine-use-ray"}
    assert flags["-tp"] == flags["--tensor-parallel-size"]
    assert flags["--block-size"]["default"] == 16 and flags["--block-size"]["choices"] == ["8", "16", "32"]
    assert flags["--quantization"]["choices"] == ["awq", "gptq", "squeezellm"]  # the None choice is not a name
    assert flags["--enable-prefix-caching"]["boolean"] and not flags["--enable-prefix-caching"]["takes_value"]
    assert flags["--engine-use-ray"]["deprecated"]
    assert facts["kv_cache_dtypes"] == ["auto", "fp8_e5m2"]
    assert facts["quantization_methods"] == ["awq", "gptq", "squeezellm"]
    assert facts["defaults"]["gpu_memory_utilization"] == 0.9 and facts["defaults"]["max_num_seqs"] == 256
    assert facts["defaults"]["max_model_len"] == "computed"
    assert facts["sources"]["serve_parser"] == "vllm/entrypoints/openai/cli_args.py"
    assert facts["sources"]["flags"] == ["vllm/engine/arg_utils.py", "vllm/entrypoints/openai/cli_args.py"]
    assert not facts["serve_command"] and facts["reasoning_parsers"] == [] and facts["tool_parsers"] == []


# --- era 2: `vllm serve` exists, StoreBoolean / BooleanOptionalAction, decorator registries, V1 tables --
ERA_DECORATORS = {
    "vllm/entrypoints/cli/serve.py": """
        from vllm.entrypoints.openai.cli_args import make_arg_parser
    """,
    "vllm/entrypoints/openai/cli_args.py": """
        from vllm.engine.arg_utils import AsyncEngineArgs
        from vllm.entrypoints.openai.tool_parsers import ToolParserManager

        def make_arg_parser(parser):
            parser.add_argument("--port", type=int, default=8000)
            parser.add_argument("--enable-auto-tool-choice", action="store_true")
            valid = ToolParserManager.tool_parsers.keys()
            parser.add_argument("--tool-call-parser", metavar="{" + ",".join(valid) + "}", default=None)
            parser = AsyncEngineArgs.add_cli_args(parser)
            return parser
    """,
    "vllm/engine/arg_utils.py": """
        import argparse
        from vllm.utils import StoreBoolean
        from vllm.usage.usage_lib import UsageContext
        GiB_bytes = 1 << 30

        class EngineArgs:
            @staticmethod
            def add_cli_args(parser):
                parser.add_argument('--model', type=str, default='m')
                parser.add_argument('--max-model-len', type=int, default=None)
                parser.add_argument('--port-offset', type=int, default=0)
                parser.add_argument('--enable-prefix-caching', action=argparse.BooleanOptionalAction, default=None)
                parser.add_argument('--enable-chunked-prefill', action=StoreBoolean, default=None, nargs="?",
                                    const="True")
                parser.add_argument('--kv-cache-dtype', choices=['auto', 'fp8', 'fp8_e4m3', 'fp8_e5m2'], default='auto')
                parser.add_argument('--enable-reasoning', action='store_true')
                parser.add_argument('--reasoning-parser', choices=["deepseek_r1"], default=None)
                return parser

            def _set_default_args_v1(self, usage_context):
                device_name = "x"
                if any(name in device_name for name in ("h100", "h200")):
                    default_max_num_batched_tokens = {UsageContext.LLM_CLASS: 16384,
                                                      UsageContext.OPENAI_API_SERVER: 8192}
                else:
                    default_max_num_batched_tokens = {UsageContext.LLM_CLASS: 8192,
                                                      UsageContext.OPENAI_API_SERVER: 2048}
                default_max_num_seqs = 1024

        class AsyncEngineArgs(EngineArgs):
            @staticmethod
            def add_cli_args(parser, async_args_only=False):
                if not async_args_only:
                    parser = EngineArgs.add_cli_args(parser)
                return parser
    """,
    "vllm/usage/usage_lib.py": """
        from enum import Enum
        class UsageContext(str, Enum):
            UNKNOWN_CONTEXT = "UNKNOWN_CONTEXT"
            LLM_CLASS = "LLM_CLASS"
            OPENAI_API_SERVER = "OPENAI_API_SERVER"
    """,
    "vllm/utils.py": "class StoreBoolean: pass\n",
    "vllm/reasoning/abs_reasoning_parsers.py": """
        class ReasoningParserManager:
            reasoning_parsers = {}
            @classmethod
            def register_module(cls, name=None, force=True, module=None):
                '''Used as @ReasoningParserManager.register_module("name") in parser files.'''
    """,
    "vllm/reasoning/__init__.py": "from .abs_reasoning_parsers import ReasoningParserManager\n",
    "vllm/reasoning/r1.py": """
        from vllm.reasoning.abs_reasoning_parsers import ReasoningParserManager
        @ReasoningParserManager.register_module("deepseek_r1")
        class R1: pass
    """,
    "vllm/reasoning/granite.py": """
        from vllm.reasoning import ReasoningParserManager
        @ReasoningParserManager.register_module("granite")
        class Granite: pass
    """,
    "vllm/entrypoints/openai/tool_parsers/__init__.py": "class ToolParserManager:\n    tool_parsers = {}\n",
    "vllm/entrypoints/openai/tool_parsers/hermes.py": """
        from vllm.entrypoints.openai.tool_parsers import ToolParserManager
        @ToolParserManager.register_module("hermes")
        class Hermes: pass
        @ToolParserManager.register_module(["internlm", "internlm2"])
        class InternLM: pass
    """,
    "vllm/model_executor/layers/quantization/__init__.py": """
        QUANTIZATION_METHODS = ["awq", "fp8", "gguf"]
    """,
}


def test_decorator_era(tmp_path):
    facts = release_facts("0.8.0", _tree(tmp_path, ERA_DECORATORS))
    flags = _by_option(facts)
    assert facts["serve_command"]
    assert flags["--no-enable-prefix-caching"] == flags["--enable-prefix-caching"]
    chunked = flags["--enable-chunked-prefill"]
    assert chunked["action"] == "StoreBoolean" and chunked["boolean"] and chunked["takes_value"]
    assert "--no-enable-chunked-prefill" not in flags
    assert facts["reasoning_parsers"] == ["deepseek_r1", "granite"]
    assert facts["sources"]["reasoning_parsers"] == "vllm/reasoning/"
    assert facts["tool_parsers"] == ["hermes", "internlm", "internlm2"]
    assert facts["quantization_methods"] == ["awq", "fp8", "gguf"]
    assert facts["kv_cache_dtypes"] == ["auto", "fp8", "fp8_e4m3", "fp8_e5m2"]
    tables = facts["batch_defaults"]
    assert tables[0] == {"setting": "max_num_batched_tokens", "when": [{"gpu_name_contains_any": ["h100", "h200"]}],
                         "values": {"LLM_CLASS": 16384, "OPENAI_API_SERVER": 8192}, "function": "_set_default_args_v1"}
    assert tables[1]["when"] == [{"not": [{"gpu_name_contains_any": ["h100", "h200"]}]}]
    assert tables[2] == {"setting": "max_num_seqs", "when": [], "values": 1024, "function": "_set_default_args_v1"}


# --- era 3: config dataclasses -> get_kwargs -> flags; a frontend dataclass looped over; lazy registries
ERA_DATACLASSES = {
    "vllm/entrypoints/cli/serve.py": "from vllm.entrypoints.launchers.cli_args import make_arg_parser\n",
    "vllm/entrypoints/launchers/cli_args.py": """
        import json
        from dataclasses import field
        from typing import Literal
        from vllm.config import config
        from vllm.engine.arg_utils import AsyncEngineArgs, get_kwargs

        @config
        class FrontendArgs:
            host: str | None = None
            port: int = 8000
            uvicorn_log_level: Literal["info", "debug", "error"] = "info"
            allowed_origins: list[str] = field(default_factory=lambda: ["*"])
            enable_auto_tool_choice: bool = False

            @classmethod
            def _customize(cls, kwargs):
                kwargs["allowed_origins"]["type"] = json.loads
                del kwargs["allowed_origins"]["nargs"]
                kwargs["port"]["flags"] = ["-p"]
                return kwargs

            @classmethod
            def add_cli_args(cls, parser):
                frontend_kwargs = cls._customize(get_kwargs(cls))
                group = parser.add_argument_group(title="Frontend")
                for key, value in frontend_kwargs.items():
                    extra = value.pop("flags", [])
                    group.add_argument(*extra, f"--{key.replace('_', '-')}", **value)
                return parser

        def make_arg_parser(parser):
            parser = FrontendArgs.add_cli_args(parser)
            parser = AsyncEngineArgs.add_cli_args(parser)
            parser.add_argument("--headless", action="store_true", default=False)
            return parser
    """,
    "vllm/config/__init__.py": """
        from vllm.config.cache import CacheConfig
        from vllm.config.utils import config
    """,
    "vllm/config/utils.py": "def config(cls):\n    return cls\n",
    "vllm/config/cache.py": """
        from typing import Literal, Optional
        from pydantic import Field
        from vllm.config.utils import config
        CacheDType = Literal["auto", "bfloat16", "fp8", "fp8_e4m3"]
        BlockSize = Literal[8, 16, 32]

        @config
        class CacheConfig:
            block_size: Optional[BlockSize] = None
            gpu_memory_utilization: float = Field(default=0.92, gt=0, le=1)
            cache_dtype: CacheDType = "auto"
            enable_prefix_caching: bool | None = None
            kv_cache_memory_bytes: int | None = None
            prefix_caching_hash_algo: Literal["sha256", "xxhash"] | str = "sha256"
            mm_limits: dict[str, int] = Field(default_factory=dict)
            capture_sizes: tuple[int, ...] = ()
            swap_pair: tuple[int, int] = (1, 2)
            ignore: list[str] = Field(default_factory=lambda: ["original/*"])
    """,
    "vllm/engine/arg_utils.py": """
        from vllm.config import CacheConfig
        from vllm.usage.usage_lib import UsageContext
        GiB_bytes = 1 << 30

        def get_kwargs(cls):
            kind = 'metavar' if str_present else 'choices'
            human_readable_int_args = {"kv_cache_memory_bytes"}
            return {}

        class EngineArgs:
            @staticmethod
            def add_cli_args(parser):
                cache_kwargs = get_kwargs(CacheConfig)
                cache_group = parser.add_argument_group(title="CacheConfig")
                cache_group.add_argument("--block-size", **cache_kwargs["block_size"])
                cache_group.add_argument("--gpu-memory-utilization", "--device-memory-utilization",
                                         **cache_kwargs["gpu_memory_utilization"])
                cache_group.add_argument("--kv-cache-dtype", **cache_kwargs["cache_dtype"])
                cache_group.add_argument("--enable-prefix-caching", **cache_kwargs["enable_prefix_caching"])
                cache_group.add_argument("--kv-cache-memory-bytes", **cache_kwargs["kv_cache_memory_bytes"])
                cache_group.add_argument("--prefix-caching-hash-algo", **cache_kwargs["prefix_caching_hash_algo"])
                cache_group.add_argument("--limit-mm-per-prompt", **cache_kwargs["mm_limits"])
                for name in ("capture_sizes", "swap_pair", "ignore"):
                    cache_group.add_argument("--" + name.replace("_", "-"), **cache_kwargs[name])
                return parser

            @classmethod
            def get_batch_defaults(cls, world_size):
                if device_memory >= 70 * GiB_bytes and "a100" not in device_name:
                    default_max_num_batched_tokens = {UsageContext.OPENAI_API_SERVER: 8192}
                else:
                    default_max_num_batched_tokens = {UsageContext.OPENAI_API_SERVER: 2048 * world_size}

        class AsyncEngineArgs(EngineArgs):
            @staticmethod
            def add_cli_args(parser, async_args_only=False):
                if not async_args_only:
                    parser = EngineArgs.add_cli_args(parser)
                parser.add_argument("--enable-log-requests", action="store_true")
                return parser
    """,
    "vllm/usage/usage_lib.py": """
        import enum
        class UsageContext(enum.Enum):
            LLM_CLASS = enum.auto()
            OPENAI_API_SERVER = enum.auto()
    """,
    "vllm/reasoning/__init__.py": """
        _REASONING_PARSERS_TO_REGISTER = {
            "deepseek_r1": ("deepseek_r1_reasoning_parser", "DeepSeekR1ReasoningParser"),
            "qwen3": ("qwen3_reasoning_parser", "Qwen3ReasoningParser"),
        }
        ReasoningParserManager.register_lazy_module(name="hf", module_path="vllm.reasoning.hf", class_name="X")
    """,
    "vllm/tool_parsers/__init__.py": """
        _TOOL_PARSERS_TO_REGISTER = {"hermes": ("hermes_tool_parser", "Hermes"), "qwen3_coder": ("q", "Q")}
    """,
    "vllm/model_executor/layers/quantization/__init__.py": """
        from typing import Literal, get_args
        QuantizationMethods = Literal["awq", "fp8", "compressed-tensors"]
        QUANTIZATION_METHODS: list[str] = list(get_args(QuantizationMethods))
    """,
}


def test_dataclass_era(tmp_path):
    facts = release_facts("0.32.0", _tree(tmp_path, ERA_DATACLASSES))
    flags = _by_option(facts)
    assert flags["-p"] == flags["--port"] and flags["--port"]["default"] == 8000
    assert flags["--uvicorn-log-level"]["choices"] == ["debug", "error", "info"]
    origins = flags["--allowed-origins"]
    assert origins["type"] == "loads" and origins["nargs"] is None and origins["default"] == ["*"]
    assert flags["--no-enable-auto-tool-choice"] == flags["--enable-auto-tool-choice"]
    assert flags["--device-memory-utilization"] == flags["--gpu-memory-utilization"]
    assert flags["--gpu-memory-utilization"]["default"] == 0.92  # pydantic Field(default=...)
    assert flags["--block-size"]["choices"] == ["8", "16", "32"] and flags["--block-size"]["type"] == "optional:int"
    assert flags["--kv-cache-dtype"]["choices"] == ["auto", "bfloat16", "fp8", "fp8_e4m3"]
    assert flags["--no-enable-prefix-caching"] == flags["--enable-prefix-caching"]
    assert flags["--kv-cache-memory-bytes"]["type"] == "optional:human_readable_int"
    # Literal + str: a free string with a metavar in releases whose get_kwargs says so.
    assert flags["--prefix-caching-hash-algo"]["choices"] is None
    assert flags["--limit-mm-per-prompt"]["type"] == "json" and flags["--limit-mm-per-prompt"]["default"] == {}
    assert (flags["--capture-sizes"]["nargs"], flags["--capture-sizes"]["type"]) == ("+", "int")
    assert flags["--swap-pair"]["nargs"] == 2 and flags["--swap-pair"]["default"] == [1, 2]
    assert flags["--ignore"]["nargs"] == "+" and flags["--ignore"]["default"] == ["original/*"]
    assert flags["--headless"]["source"] == "vllm/entrypoints/launchers/cli_args.py"
    assert flags["--block-size"]["source"] == "vllm/engine/arg_utils.py"
    assert facts["kv_cache_dtypes"] == ["auto", "bfloat16", "fp8", "fp8_e4m3"]
    assert facts["sources"]["kv_cache_dtypes"] == "vllm/config/cache.py"
    assert facts["reasoning_parsers"] == ["deepseek_r1", "hf", "qwen3"]
    assert facts["tool_parsers"] == ["hermes", "qwen3_coder"]
    assert facts["quantization_methods"] == ["awq", "compressed-tensors", "fp8"]
    assert facts["defaults"]["block_size"] == "computed" and facts["defaults"]["gpu_memory_utilization"] == 0.92
    big, small = facts["batch_defaults"]
    assert big["when"] == [{"gpu_memory_gib": [">=", 70.0]}, {"gpu_name_excludes": "a100"}]
    assert big["values"] == {"OPENAI_API_SERVER": 8192}
    assert small["values"] == {"OPENAI_API_SERVER": "computed"}  # 2048 * world_size: the rules model it


def test_a_tree_without_a_parser_is_refused(tmp_path):
    with pytest.raises(LookupError):
        release_facts("9.9.9", _tree(tmp_path, {"vllm/engine/arg_utils.py": "x = 1\n"}))


def test_build_deduplicates_specs_and_lists(tmp_path):
    one = release_facts("0.4.0", _tree(tmp_path / "a", ERA_HAND_WRITTEN))
    two = dict(one, version="0.4.0.post1")
    data = build([two, one])
    assert list(data["releases"]) == ["0.4.0", "0.4.0.post1"]
    assert len(data["specs"]) == len(one["flags"])  # the second release adds no new spec
    first, second = data["releases"].values()
    assert first["flags"] == second["flags"] and first["kv_cache_dtypes"] == second["kv_cache_dtypes"]


def test_the_data_file_round_trips(tmp_path):
    """--only rebuilds the file from what it holds plus the refreshed releases."""
    facts = [release_facts("0.4.0", _tree(tmp_path / "a", ERA_HAND_WRITTEN)),
             release_facts("0.8.0", _tree(tmp_path / "b", ERA_DECORATORS)),
             release_facts("0.32.0", _tree(tmp_path / "c", ERA_DATACLASSES))]
    data = json.loads(json.dumps(build(facts)))
    assert build(unbuild(data)) == data


def test_release_names():
    assert is_final("0.8.5.post1") and is_final("0.10.1.1") and is_final("0.4.0")
    assert not is_final("0.12.0rc1") and not is_final("0.11.1.dev3")
    assert release_key("0.8.5") < release_key("0.8.5.post1") < release_key("0.9.0")
    assert release_key("0.10.1") < release_key("0.10.1.1") < release_key("0.10.2")
