"""Judging a reply by its form, never its quality.

A tiny random test model legitimately produces gibberish, and a good model may answer briefly; the
failures verify hunts are mechanical and have a shape: NaN or overflowed logits decode as one token
over and over (Qwen's token 0 is "!", hence "!!!!"), a model that stops at once returns nothing, a
tokenizer that does not match the weights yields only U+FFFD, thinking text without a reasoning
parser arrives inside `content` with its tags, and tool calls without a tool parser arrive as text
in the model's own markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

REPLACEMENT = "\ufffd"
MIN_REPEATS = 3  # "!!!" is a pattern; a lone "!" or "ok" is just short

Degeneracy = Literal["empty", "repeated_char", "replacement_chars"]

# Thinking delimiters of the families vLLM has reasoning parsers for (qwen3/deepseek_r1 <think>,
# seed_oss, Kimi's ◁think▷, Mistral's [THINK], gpt-oss's harmony analysis channel).
THINK_TAGS = re.compile(r"</?think>|</?seed:think>|◁/?think▷|\[/?THINK\]|<\|channel\|>\s*analysis")
# Tool-call markup of the formats vLLM has tool parsers for, and bare JSON calls (llama3_json, ...).
TOOL_MARKUP = re.compile(
    r"<tool_call>|<\|tool_call|<function=|<tool_calls>|\[TOOL_CALLS\]|<\|python_tag\|>|tool▁call|"
    r"<minimax:tool_call>|<seed:tool_call>|<\|tool_calls_section_begin\|>|<\|channel\|>\s*commentary|"
    r"\{\s*\"(?:name|function)\"\s*:\s*\"[^\"]+\"\s*,\s*\"(?:arguments|parameters)\"\s*:"
)


@dataclass(frozen=True)
class FormVerdict:
    kind: Degeneracy | None
    sample: str  # the reply as evidence, cut and with control characters shown

    @property
    def degenerate(self) -> bool:
        return self.kind is not None


def judge(text: str) -> FormVerdict:
    """Is `text` degenerate in form? Only three shapes count; anything else passes."""
    visible = [c for c in text if not c.isspace()]
    if not visible:
        return FormVerdict("empty", sample(text))
    distinct = set(visible)
    if distinct == {REPLACEMENT}:
        return FormVerdict("replacement_chars", sample(text))
    if len(distinct) == 1 and len(visible) >= MIN_REPEATS:
        return FormVerdict("repeated_char", sample(text))
    return FormVerdict(None, sample(text))


def think_tags(text: str) -> str | None:
    """The first thinking delimiter found in `text`, or None."""
    match = THINK_TAGS.search(text)
    return match.group(0) if match else None


def tool_markup(text: str) -> str | None:
    """The first tool-call markup found in `text`, or None."""
    match = TOOL_MARKUP.search(text)
    return match.group(0) if match else None


def sample(text: str, width: int = 80) -> str:
    """A reply as evidence: one line, control characters escaped, cut to `width` characters."""
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    return shown if len(shown) <= width else shown[: width - 1] + "…"

