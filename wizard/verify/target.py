"""Which server to verify, with which key and expectations: a URL, or the wizard's last launch.

A launch record gives the expectations only while its own vLLM process runs. The API key is read from the environment variable named by --api-key-env (else the one the launch
named, else VLLM_API_KEY); it is never taken from the command line and never printed. An error
about the variable does not echo what was typed either: people paste the key itself there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from wizard.errors import InputError
from wizard.i18n import localize, msg
from wizard.launch.detach import is_alive
from wizard.envvars import VLLM_API_KEY as API_KEY_ENV
from wizard.launch.records import LaunchRecord, latest_launch
from wizard.verify.expect import Expectations, from_record, launch_for_url, served_on_cpu
from wizard.verify.http import Endpoint
from wizard.verify.runner import VerifyTarget

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def target_for_record(record: LaunchRecord, api_key: str | None, model: str | None = None) -> VerifyTarget:
    """The server a launch record describes (the detached flow has the key in hand)."""
    return VerifyTarget(url=record.url, api_key=api_key, model=model,
                        expectations=from_record(record, served_on_cpu=served_on_cpu(record)))


def resolve_target(url: str | None, *, model: str | None = None, api_key_env: str | None = None,
                   env: Mapping[str, str] | None = None) -> VerifyTarget:
    """The target for `verify [URL] [--model] [--api-key-env]`; InputError (exit 2) for bad input."""
    env = os.environ if env is None else env
    if url is not None:
        try:
            Endpoint.parse(url)
        except ValueError as exc:
            raise InputError(localize(exc.args[0])) from None
        record = launch_for_url(url)
    else:
        record = latest_launch()
        if record is None:
            raise InputError(localize(msg("verify.input.no_launch")))
    key = _api_key(api_key_env, record, env)
    if record is not None and not is_alive(record):
        # The launch's process is gone: whatever answers at its URL now was not started from its plan.
        url, record = url or record.url, None
    if record is None:
        assert url is not None  # without a URL there was a launch record, or InputError above
        return VerifyTarget(url=url, api_key=key, model=model, expectations=Expectations())
    target = target_for_record(record, key, model)
    return target if url is None else VerifyTarget(url, key, model, target.expectations)


def _api_key(name: str | None, record: LaunchRecord | None, env: Mapping[str, str]) -> str | None:
    if name is not None:
        if not _ENV_NAME.match(name.strip()):
            raise InputError(localize(msg("verify.input.key_env_not_a_name")))
        value = env.get(name.strip(), "").strip()
        if not value:
            raise InputError(localize(msg("verify.input.key_env_unset")))
        return value
    for candidate in (record.api_key_env if record else None, API_KEY_ENV):
        value = env.get(candidate, "").strip() if candidate else ""
        if value:
            return value
    return None
