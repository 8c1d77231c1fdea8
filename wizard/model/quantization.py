"""The quantization format a checkpoint declares, where vLLM looks for it; never guessed from a name.

Sources, in the order vLLM trusts them: config.json `quantization_config` (or its text_config's, or
llm-compressor's `compression_config`), then hf_quant_config.json (ModelOpt), then the AutoGPTQ /
AutoAWQ side files quantize_config.json / quant_config.json, which vLLM only uses when
`--quantization` names the method (auto_detected=False).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wizard.errors import ModelFileError
from wizard.model.config import Fields
from wizard.model.facts import QuantizationFacts
from wizard.i18n import msg

SIDE_FILES = ("hf_quant_config.json", "quantize_config.json", "quant_config.json")

# Spellings in the wild -> the name vLLM's --quantization uses.
_VLLM_NAME = {
    "compressed_tensors": "compressed-tensors",
    "auto-round": "inc", "auto_round": "inc", "autoround": "inc", "intel/auto-round": "inc",
}
_UNSUPPORTED = {"mlx": msg("model.quant.mlx"), "exl2": msg("model.quant.exl2"), "exl3": msg("model.quant.exl3")}
# ModelOpt quant_algo -> (vLLM method, weight bits); NVFP4 has its own method name in vLLM.
_MODELOPT = {"FP8": ("modelopt", 8), "FP8_PB_WO": ("modelopt", 8), "NVFP4": ("modelopt_fp4", 4),
             "INT4_AWQ": ("modelopt", 4), "W4A8_AWQ": ("modelopt", 4), "INT8_SQ": ("modelopt", 8)}
_FIXED_BITS = {"fp8": 8, "fbgemm_fp8": 8, "mxfp4": 4}


def detect_quantization(
    config: Mapping[str, object],
    side_files: Mapping[str, object],
    *,
    text: Mapping[str, object] | None = None,
    text_section: str = "text_config",
    prefix: str = "",
) -> QuantizationFacts | None:
    """`text` is the nested text-model section of a multimodal config (named `text_section`);
    `side_files` maps the names in SIDE_FILES that exist to their parsed JSON; `prefix` turns a
    file name into the path shown in errors."""
    cfg = prefix + "config.json"
    for section, key, where in (
        (config, "quantization_config", ""),
        (text or {}, "quantization_config", f"{text_section}."),
        (config, "compression_config", ""),
    ):
        block = Fields(section, cfg, where).obj(key)
        if block is None:
            continue
        if key == "compression_config":
            # older llm-compressor releases nest the quantization part one level down
            inner = Fields(block, cfg, f"{key}.").obj("quantization_config")
            if inner is not None and "quant_method" not in block:
                block, key = inner, f"{key}.quantization_config"
            return _from_block(block, "config.json", f"{key}.", prefix, auto=True, default="compressed-tensors")
        return _from_block(block, "config.json", f"{where}{key}.", prefix, auto=True)
    mlx = Fields(config, cfg).obj("quantization")
    if mlx is not None and "quant_method" not in mlx:
        return _from_block(mlx, "config.json", "quantization.", prefix, auto=True)
    if "hf_quant_config.json" in side_files:
        return _modelopt(side_files["hf_quant_config.json"], prefix)
    for name, default in (("quantize_config.json", "gptq"), ("quant_config.json", "awq")):
        if name in side_files:
            side = side_files[name]
            if not isinstance(side, dict):
                raise ModelFileError(prefix + name, msg("model.problem.json_object"))
            return _from_block(side, name, "", prefix, auto=False, default=default)
    return None


def _from_block(block: dict, source: str, where: str, prefix: str, *, auto: bool, default: str | None = None) -> QuantizationFacts:
    f = Fields(block, prefix + source, where)
    raw_method = f.text("quant_method") or default or "mlx"
    method = _VLLM_NAME.get(raw_method.lower(), raw_method.lower())
    bits = _FIXED_BITS.get(method)
    if method == "modelopt":
        method, bits = _MODELOPT.get((f.text("quant_algo") or "").upper(), ("modelopt", None))
    fields: dict[str, Any] = {"bits": bits, "group_size": None}
    if method == "compressed-tensors":
        fields.update(_compressed_tensors(f))
    elif method == "bitsandbytes":
        fields["bits"] = 4 if f.flag("load_in_4bit") else 8 if f.flag("load_in_8bit") else None
    elif method == "mxfp4":
        fields["group_size"] = 32
    else:
        declared = block.get("bits", block.get("w_bit"))
        # exl2 declares fractional average bits (4.65): not a width, so not reported as one.
        if not (isinstance(declared, float) and not declared.is_integer()):
            fields["bits"] = bits or f.first_integer(("bits", "w_bit"))
        fields["group_size"] = f.first_integer(("group_size", "q_group_size"), minimum=-1)
        fields["desc_act"] = f.flag("desc_act")
        sym, zero_point = f.flag("sym"), f.flag("zero_point")
        fields["symmetric"] = sym if sym is not None else (not zero_point if zero_point is not None else None)
        fields["lm_head_quantized"] = bool(f.flag("lm_head"))
    kv = f.text("kv_cache_quant_algo") or _kv_scheme(f)
    return QuantizationFacts(
        method=method,
        source_file=source,
        auto_detected=auto,
        kv_cache_scheme=kv.lower() if kv else None,
        unsupported_reason=_UNSUPPORTED.get(method),
        raw=_bounded(block, f),
        **fields,
    )


def _compressed_tensors(f: Fields) -> dict[str, object]:
    groups = f.obj("config_groups") or {}
    out: dict[str, object] = {"bits": None, "group_size": None}
    targets: list[str] = []
    for gname, group in groups.items():
        g = Fields(group, f.file, f"{f.prefix}config_groups.{gname}.") if isinstance(group, dict) else None
        if g is None:
            raise f.fail(f"config_groups.{gname}", "must be an object")
        targets += [t for t in (g.array("targets") or []) if isinstance(t, str)]
        weights = g.obj("weights")
        if weights is not None and out["bits"] is None:
            w = Fields(weights, f.file, f"{g.prefix}weights.")
            out.update(bits=w.integer("num_bits"), group_size=w.integer("group_size", minimum=-1), symmetric=w.flag("symmetric"))
    ignore = [i for i in (f.array("ignore") or []) if isinstance(i, str)]
    out["lm_head_quantized"] = any("lm_head" in t for t in targets) or (
        "Linear" in targets and not any("lm_head" in i for i in ignore)
    )
    return out


def _kv_scheme(f: Fields) -> str | None:
    scheme = f.data.get("kv_cache_scheme")
    if isinstance(scheme, str):
        return scheme
    if not isinstance(scheme, dict):
        return None
    s = Fields(scheme, f.file, f"{f.prefix}kv_cache_scheme.")
    kind, bits = s.text("type") or "float", s.integer("num_bits")
    if kind == "float" and bits == 8:
        return "fp8"
    return f"{kind}{bits or ''}"


def _modelopt(doc: object, prefix: str) -> QuantizationFacts:
    name = "hf_quant_config.json"
    if not isinstance(doc, dict):
        raise ModelFileError(prefix + name, msg("model.problem.json_object"))
    quant = Fields(doc, prefix + name).obj("quantization")
    if quant is None:
        raise ModelFileError(prefix + name, msg("model.problem.no_quant_section"))
    q = Fields(quant, prefix + name, "quantization.")
    method, bits = _MODELOPT.get((q.text("quant_algo") or "").upper(), ("modelopt", None))
    exclude = [e for e in (q.array("exclude_modules") or []) if isinstance(e, str)]
    kv = q.text("kv_cache_quant_algo")
    return QuantizationFacts(
        method=method,
        source_file=name,
        bits=bits,
        group_size=q.integer("group_size"),
        lm_head_quantized=bool(q.array("exclude_modules") is not None and not any("lm_head" in e for e in exclude)),
        kv_cache_scheme=kv.lower() if kv else None,
        raw=_bounded(doc, q),
    )


def _bounded(block: dict, f: Fields, depth: int = 12) -> dict:
    """The declared block as-is, unless nesting is too deep to serialise (a hostile file)."""
    def deep(value: object, level: int) -> bool:
        if level > depth:
            return True
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        return any(deep(c, level + 1) for c in children)

    if deep(block, 0):
        raise ModelFileError(f.file, msg("model.problem.quant_nested"))
    return block


# ---- params stored per tensor element, so packed formats count their logical weights --------------

_COMPANIONS = (
    ".scales", ".qzeros", ".g_idx", ".weight_scale", ".weight_scale_inv", ".weight_scale_2", ".input_scale",
    ".weight_zero_point", ".weight_shape", ".weight_global_scale", ".input_global_scale", ".k_scale",
    ".v_scale", ".SCB", ".absmax", ".quant_map", ".nested_absmax", ".nested_quant_map", ".zeros", ".perm",
)
_PACKED_4BIT_U8 = {"modelopt_fp4", "bitsandbytes", "compressed-tensors"}


def params_per_element(name: str, dtype: str, quant: QuantizationFacts | None) -> float:
    """Logical weights per stored element: 0 for scales and zero points, 32/bits for int32-packed
    GPTQ/AWQ/compressed-tensors weights, 2 for uint8-packed fp4."""
    if name.endswith(_COMPANIONS) or ".quant_state." in name or (name.endswith("_scales") and dtype == "U8"):
        return 0
    bits = (quant.bits if quant else None) or 4
    if dtype == "I32" and name.endswith((".qweight", ".weight_packed")):
        return 32 / bits
    if dtype == "U8" and (name.endswith("_blocks") or name.endswith(".weight_packed")):
        return 2
    if dtype == "U8" and quant is not None and quant.method in _PACKED_4BIT_U8 and quant.bits == 4:
        return 2
    return 1
