"""How quantized checkpoints store their linear layers, for synthetic model folders.

A `QuantScheme` is built from a checkpoint's quantization config (config.json `quantization_config`,
or the `quantization` block of ModelOpt's hf_quant_config.json) and answers, for one linear module,
which tensors a real checkpoint of that format holds: names, safetensors dtypes and shapes.

Layouts (out = output features, in = input features, g = group size):

| format | tensors per linear layer |
|---|---|
| AWQ (gemm) | qweight I32 [in, out/8], qzeros I32 [in/g, out/8], scales F16 [in/g, out] |
| GPTQ | qweight I32 [in/8, out], qzeros I32 [in/g, out/8], scales F16 [in/g, out], g_idx I32 [in] |
| FP8 block (Qwen/DeepSeek) | weight F8_E4M3 [out, in], weight_scale_inv F32 [ceil(out/128), ceil(in/128)] |
| FP8 per-tensor | weight F8_E4M3, weight_scale F32 [], input_scale F32 [] (static activations only) |
| compressed-tensors FP8 | weight F8_E4M3, weight_scale [1] (tensor) or [out, 1] (channel) |
| compressed-tensors int W4A16 | weight_packed I32 [out, in/8], weight_scale [out, in/g], weight_shape I64 [2] |
| compressed-tensors NVFP4 | weight_packed U8 [out, in/2], weight_scale F8_E4M3 [out, in/16], weight_global_scale F32 [1], input_global_scale F32 [1] |
| ModelOpt NVFP4 | weight U8 [out, in/2], weight_scale F8_E4M3 [out, in/16], weight_scale_2 F32 [], input_scale F32 [] |
| MXFP4 (gpt-oss experts) | <name>_blocks U8 [E, out, in/32, 16], <name>_scales U8 [E, out, in/32] |

Embeddings, norms and routers are never quantized (the architecture code does not ask); every other
linear layer is, unless the scheme's ignore list (`modules_to_not_convert`, `ignore`,
`exclude_modules`) names it.
"""

from __future__ import annotations

import fnmatch
import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

Tensors = dict[str, tuple[str, list[int]]]

# Safetensors dtype codes of the floating model dtypes.
TORCH_TO_ST = {"bfloat16": "BF16", "float16": "F16", "float32": "F32", "half": "F16", "float": "F32"}


