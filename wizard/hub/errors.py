"""What can go wrong talking to a hub, each as one sentence naming the model and the fix.

Every class is a WizardError (the CLI prints it on one line and exits 2; a cancelled download exits 130).
Messages are built here, in one place, so the CLI, `plan` and the UI say the same thing. No message
ever contains a token: `redact` scrubs any text that came from a server or a library before it is shown.
"""

from __future__ import annotations

import re

from wizard.errors import InputError, WizardError

GIB = 1 << 30


class HubError(InputError):
    """A hub refused or could not answer; the message says which input to change."""


class RepoNotFoundError(HubError):
    pass


class GatedRepoError(HubError):
    pass


class RevisionNotFoundError(HubError):
    pass


class TokenRejectedError(HubError):
    pass


class OfflineError(HubError):
    pass


class UnreachableError(HubError):
    pass


class HubServerError(HubError):
    pass


class RemoteFileMissingError(HubError):
    pass


class DiskSpaceError(HubError):
    def __init__(self, message: str, *, needed: int, free: int) -> None:
        super().__init__(message)
        self.needed = needed
        self.free = free


class IntegrityError(HubError):
    """A downloaded file does not match the size or sha256 the hub announced (it is deleted)."""


class DownloadFailedError(HubError):
    pass


class DownloadCancelledError(WizardError):
    exit_code = 130


def label(source: str, repo_id: str) -> str:
    """How a repo is named in messages: `org/name` on Hugging Face, `ms:org/name` on ModelScope."""
    return f"ms:{repo_id}" if source == "modelscope" else repo_id


def token_hint(source: str) -> str:
    return "set MODELSCOPE_API_TOKEN" if source == "modelscope" else "set HF_TOKEN (or run `hf auth login`)"


def endpoint_hint(source: str) -> str:
    if source == "modelscope":
        return "check the network or proxy, or point MODELSCOPE_ENDPOINT at a reachable ModelScope site"
    return "check the network or proxy, or use a mirror: HF_ENDPOINT=https://hf-mirror.com (or --hf-endpoint)"


def not_found(source: str, repo_id: str, endpoint: str, *, has_token: bool) -> RepoNotFoundError:
    if has_token:
        why = "or it is private and your token cannot read it"
    else:
        why = f"or it is private: {token_hint(source)}"
    return RepoNotFoundError(f"{label(source, repo_id)}: no such model on {endpoint} ({why}); check the id")


def gated(source: str, repo_id: str, endpoint: str, *, has_token: bool) -> GatedRepoError:
    page = f"{endpoint}/{repo_id}"
    if has_token:
        return GatedRepoError(f"{label(source, repo_id)} is gated and your token has no access yet: accept the "
                              f"licence at {page} with the account that owns the token, then retry")
    return GatedRepoError(f"{label(source, repo_id)} is gated: accept its licence at {page}, then "
                          f"{token_hint(source)} with a read token")


def revision_missing(source: str, repo_id: str, revision: str) -> RevisionNotFoundError:
    return RevisionNotFoundError(f"{label(source, repo_id)} has no revision {revision!r}: check --revision "
                                 "(a branch, a tag or a full commit hash)")


def token_rejected(source: str, endpoint: str, origin: str) -> TokenRejectedError:
    return TokenRejectedError(f"{endpoint} rejected the token from {origin} (invalid or expired): create a new "
                              f"read token, or unset it to use public models")


def offline(source: str, repo_id: str, cache: str, *, partial: str = "") -> OfflineError:
    where = "ModelScope" if source == "modelscope" else "Hugging Face"
    state = f"is only partly in the {where} cache ({partial})" if partial else f"is not in the {where} cache ({cache})"
    return OfflineError(f"{label(source, repo_id)} {state} and HF_HUB_OFFLINE=1 keeps the wizard off the network: "
                        "unset HF_HUB_OFFLINE, or download the model where there is network")


def unreachable(source: str, endpoint: str, reason: str) -> UnreachableError:
    return UnreachableError(f"cannot reach {endpoint} ({redact(reason)}): {endpoint_hint(source)}")


def server_error(source: str, endpoint: str, status: int, what: str) -> HubServerError:
    if status == 429:
        fix = "wait a minute" + ("" if source == "modelscope" else ", and set HF_TOKEN (anonymous limits are lower)")
        return HubServerError(f"{endpoint} is rate-limiting requests (HTTP 429) for {what}: {fix}")
    return HubServerError(f"{endpoint} answered HTTP {status} for {what}: try again later, or "
                          f"{endpoint_hint(source).split(', or ', 1)[-1]}")


def not_a_hub(source: str, endpoint: str, detail: str) -> HubServerError:
    var = "MODELSCOPE_ENDPOINT" if source == "modelscope" else "HF_ENDPOINT / --hf-endpoint"
    return HubServerError(f"{endpoint} does not answer like a {'ModelScope' if source == 'modelscope' else 'Hugging Face'} "
                          f"hub ({redact(detail)}): check {var}")


def gib(n: int) -> str:
    return f"{n / GIB:.2f} GiB"


def size_text(n: float) -> str:
    """Bytes in the largest binary unit that keeps the number >= 1 (sizes of small files read badly in GiB)."""
    for unit, scale in (("GiB", GIB), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(n) >= scale:
            return f"{n / scale:.2f} {unit}"
    return f"{int(n)} B"


_SECRETS: set[str] = set()
_TOKEN_PATTERNS = (
    re.compile(r"hf_[A-Za-z0-9]{10,}"),
    re.compile(r"(?i)(bearer\s+)[^\s'\"]+"),
    re.compile(r"(?i)(m_session_id=)[^;\s'\"]+"),
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)[^'\"\s,}]+"),
)


def register_secret(value: str | None) -> None:
    """Remember a token so `redact` removes it from any text shown later (server echoes included)."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def redact(text: object) -> str:
    out = str(text)
    for secret in _SECRETS:
        out = out.replace(secret, "***")
    for pattern in _TOKEN_PATTERNS:
        out = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "***", out)
    return out
