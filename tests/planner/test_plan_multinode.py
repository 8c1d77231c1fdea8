"""Multi-node planning: TP inside a node, PP across nodes, per-rank memory, network warnings."""

import json

from factories import gpu, hardware, llama31_8b

from wizard.planner.inputs import PlanRequest
from wizard.planner.plan import make_plan
from wizard.planner.weights import pp_layer_split


def plan(nodes, per_node=8, model=None, version="0.28.0", rdma=None, **pins):
    hw = hardware(*(gpu(i) for i in range(per_node)), source="nvml")
    return make_plan(PlanRequest(hardware=hw, model=model or llama31_8b(), vllm_version=version, nodes=nodes,
                                 rdma=rdma, pinned=pins))


def test_standard_shape_tp_inside_pp_across():
    p = plan(2)
    assert (p.settings.tensor_parallel_size, p.settings.pipeline_parallel_size) == (8, 2)
    assert "inside each node" in p.reasons["tensor_parallel_size"]
    assert len(p.ranks) == 16
    assert p.argv[-2:] == ("--distributed-executor-backend", "ray")
    assert p.env["CUDA_VISIBLE_DEVICES"] == "0,1,2,3,4,5,6,7"
    data = p.contract()
    assert data["multinode"] == {"nodes": 2, "gpus_per_node": 8, "tensor_parallel_size": 8,
                                 "pipeline_parallel_size": 2, "ranks_per_node": 8, "rdma": None}
    json.dumps(data)


def test_heads_that_do_not_split_move_the_rest_to_pipeline():
    model = llama31_8b(arch=llama31_8b().arch.model_copy(update={"num_attention_heads": 20, "head_dim": 128}))
    p = plan(2, model=model)
    assert (p.settings.tensor_parallel_size, p.settings.pipeline_parallel_size) == (4, 4)
    assert "20 attention heads do not split over 8 GPUs" in p.reasons["tensor_parallel_size"]


def test_uneven_layer_split_makes_the_heavier_stage_the_worst_rank():
    assert pp_layer_split(32, 3) == [11, 11, 10]
    p = plan(3, per_node=1)  # 3 nodes × 1 GPU: PP 3 over 32 layers
    assert p.settings.pipeline_parallel_size == 3
    stage_weights = [r.weights for r in p.ranks]
    # Stage 0 holds 11 layers + the embedding, the last 10 layers + lm_head: all differ.
    assert len(set(stage_weights)) == 3
    assert p.worst.num_blocks == min(r.num_blocks for r in p.ranks)


def test_network_warnings():
    codes = {w.code for w in plan(2).warnings}
    assert "no_rdma" in codes
    assert "no_rdma" not in {w.code for w in plan(2, rdma=True).warnings}
    across = plan(2, tensor_parallel_size=16, pipeline_parallel_size=1)
    assert "tp_across_nodes" in {w.code for w in across.warnings}


def test_plan_cli_shows_ray_commands(llama_folder, cli_env):
    from support import run_cli

    result = run_cli("plan", str(llama_folder), "--gpu", "H100", "--gpu-count", "8", "--nodes", "2",
                     "--vllm-version", "0.28.0", env=cli_env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "ray start --head --port=6379" in out and "--address=$HEAD_IP:6379" in out
    assert "--distributed-executor-backend ray" in out and "--nnodes 2" in out
    bad = run_cli("plan", str(llama_folder), "--gpu", "H100", "--nodes", "0", env=cli_env)
    assert bad.returncode == 2 and "--nodes" in bad.stderr


def test_offload_on_several_nodes_counts_each_rank_once():
    """tp × pp already spans the nodes: the offload is checked against the weights once per rank, and
    against each host's RAM for that host's ranks only."""
    from types import SimpleNamespace

    from wizard.planner.candidates import host_budget
    from wizard.planner.search import _Search
    from wizard.planner.settings import Settings

    gib = 1 << 30
    model = llama31_8b()
    hw = hardware(*(gpu(i) for i in range(2)), source="nvml")
    offload = 3.0  # GiB per rank: 4 ranks (TP 2 × PP 2 over 2 nodes) offload 12 GiB of ~15 GiB of weights
    assert 4 * offload * gib < model.weights.total_bytes < 8 * offload * gib
    pred = SimpleNamespace(settings=Settings(tensor_parallel_size=2, pipeline_parallel_size=2, cpu_offload_gb=offload))
    unknown_ram = PlanRequest(hardware=hw, model=model, vllm_version="0.28.0", nodes=2)
    chosen = SimpleNamespace(pinned=frozenset())  # offload the chooser picked, not a pin
    assert _Search(unknown_ram)._host_ok(pred, chosen)
    host = next(n * gib for n in range(1, 256) if (host_budget(n * gib) or 0) >= 2 * offload * gib)
    assert (host_budget(host) or 0) < 4 * offload * gib  # room for one host's two ranks, not for all four
    assert _Search(unknown_ram.model_copy(update={"host_memory_bytes": host}))._host_ok(pred, chosen)