def cdiv(a: int, b: int) -> int:
    return -(-a // b)


@dataclass(frozen=True)
class LinearFormat:
    """The storage layout of one quantized linear layer."""

    kind: str  # awq | gptq | fp8_block | fp8_tensor | ct_fp8 | ct_int | ct_nvfp4 | modelopt_nvfp4 | mxfp4
    bits: int = 4
    group_size: int = 128
    block: tuple[int, int] = (128, 128)
    static_input: bool = False
    symmetric: bool = True
    strategy: str = "tensor"  # compressed-tensors fp8: tensor | channel

    def tensors(self, name: str, out: int, in_: int, model_dtype: str) -> Tensors:
        g = self.group_size if self.group_size and self.group_size > 0 else in_
        pack = 32 // self.bits
        if self.kind == "awq":
            return {
                f"{name}.qweight": ("I32", [in_, out // pack]),
                f"{name}.qzeros": ("I32", [cdiv(in_, g), out // pack]),
                f"{name}.scales": ("F16", [cdiv(in_, g), out]),
            }
        if self.kind == "gptq":
            return {
                f"{name}.qweight": ("I32", [in_ // pack, out]),
                f"{name}.qzeros": ("I32", [cdiv(in_, g), out // pack]),
                f"{name}.scales": ("F16", [cdiv(in_, g), out]),
                f"{name}.g_idx": ("I32", [in_]),
            }
        if self.kind == "fp8_block":
            bo, bi = self.block
            return {
                f"{name}.weight": ("F8_E4M3", [out, in_]),
                f"{name}.weight_scale_inv": ("F32", [cdiv(out, bo), cdiv(in_, bi)]),
            }
        if self.kind == "fp8_tensor":
            t: Tensors = {f"{name}.weight": ("F8_E4M3", [out, in_]), f"{name}.weight_scale": ("F32", [])}
            if self.static_input:
                t[f"{name}.input_scale"] = ("F32", [])
            return t
        if self.kind == "ct_fp8":
            scale = [out, 1] if self.strategy == "channel" else [1]
            t = {f"{name}.weight": ("F8_E4M3", [out, in_]), f"{name}.weight_scale": (model_dtype, scale)}
            if self.static_input:
                t[f"{name}.input_scale"] = ("F32", [1])
            return t
        if self.kind == "ct_int":
            t = {
                f"{name}.weight_packed": ("I32", [out, in_ // pack]),
                f"{name}.weight_scale": (model_dtype, [out, cdiv(in_, g)]),
                f"{name}.weight_shape": ("I64", [2]),
            }
            if not self.symmetric:
                t[f"{name}.weight_zero_point"] = ("I32", [cdiv(out, pack), cdiv(in_, g)])
            return t
        if self.kind == "ct_nvfp4":
            return {
                f"{name}.weight_packed": ("U8", [out, in_ // 2]),
                f"{name}.weight_scale": ("F8_E4M3", [out, cdiv(in_, 16)]),
                f"{name}.weight_global_scale": ("F32", [1]),
                f"{name}.input_global_scale": ("F32", [1]),
            }
        if self.kind == "modelopt_nvfp4":
            return {
                f"{name}.weight": ("U8", [out, in_ // 2]),
                f"{name}.weight_scale": ("F8_E4M3", [out, cdiv(in_, 16)]),
                f"{name}.weight_scale_2": ("F32", []),
                f"{name}.input_scale": ("F32", []),
            }
        raise ValueError(f"no linear-layer layout for {self.kind}")


def mxfp4_experts(name: str, experts: int, out: int, in_: int) -> Tensors:
    """gpt-oss fused expert weights in MXFP4: fp4 pairs packed in bytes, one E8M0 scale per 32."""
    return {
        f"{name}_blocks": ("U8", [experts, out, in_ // 32, 16]),
        f"{name}_scales": ("U8", [experts, out, in_ // 32]),
    }


def _is_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


@functools.lru_cache(maxsize=None)
def _matcher(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """One compiled test for a whole ignore / target list (lists name hundreds of modules)."""
    if "Linear" in patterns:
        return lambda module: True
    parts = [f"(?:{p[3:]})" for p in patterns if p.startswith("re:")]
    parts += [f"(?:{fnmatch.translate(p)})|(?:{fnmatch.translate(p + '.*')})" for p in patterns if _is_glob(p)]
    plain = [re.escape(p) for p in patterns if not p.startswith("re:") and not _is_glob(p)]
    if plain:
        parts.append(r"(?:.*\.)?(?:%s)(?:\..*)?\Z" % "|".join(plain))
    if not parts:
        return lambda module: False
    regex = re.compile("|".join(parts))
    return lambda module: regex.match(module) is not None


def module_matches(module: str, pattern: str) -> bool:
    """Ignore-list / target semantics: `re:` regex (matched from the start), shell glob, the
    `Linear` class target, or a dotted-path component run ('mlp.gate' matches
    'model.layers.3.mlp.gate' and its children, not '...mlp.gate_proj')."""
    return _matcher((pattern,))(module)


@dataclass(frozen=True)
class QuantScheme:
    """Which format each linear module of a checkpoint is stored in (first matching rule wins)."""

    method: str
    rules: tuple[tuple[tuple[str, ...], LinearFormat], ...]
    ignore: tuple[str, ...] = ()
    lm_head: bool = False  # GPTQ `lm_head: true`: the output head is quantized too
    experts_only: bool = False  # MXFP4: only fused MoE experts are quantized

    def format_for(self, module: str) -> LinearFormat | None:
        if self.experts_only or _matcher(self.ignore)(module):
            return None
        for targets, fmt in self.rules:
            if _matcher(targets)(module):
                return fmt
        return None


def _unwrap(quant: Mapping) -> dict:
    """Accept config.json's quantization_config or the whole hf_quant_config.json."""
    if "quantization" in quant and "quant_method" not in quant:
        return {"quant_method": "modelopt", **quant["quantization"]}
    return dict(quant)


def _ct_format(weights: Mapping) -> LinearFormat:
    bits, kind = int(weights.get("num_bits", 4)), weights.get("type", "int")
    group = weights.get("group_size") or 0
    if kind == "float" and bits == 4:
        return LinearFormat("ct_nvfp4", bits=4, group_size=16)
    if kind == "float":
        return LinearFormat("ct_fp8", bits=8, strategy=weights.get("strategy", "tensor"))
    return LinearFormat("ct_int", bits=bits, group_size=group, symmetric=weights.get("symmetric", True))


def scheme_from_config(quant: Mapping | None) -> QuantScheme | None:
    """The scheme a checkpoint's quantization config declares (None for an unquantized checkpoint)."""
    if not quant:
        return None
    q = _unwrap(quant)
    method = str(q.get("quant_method", "")).lower()
    if method == "awq":
        fmt = LinearFormat("awq", bits=q.get("bits", 4), group_size=q.get("group_size", 128))
        return QuantScheme(method, ((("Linear",), fmt),), tuple(q.get("modules_to_not_convert") or ()))
    if method == "gptq":
        fmt = LinearFormat("gptq", bits=q.get("bits", 4), group_size=q.get("group_size", 128))
        return QuantScheme(method, ((("Linear",), fmt),), (), lm_head=bool(q.get("lm_head", False)))
    if method == "fp8":
        block = q.get("weight_block_size")
        if block:
            fmt = LinearFormat("fp8_block", bits=8, block=(int(block[0]), int(block[1])))
        else:
            fmt = LinearFormat("fp8_tensor", bits=8, static_input=q.get("activation_scheme") == "static")
        ignore = q.get("modules_to_not_convert") or q.get("ignored_layers") or ()
        return QuantScheme(method, ((("Linear",), fmt),), tuple(ignore))
    if method == "compressed-tensors":
        rules = []
        for group in (q.get("config_groups") or {}).values():
            fmt = _ct_format(group.get("weights") or {})
            if group.get("input_activations") and not group["input_activations"].get("dynamic", True):
                fmt = replace(fmt, static_input=True)
            rules.append((tuple(group.get("targets") or ("Linear",)), fmt))
        return QuantScheme(method, tuple(rules), tuple(q.get("ignore") or ()))
    if method in ("modelopt", "modelopt_fp4"):
        algo = str(q.get("quant_algo", "")).upper()
        fmt = (
            LinearFormat("modelopt_nvfp4", bits=4, group_size=q.get("group_size", 16))
            if "FP4" in algo
            else LinearFormat("fp8_tensor", bits=8, static_input=True)
        )
        return QuantScheme("modelopt", ((("Linear",), fmt),), tuple(q.get("exclude_modules") or ()))
    if method == "mxfp4":
        return QuantScheme(method, (), tuple(q.get("modules_to_not_convert") or ()), experts_only=True)
    raise ValueError(f"unsupported quant_method for synthetic checkpoints: {method!r}")


# --- Where a config declares its quantization, and the dtype of everything else -------------------


def find_quantization(config: Mapping) -> dict | None:
    """The quantization config a checkpoint's config.json declares (top level or text_config)."""
    for holder in (config, config.get("text_config") or {}, config.get("thinker_config") or {}):
        q = holder.get("quantization_config") or holder.get("compression_config")
        if q:
            return dict(q)
    return None


def model_dtype(config: Mapping, scheme: QuantScheme | None) -> str:
    """Safetensors dtype of the checkpoint's unquantized tensors."""
    if scheme and scheme.method in ("awq", "gptq"):
        return "F16"  # AutoAWQ / AutoGPTQ save float16 whatever the base model's dtype
    for holder in (config, config.get("text_config") or {}, config.get("thinker_config") or {}):
        name = holder.get("torch_dtype") or holder.get("dtype")
        if name:
            return TORCH_TO_ST[str(name).replace("torch.", "")]
    return "BF16"


# --- Counting parameters in a (possibly packed) checkpoint -----------------------------------------

# Tensors that hold quantization metadata rather than weights.
_META_SUFFIXES = (
    ".qzeros", ".scales", ".g_idx", ".weight_scale", ".weight_scale_inv", ".weight_scale_2",
    ".input_scale", ".weight_global_scale", ".input_global_scale", ".weight_shape",
    ".weight_zero_point", "_scales", ".k_scale", ".v_scale",
)


def params_in_tensor(name: str, dtype: str, shape: Iterable[int]) -> int:
    """Parameters a tensor stores: packed int4 holds 8 per I32, fp4 holds 2 per byte; scales, zeros
    and index tensors hold none."""
    if name.endswith(_META_SUFFIXES):
        return 0
    n = math.prod(shape)
    if name.endswith((".qweight", ".weight_packed")) and dtype == "I32":
        return n * 8
    if dtype == "U8" and name.endswith((".weight", ".weight_packed", "_blocks")):
        return n * 2
    return n


def count_params(tensors: Mapping[str, tuple[str, list[int]]]) -> int:
    return sum(params_in_tensor(name, dtype, shape) for name, (dtype, shape) in tensors.items())
