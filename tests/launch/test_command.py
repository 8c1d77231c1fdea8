"""The launch command: exposure flags, and the API key only in the child's environment."""

import json

import pytest
from pydantic import ValidationError

from wizard.launch.command import SECRET_MARK, build_command
from wizard.launch.options import LaunchOptions


@pytest.fixture
def plan(llama_folder):
    from wizard.hardware.catalog import catalog_hardware
    from wizard.model.local import inspect_local
    from wizard.planner.inputs import PlanRequest
    from wizard.planner.plan import make_plan

    return make_plan(PlanRequest(hardware=catalog_hardware("L40S"), model=inspect_local(llama_folder),
                                 vllm_version="0.28.0"))


def test_defaults_bind_localhost(plan):
    cmd = build_command(plan)
    assert cmd.argv[:2] == ("vllm", "serve")
    assert cmd.argv[cmd.argv.index("--host") + 1] == "127.0.0.1"
    assert cmd.argv[cmd.argv.index("--port") + 1] == "8000"
    assert LaunchOptions().loopback_only and not LaunchOptions().all_interfaces


def test_api_key_never_in_argv_or_display(plan):
    secret = "sk-very-secret-123"
    cmd = build_command(plan, LaunchOptions(host="0.0.0.0", api_key=secret, served_model_name="llama"))
    assert cmd.env["VLLM_API_KEY"] == secret
    assert all(secret not in a for a in cmd.argv)
    assert secret not in cmd.shell_line() and "VLLM_API_KEY=" + SECRET_MARK in cmd.shell_line()
    assert secret not in json.dumps(cmd.display_env())
    assert secret not in repr(LaunchOptions(api_key=secret)) and secret not in repr(cmd)
    assert "--served-model-name" in cmd.argv


@pytest.mark.parametrize("host", ["example.com", "300.1.1.1", "0.0.0.0.0"])
def test_bad_host_is_refused(host):
    with pytest.raises(ValidationError):
        LaunchOptions(host=host)
