"""A real Ray head and worker started on 127.0.0.1 from the generated commands, checked with
`ray status`, then stopped. Needs the `ray` CLI (CI's ray stage installs it into .venv-ray; point
VLLM_WIZARD_RAY at another one); skipped with the reason otherwise."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.ray
ROOT = Path(__file__).resolve().parents[2]


def ray_executable() -> str | None:
    for candidate in (os.environ.get("VLLM_WIZARD_RAY"), str(ROOT / ".venv-ray" / "bin" / "ray")):
        if candidate and Path(candidate).is_file():
            return candidate
    return shutil.which("ray")


RAY = ray_executable()


@pytest.mark.skipif(RAY is None, reason="no `ray` CLI: run .ci/ray-stage or set VLLM_WIZARD_RAY=/path/to/ray")
def test_generated_commands_form_the_planned_cluster(llama_folder, tmp_path):
    from wizard.hardware.catalog import catalog_hardware
    from wizard.launch.multinode import build_multinode
    from wizard.model.local import inspect_local
    from wizard.planner.inputs import PlanRequest
    from wizard.planner.plan import make_plan

    plan = make_plan(PlanRequest(hardware=catalog_hardware("L4", count=2), model=inspect_local(llama_folder),
                                 vllm_version="0.28.0", nodes=2))
    launch = build_multinode(plan, head_ip="127.0.0.1", node_ip="127.0.0.1", ifname="lo")
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}

    def run(cmd, timeout=120):
        argv = [RAY, *cmd.argv[1:]]
        return subprocess.run(argv, env={**env, **cmd.env}, capture_output=True, text=True, timeout=timeout)

    try:
        head = run(launch.ray_head)
        assert head.returncode == 0, head.stderr[-2000:]
        worker = run(launch.ray_worker)
        assert worker.returncode == 0, worker.stderr[-2000:]
        expected_gpus = launch.nodes * launch.gpus_per_node
        status = ""
        for _ in range(30):  # the worker registers asynchronously
            status = subprocess.run([RAY, "status", "--address=127.0.0.1:6379"], env=env, capture_output=True,
                                    text=True, timeout=60).stdout
            active = status.split("Active:")[-1].split("Pending:")[0]
            if len(re.findall(r"node_[0-9a-f]+", active)) == launch.nodes:
                break
            time.sleep(2)
        assert len(re.findall(r"node_[0-9a-f]+", active)) == launch.nodes, status
        assert re.search(rf"/{expected_gpus}\.0 GPU", status), status
    finally:
        subprocess.run([RAY, "stop", "--force"], env=env, capture_output=True, timeout=120)
