"""What can go wrong talking to a hub, each as one sentence naming the model and the fix.

Every class is a WizardError (the CLI prints it on one line and exits 2; a cancelled download exits 130).
Messages are built here, in one place, so the CLI, `plan` and the UI say the same thing. No message
ever contains a token: `redact` scrubs any text that came from a server or a library before it is shown.
"""

from __future__ import annotations


from wizard.errors import InputError, WizardError
from wizard.i18n import Message, msg
from wizard.redact import mask_text, register

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


def token_hint(source: str) -> Message:
    return msg("hub.hint.token_ms") if source == "modelscope" else msg("hub.hint.token_hf")


def endpoint_hint(source: str) -> Message:
    return msg("hub.hint.endpoint_ms") if source == "modelscope" else msg("hub.hint.endpoint_hf")


def not_found(source: str, repo_id: str, endpoint: str, *, has_token: bool) -> RepoNotFoundError:
    if has_token:
        why = msg("hub.error.not_found_private")
    else:
        why = msg("hub.error.not_found_token", hint=token_hint(source))
    return RepoNotFoundError(msg("hub.error.not_found", repo=label(source, repo_id), endpoint=endpoint, why=why))


def gated(source: str, repo_id: str, endpoint: str, *, has_token: bool) -> GatedRepoError:
    page = f"{endpoint}/{repo_id}"
    if has_token:
        return GatedRepoError(msg("hub.error.gated_no_access", repo=label(source, repo_id), page=page))
    return GatedRepoError(msg("hub.error.gated", repo=label(source, repo_id), page=page, hint=token_hint(source)))


def revision_missing(source: str, repo_id: str, revision: str) -> RevisionNotFoundError:
    return RevisionNotFoundError(msg("hub.error.revision_missing", repo=label(source, repo_id), revision=revision))


def token_rejected(source: str, endpoint: str, origin: str) -> TokenRejectedError:
    return TokenRejectedError(msg("hub.error.token_rejected", endpoint=endpoint, origin=origin))


def offline(source: str, repo_id: str, cache: str, *, partial: str = "") -> OfflineError:
    where = "ModelScope" if source == "modelscope" else "Hugging Face"
    if partial:
        return OfflineError(msg("hub.error.offline_partial", repo=label(source, repo_id), where=where, partial=partial))
    return OfflineError(msg("hub.error.offline", repo=label(source, repo_id), where=where, cache=cache))


def unreachable(source: str, endpoint: str, reason: str) -> UnreachableError:
    reason = reason if isinstance(reason, Message) else redact(reason)  # a Message is the wizard's own words
    return UnreachableError(msg("hub.error.unreachable", endpoint=endpoint, reason=reason,
                                hint=endpoint_hint(source)))


def server_error(source: str, endpoint: str, status: int, what: str) -> HubServerError:
    if status == 429:
        key = "hub.error.rate_limited_ms" if source == "modelscope" else "hub.error.rate_limited_hf"
        return HubServerError(msg(key, endpoint=endpoint, what=what))
    hint = msg("hub.hint.mirror_ms") if source == "modelscope" else msg("hub.hint.mirror_hf")
    return HubServerError(msg("hub.error.server", endpoint=endpoint, status=status, what=what, hint=hint))


def not_a_hub(source: str, endpoint: str, detail: str) -> HubServerError:
    var = "MODELSCOPE_ENDPOINT" if source == "modelscope" else "HF_ENDPOINT / --hf-endpoint"
    kind = "ModelScope" if source == "modelscope" else "Hugging Face"
    detail = detail if isinstance(detail, Message) else redact(detail)  # a Message is the wizard's own words
    return HubServerError(msg("hub.error.not_a_hub", endpoint=endpoint, kind=kind, detail=detail, var=var))


def gib(n: int) -> str:
    return f"{n / GIB:.2f} GiB"


def size_text(n: float) -> str:
    """Bytes in the largest binary unit that keeps the number >= 1 (sizes of small files read badly in GiB)."""
    for unit, scale in (("GiB", GIB), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(n) >= scale:
            return f"{n / scale:.2f} {unit}"
    return f"{int(n)} B"


def register_secret(value: str | None) -> None:
    """Remember a token so `redact` removes it from any text shown later (server echoes included)."""
    register(value)


def redact(text: object) -> str:
    """Text from a server or library, with every secret masked (`wizard.redact`)."""
    return mask_text(str(text))
