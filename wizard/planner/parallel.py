"""Which tensor × pipeline parallel shapes to try, fewest GPUs first."""

from __future__ import annotations

from wizard.model.facts import ModelFacts
from wizard.i18n import msg


def candidates(model: ModelFacts, n_gpus: int, pinned: dict) -> list[tuple[int, int]]:
    """(tp, pp) pairs in the order the planner tries them.

    TP must divide the attention heads; when it cannot, pipeline parallel takes the remaining
    factor (the standard shape: TP inside, PP across). Pinned sizes are the only candidates.
    """
    heads = model.arch.num_attention_heads
    tp_pin, pp_pin = pinned.get("tensor_parallel_size"), pinned.get("pipeline_parallel_size")
    if tp_pin and pp_pin:
        return [(tp_pin, pp_pin)]
    out: list[tuple[int, int]] = []
    for n in range(1, n_gpus + 1):
        if tp_pin:
            if n % tp_pin == 0:
                out.append((tp_pin, n // tp_pin))
            continue
        if pp_pin:
            if n % pp_pin == 0:
                out.append((n // pp_pin, pp_pin))
            continue
        shapes = [(tp, n // tp) for tp in range(n, 0, -1) if n % tp == 0 and heads % tp == 0 and _kv_fits(model, tp)]
        shapes = [s for s in shapes if s[1] <= max(1, model.arch.num_layers)]
        if shapes:
            out.append(shapes[0])  # the largest TP that divides the heads; PP covers the rest
    return out or [(tp_pin or 1, pp_pin or 1)]


def _kv_fits(model: ModelFacts, tp: int) -> bool:
    """KV heads split evenly (kv % tp == 0) or replicate evenly (tp % kv == 0); MLA has one latent."""
    kv = max(1, model.arch.num_kv_heads)
    return model.arch.mla is not None or kv % tp == 0 or tp % kv == 0


def describe(tp: int, pp: int, heads: int, fewest: bool) -> str:
    if tp == 1 and pp == 1:
        return msg("planner.parallel.none")
    why = msg("planner.parallel.why_fewest") if fewest else msg("planner.parallel.why_all")
    if pp == 1:
        return msg("planner.parallel.tp", tp=tp, heads=heads, why=why)
    if tp == 1:
        return msg("planner.parallel.pp", heads=heads, pp=pp, why=why)
    return msg("planner.parallel.tp_pp", tp=tp, heads=heads, pp=pp, why=why)


def multinode_candidates(model: ModelFacts, nodes: int, per_node: int, pinned: dict) -> list[tuple[int, int]]:
    """Shapes that use every GPU of every node: TP inside a node, PP across (and inside) nodes.

    TP is the largest size that divides both the GPUs per node and the attention heads, so its
    all-reduces never cross the network; pipeline stages take the rest (activations only cross).
    """
    total = nodes * per_node
    tp_pin, pp_pin = pinned.get("tensor_parallel_size"), pinned.get("pipeline_parallel_size")
    if tp_pin and pp_pin:
        return [(tp_pin, pp_pin)]
    if tp_pin:
        return [(tp_pin, max(1, total // tp_pin))]
    if pp_pin:
        return [(max(1, total // pp_pin), pp_pin)]
    heads, layers = model.arch.num_attention_heads, max(1, model.arch.num_layers)
    shapes = [(tp, total // tp) for tp in range(per_node, 0, -1)
              if per_node % tp == 0 and heads % tp == 0 and _kv_fits(model, tp) and total // tp <= layers]
    return shapes[:1] or [(1, min(total, layers))]


def describe_multinode(tp: int, pp: int, heads: int, nodes: int, per_node: int) -> str:
    if tp == per_node:
        return msg("planner.parallel.nodes", tp=tp, pp=pp, nodes=nodes)
    return msg("planner.parallel.nodes_split", heads=heads, per_node=per_node, tp=tp, pp=pp, nodes=nodes)
