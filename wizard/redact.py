"""What a secret looks like in text the wizard shows, and how it is masked: one answer for every reader.

`check` masks the tokens of a command while parsing it (`mask_word`, `secret_name`), the doctor masks
the evidence it quotes from a log (`mask_text`), the app masks a refused paste it leaves in the input
(`mask_text`), and the hub masks what a server or library says back (`mask_text` with the tokens it
holds registered). A secret is found three ways:

- by name: a flag, an environment variable, a YAML key or a JSON key (at any depth, e.g. the `token`
  of `--hf-overrides '{"token": "..."}'`) named like an API key, token, secret or password;
- by shape: Hugging Face (`hf_...`), OpenAI-style (`sk-...`) and ModelScope (`ms-...`) tokens, an
  `Authorization: Bearer ...` header, the password of a `scheme://user:password@host` URL;
- by value: a token the wizard itself holds (`register`), wherever a server echoes it.

Masking keeps the text's form: a JSON value stays valid JSON, a quoted value keeps its quotes, so a
masked command still parses and a masked log line still reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

MASK = "***"

# Names that hold a secret whatever the value (normalised: lower case, runs of non-alphanumerics as "_").
_ALWAYS = re.compile(r"secret|passw(?:or)?d|(?:^|_)pwd$|api_?key|apikey|credential|private_?key|access_?key"
                     r"|authori[sz]ation|(?:^|_)auth(?:_|$)|^token$|(?:^|_)(?:hf|hub|access|auth|bearer|api|session)_token$"
                     r"|(?:^|_)session_id$")
# Names that hold a secret unless the value is plainly not one: `pad_token: "<pad>"`, `eos_token: 2` in a
# model's config overrides are tokenizer tokens; `HF_TOKEN=hf_...` is a credential.
_LIKELY = re.compile(r"(?:^|_)token$|(?:^|_)key$")
# Names that say where a secret is, not what it is: `--api-key-env MY_KEY` names a variable,
# `token_file` / `hf_token_path` a file; their values are shown (the wizard's own messages name them).
_POINTER = re.compile(r"_(?:env|var|variable|file|path)$")
_NOT_A_CREDENTIAL = re.compile(r"[<\[(].*|\d{1,12}|[-+]?\d*\.\d+|true|false|none|null|<set>|\*+", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"none|null|<set>|<hidden>|\*+", re.IGNORECASE)

# Secrets by shape, anywhere. An HF token is `hf_` and 34 letters with capitals; `hf_overrides` and a
# folder such as `/data/hf_cache2024` are not one.
_SHAPES = (
    re.compile(r"(?<![\w-])hf_(?=[A-Za-z0-9]*[A-Z])[A-Za-z0-9]{20,}(?![\w-])"),
    re.compile(r"(?<![\w-])api_org_[A-Za-z0-9]{8,}(?![\w-])"),
    re.compile(r"(?<![\w-])sk-[A-Za-z0-9_-]{16,}(?![\w-])"),
    re.compile(r"(?<![\w-])ms-[A-Za-z0-9-]{16,}(?![\w-])"),
)
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]{1,20}://[^\s/:@'\"]{1,200}:)([^\s/@'\"]{1,200})(?=@)", re.IGNORECASE)
_BEARER = re.compile(r"(?<![\w-])((?:Bearer|Basic)\s+)(?!\*\*\*)([A-Za-z0-9._~+/=:-]{4,})", re.IGNORECASE)
# `name=value`, `name: value`, `'name': 'value'`, `--name value`, `--name=value`, and a list after the
# name (`api_key=['k1', 'k2']`, `"api_key": ["k1"]`): the value is masked where the name is a secret's.
_PAIR = re.compile(
    r"""(?P<pre>(?<![\w.-])(?P<dash>--?)?(?P<q>['"]?)
        (?P<name>(?=[\w.-]{0,80}?(?i:key|token|secret|passw|pwd|auth|credential|session))[A-Za-z_][\w.-]{0,80})(?P=q)
        (?:(?P<sep>\s*[=:]\s*)|(?(dash)\s+|(?!)))
        (?P<scheme>(?:Bearer|Basic)\s+)?)
    (?P<value>\[[^\]\n]{0,2000}\]?|"[^"\n]{0,2000}"?|'[^'\n]{0,2000}'?|(?!--)[^\s'",;)}\]]{1,2000})""",
    re.VERBOSE)
_LIST_ITEM = re.compile(r"""("[^"]*"|'[^']*'|[^\s,'"\[\]]+)""")
# `--api-key k1 k2`: vLLM takes several keys; the words after the first, up to the next option, are keys too.
_MORE_KEYS = re.compile(r"(?i)((?<![\w-])--api[-_]key(?:=|\s+)" + re.escape(MASK) + r")((?:\s+(?!-)[^\s'\"]+)+)")

_registered: set[str] = set()


def register(value: str | None) -> None:
    """Remember a secret the wizard holds (a hub token) so `mask_text` removes it wherever it appears."""
    if value and len(value) >= 4:
        _registered.add(value)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def secret_name(name: str) -> bool:
    """True when a flag, environment variable or key of this name may hold a secret."""
    n = _norm(name)
    if _POINTER.search(n):
        return False
    return bool(_ALWAYS.search(n) or _LIKELY.search(n))


def secret_value(name: str, value: str) -> bool:
    """True when `value`, given under `name`, is a secret to mask."""
    n = _norm(name)
    text = value.strip().strip("'\"")
    if not text or _PLACEHOLDER.fullmatch(text):
        return False
    if _ALWAYS.search(n):
        return True
    return bool(_LIKELY.search(n)) and not _NOT_A_CREDENTIAL.fullmatch(text)


def _mask_quoted(value: str) -> str:
    """A value with its quotes kept: `"abc"` -> `"***"`."""
    if len(value) >= 2 and value[0] in "'\"" and value[-1] == value[0]:
        return value[0] + MASK + value[0]
    if value[:1] in "'\"":
        return value[0] + MASK
    return MASK


def _mask_list(value: str) -> str:
    return _LIST_ITEM.sub(lambda m: _mask_quoted(m.group(1)) if _PLACEHOLDER.fullmatch(m.group(1).strip("'\"")) is None
                          else m.group(1), value)


def _pair(m: re.Match[str]) -> str | None:
    """The masked pair, or None when it holds no secret."""
    name, value = m.group("name"), m.group("value")
    if not secret_name(name):
        return None
    if value.startswith("["):
        return m.group("pre") + _mask_list(value)
    if not secret_value(name, value):
        return None
    return m.group("pre") + _mask_quoted(value)


def _mask_pairs(text: str) -> str:
    # Scanned by hand, not `re.sub`: a pair that holds no secret must not swallow the next one
    # (`args: Namespace(api_key=[...])`), so the scan resumes right after its name.
    out: list[str] = []
    pos = 0
    while (m := _PAIR.search(text, pos)) is not None:
        masked = _pair(m)
        if masked is None:
            out.append(text[pos:m.end("pre")])
            pos = m.end("pre")
        else:
            out.append(text[pos:m.start()] + masked)
            pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def mask_shapes(text: str) -> str:
    """`text` with registered secrets and secret-shaped words masked (no names needed)."""
    for secret in _registered:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _SHAPES:
        text = pattern.sub(MASK, text)
    text = _URL_PASSWORD.sub(lambda m: m.group(1) + MASK, text)
    return _BEARER.sub(lambda m: m.group(1) + MASK, text)


def mask_text(text: str) -> str:
    """Free text (a log line, a pasted command, a server's answer) with every secret masked."""
    text = mask_shapes(text)
    text = _mask_pairs(text)
    return _MORE_KEYS.sub(lambda m: m.group(1) + re.sub(r"\S+", MASK, m.group(2)), text)


def mask_data(value: Any, name: str = "") -> Any:
    """A parsed JSON/YAML value with secrets masked at any depth (keys named like secrets, and shapes)."""
    if isinstance(value, dict):
        return {k: mask_data(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_data(v, name) for v in value]
    if isinstance(value, str):
        if name and secret_name(name) and secret_value(name, value):
            return MASK
        return mask_shapes(value)
    if name and isinstance(value, (int, float)) and not isinstance(value, bool) and _ALWAYS.search(_norm(name)):
        return MASK  # `password: 1234` in YAML is a number
    return value


def mask_json(text: str) -> str:
    """A JSON object or array (a flag's value such as `--hf-overrides`) with secrets masked; still valid
    JSON, and returned as written when it holds none. Text that is not JSON is masked as free text."""
    stripped = text.strip()
    if stripped[:1] not in "{[":
        return mask_text(text)
    try:
        data = json.loads(stripped)
        masked = mask_data(data)
        return text if masked == data else json.dumps(masked, ensure_ascii=False)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python recurses
        return mask_text(text)


def mask_word(word: str, *, flag: Callable[[str], bool] = secret_name) -> str:
    """One word of a command line (shell-split): a JSON value, `--name=value`, `NAME=value`, or a plain word."""
    stripped = word.lstrip()
    if stripped[:1] in "{[":
        return mask_json(word)
    name, eq, value = word.partition("=")
    if eq and re.fullmatch(r"-{0,2}[A-Za-z_][\w.-]*", name):
        if flag(name) and secret_value(name, value):
            return f"{name}={MASK}"
        return f"{name}={mask_word(value)}" if value else word
    return mask_shapes(word)
