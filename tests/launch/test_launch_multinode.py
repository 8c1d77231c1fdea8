"""Ray commands, vLLM's native multi-node form and the LeaderWorkerSet manifest."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from wizard.launch.lws import build_lws
from wizard.launch.multinode import build_multinode
from wizard.launch.options import LaunchOptions

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "leaderworkerset-v1.schema.json").read_text())


@pytest.fixture(scope="module")
def two_node_plan(llama_folder):
    from wizard.hardware.catalog import catalog_hardware
    from wizard.model.local import inspect_local
    from wizard.planner.inputs import PlanRequest
    from wizard.planner.plan import make_plan

    return make_plan(PlanRequest(hardware=catalog_hardware("H100", count=4), model=inspect_local(llama_folder),
                                 vllm_version="0.28.0", nodes=2, rdma=False))


def test_ray_commands_match_the_plan(two_node_plan):
    launch = build_multinode(two_node_plan, head_ip="10.0.0.1", node_ip="10.0.0.2", ifname="eth1")
    assert launch.nodes == 2 and launch.gpus_per_node == 4
    assert launch.ray_head.argv[:3] == ("ray", "start", "--head") and "--num-gpus=4" in launch.ray_head.argv
    assert "--address=10.0.0.1:6379" in launch.ray_worker.argv
    for cmd, ip in ((launch.ray_head, "10.0.0.1"), (launch.ray_worker, "10.0.0.2")):
        assert cmd.env["VLLM_HOST_IP"] == ip
        assert cmd.env["NCCL_SOCKET_IFNAME"] == cmd.env["GLOO_SOCKET_IFNAME"] == "eth1"
        assert cmd.env["NCCL_IB_DISABLE"] == "1"
    serve = launch.serve.argv
    assert serve[serve.index("--distributed-executor-backend") + 1] == "ray"
    assert serve[serve.index("--pipeline-parallel-size") + 1] == "2"
    head, worker = launch.native
    assert "--headless" in worker.argv and "--distributed-executor-backend" not in head.argv


def test_placeholders_stay_expandable_and_secrets_stay_out(two_node_plan):
    secret = "sk-never-printed"
    launch = build_multinode(two_node_plan, LaunchOptions(host="0.0.0.0", api_key=secret))
    line = launch.ray_worker.shell_line()
    assert "--address=$HEAD_IP:6379" in line and "'" not in line
    assert secret not in launch.serve.shell_line() and launch.serve.env["VLLM_API_KEY"] == "$VLLM_API_KEY"


def test_no_native_form_before_it_existed(llama_folder, two_node_plan):
    old = two_node_plan.request.model_copy(update={"vllm_version": "0.10.1"})
    from wizard.planner.plan import make_plan

    assert build_multinode(make_plan(old)).native == ()


def test_lws_manifest_validates_against_the_schema(two_node_plan):
    lws, service = build_lws(two_node_plan, LaunchOptions(host="0.0.0.0", api_key="sk-x"), api_key_secret="vllm-key")
    jsonschema.validate(lws, SCHEMA)
    text = yaml.safe_dump_all([lws, service])
    assert "sk-x" not in text
    template = lws["spec"]["leaderWorkerTemplate"]
    assert template["size"] == 2
    for role in ("leaderTemplate", "workerTemplate"):
        spec = template[role]["spec"]
        (container,) = spec["containers"]
        assert container["resources"]["limits"]["nvidia.com/gpu"] == "4"
        volumes = {v["name"] for v in spec["volumes"]}
        assert {m["name"] for m in container["volumeMounts"]} <= volumes
        assert any(v.get("emptyDir", {}).get("medium") == "Memory" for v in spec["volumes"])
    leader = template["leaderTemplate"]["spec"]["containers"][0]
    assert leader["readinessProbe"]["httpGet"]["path"] == "/health"
    assert leader["startupProbe"]["failureThreshold"] * leader["startupProbe"]["periodSeconds"] >= 900
    assert "--distributed-executor-backend ray" in leader["command"][2]
    key = next(e for e in leader["env"] if e["name"] == "VLLM_API_KEY")
    assert key["valueFrom"]["secretKeyRef"]["name"] == "vllm-key"
    assert service["spec"]["selector"]["leaderworkerset.sigs.k8s.io/name"] == "vllm"


def test_schema_rejects_a_broken_manifest(two_node_plan):
    lws, _ = build_lws(two_node_plan)
    lws["spec"]["leaderWorkerTemplate"]["size"] = 0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(lws, SCHEMA)
    lws["spec"]["leaderWorkerTemplate"]["size"] = 2
    lws["spec"]["leaderWorkerTemplate"]["restartPolicy"] = "Sometimes"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(lws, SCHEMA)
