"""The first vLLM release that ships each reasoning / tool-call parser name.

Names change between releases (hw-quant-matrix §6); a parser the planned release lacks is a start-up
error ("invalid tool call parser"), so the planner leaves it out and says which release adds it.
Releases are the first that carried the name in `vllm serve --help` / the parser registry; names
not listed are assumed present (they are checked against the installed vLLM at launch).
"""

from __future__ import annotations

from wizard.planner.versions import VllmVersion

REASONING_SINCE: dict[str, tuple[int, int, int]] = {
    "deepseek_r1": (0, 7, 1), "granite": (0, 8, 0), "qwen3": (0, 8, 5), "hunyuan_a13b": (0, 9, 2),
    "mistral": (0, 9, 1), "glm45": (0, 10, 0), "openai_gptoss": (0, 10, 1), "step3": (0, 10, 1),
    "deepseek_v3": (0, 10, 2), "ernie45": (0, 10, 2), "seed_oss": (0, 10, 2), "kimi_k2": (0, 11, 0),
    "minimax_m2_append_think": (0, 11, 1), "olmo3": (0, 11, 1), "glm47": (0, 14, 0), "gemma4": (0, 24, 0),
}
TOOL_SINCE: dict[str, tuple[int, int, int]] = {
    "hermes": (0, 6, 0), "mistral": (0, 6, 0), "llama3_json": (0, 6, 2), "internlm": (0, 6, 2),
    "jamba": (0, 6, 4), "granite": (0, 7, 0), "pythonic": (0, 8, 0), "llama4_pythonic": (0, 8, 3),
    "phi4_mini_json": (0, 8, 3), "deepseek_v3": (0, 8, 5), "hunyuan_a13b": (0, 9, 2), "kimi_k2": (0, 10, 0),
    "glm45": (0, 10, 0), "qwen3_coder": (0, 10, 0), "step3": (0, 10, 1), "openai": (0, 10, 2),
    "seed_oss": (0, 10, 2), "deepseek_v31": (0, 10, 2), "qwen3_xml": (0, 11, 0), "minimax_m2": (0, 11, 1),
    "olmo3": (0, 11, 1), "deepseek_v32": (0, 11, 1), "glm47": (0, 14, 0), "granite4": (0, 11, 0),
    "gemma4": (0, 24, 0),
}


def available_since(kind: str, name: str) -> tuple[int, int, int] | None:
    table = REASONING_SINCE if kind == "reasoning" else TOOL_SINCE
    return table.get(name)


def missing_in(version: VllmVersion, kind: str, name: str) -> str | None:
    """None if `version` has the parser, else the first release that has it (as text)."""
    since = available_since(kind, name)
    if since is None or version.key >= since:
        return None
    if kind == "reasoning" and not version.at_least(0, 7, 1):
        return "0.7.1"
    return ".".join(map(str, since))
