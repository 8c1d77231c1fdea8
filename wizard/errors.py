"""Errors the headless core raises for the user to read.

Every error a user can cause carries one plain sentence naming the input and the fix; the CLI prints
it on one line and exits with `exit_code`. Anything else reaching the CLI is a bug in vllm-wizard.
"""

from __future__ import annotations


class WizardError(Exception):
    """An error with a message meant for the user, not a traceback."""

    exit_code: int = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(WizardError):
    """Bad input: an unreadable model folder, a malformed file, an unknown GPU name, a bad --set."""

    exit_code = 2


class ModelFileError(InputError):
    """A file inside a model folder is malformed or hostile; the message names the file."""

    def __init__(self, path: object, problem: str) -> None:
        from wizard.i18n import msg  # noqa: PLC0415 - keeps the message catalog out of `--help`

        super().__init__(msg("model.error.file", path=str(path), problem=problem))
        self.path = str(path)
        self.problem = problem
