"""The chooser's search: enumerate candidate settings, predict each, drop the failing ones, rank.

Stages of rising cost (wizard.planner.candidates) run over every shape at once; the search stops
at the first stage where some candidate meets the goals (stages 0 and 1 count as one: raising the
utilization is free), so a cheaper remedy on more GPUs always
beats a costlier one on fewer. Within a stage, wizard.planner.rank orders the survivors by the
user's priority with the performance model. Pins are never changed: every variant goes through
Draft.choose, which leaves pinned settings alone.

Cost: one prediction (~0.5 ms) per candidate and one performance estimate per surviving
candidate; shapes are capped at a handful and stages stop early, so a plan stays in tens of ms.
"""

from __future__ import annotations

import dataclasses
import math

from wizard.hardware.facts import GpuFacts
from wizard.i18n import msg
from wizard.perf import build_inputs, estimate
from wizard.planner import candidates as cand
from wizard.planner import checks, parallel
from wizard.planner.choose import (
    Draft,
    _base,
    _kv_short,
    _len_for_concurrency,
    _round_len,
    _settle,
    follow_engine,
    max_util_for_free,
    select_gpus,
    set_len,
    target_len,
)
from wizard.planner.input_rules import bnb_needs_load_format
from wizard.planner.inputs import PlanRequest
from wizard.planner.predict import Failure, Prediction, predict
from wizard.planner.rank import Scored, describe_figure, order, rank_concurrency
from wizard.planner.utilization import UTIL_CEILING
from wizard.planner.versions import VllmVersion

GIB = 1 << 30
# Offload is "extreme" (and a 4-bit load is offered instead) past this share of a GPU's weights.
EXTREME_SHARE = 0.5
# Below this many tokens per request a plan is not worth serving: quantize or offload instead.
MIN_USEFUL_LEN = 1024


class _Search:
    def __init__(self, request: PlanRequest) -> None:
        self.request = request
        # The release, with what the server's start-up context changes in it (VLLM_USE_V1, nodes, FlashInfer).
        self.version = VllmVersion.parse(request.vllm_version).with_startup(
            env=request.vllm_env, nodes=request.nodes, flashinfer=request.flashinfer)
        self.gpus = select_gpus(request)
        self.model = request.model
        self.host_limit = cand.host_budget(request.host_memory_bytes)
        self.evaluated: list[Scored] = []
        self.failing: list[tuple[Prediction, Draft, int]] = []

    # -- evaluation -------------------------------------------------------------------------
    def predict(self, d: Draft) -> Prediction:
        return predict(self.model, self.gpus, d.settings(), self.version, self.request.measured,
                       draft=self.request.draft_model)

    def evaluate(self, d: Draft, stage: int) -> tuple[Prediction, Draft]:
        d = follow_engine(d, self.request, self.gpus, self.version)
        pred = self.predict(d)
        pred, d = _settle(pred, d, self.request, self.gpus, self.version)
        if pred.ok and self._host_ok(pred, d):
            self.evaluated.append(self._score(pred, d, stage))
        elif not pred.ok:
            self.failing.append((pred, d, stage))
        return pred, d

    def _host_ok(self, pred: Prediction, d: Draft) -> bool:
        s = pred.settings
        if not s.cpu_offload_gb or "cpu_offload_gb" in d.pinned:
            return True  # a pinned offload is judged as given, never dropped (the plan warns instead)
        ranks = s.tensor_parallel_size * s.pipeline_parallel_size  # every rank, over all the nodes
        total = s.cpu_offload_gb * GIB * ranks
        if total > self.model.weights.total_bytes:
            return False
        return self.host_limit is None or total / self.request.nodes <= self.host_limit  # each host its own ranks

    def _score(self, pred: Prediction, d: Draft, stage: int) -> Scored:
        s = pred.settings
        req = self.request
        c = Scored(pred, d, stage)
        c.meets_context = pred.ok and s.max_model_len >= self.target(pred)
        c.meets_concurrency = pred.ok and not (req.goals.concurrency and pred.concurrency < req.goals.concurrency)
        used = self.gpus[: s.tensor_parallel_size * s.pipeline_parallel_size]
        try:
            inputs = build_inputs(self.model, req.hardware, used, s, self.version, nodes=req.nodes)
            c.perf = estimate(inputs, concurrency=rank_concurrency(pred, req),
                              prompt_tokens=max(1, min(req.goals.context or 2048, s.max_model_len)))
        except (KeyError, ValueError, ZeroDivisionError):  # a figure the model cannot form: rank without it
            c.perf = None
        c.extreme = bool(s.cpu_offload_gb) and s.cpu_offload_gb * GIB > EXTREME_SHARE * (
            pred.worst.weights + s.cpu_offload_gb * GIB)
        return c

    # -- stages -----------------------------------------------------------------------------
    def run(self) -> tuple[Prediction, Draft]:
        req = self.request
        if req.nodes > 1:
            shapes = parallel.multinode_candidates(self.model, req.nodes, len(self.gpus) // req.nodes, req.pinned)
        else:
            shapes = cand.shapes(self.model, req.hardware, self.gpus, req.pinned)
        frontier: dict[tuple[int, int], tuple[Prediction, Draft]] = {}
        for shape in shapes:
            d = _base(req, self.gpus, self.version, *shape)
            frontier[shape] = self.evaluate(d, 0)
        lossless = dict(frontier)
        # Weights that exceed a GPU's free memory: no KV remedy helps; only stage 4 can.
        kv_shapes = [sh for sh in shapes if not _weights_too_big(frontier[sh][0])]
        for stage, step in ((1, self._free), (2, self._fp8_kv), (3, self._slower)):
            for shape in kv_shapes:
                pred, d = frontier[shape]
                for nd in step(pred, d):
                    p2, d2 = self.evaluate(nd, stage)
                    if _better_base(p2, frontier[shape][0]):
                        frontier[shape] = (p2, d2)
            # Stage 1 costs nothing (utilization the free memory allows), so stages 0 and 1 compete
            # as one: a faster shape that needs it beats a slower one that does not.
            if self._met():
                return self._finish()
            if stage == 1:
                lossless = dict(frontier)
        if not self._usable():
            # Quantizing or offloading on fewer GPUs than the most a shape can use is never better.
            most = max(a * b for a, b in shapes)
            for shape in [sh for sh in shapes if sh[0] * sh[1] == most]:
                pred, d = lossless[shape]
                for nd in self._weights(pred, d):
                    self.evaluate(nd, 4)
        return self._finish()

    def _usable(self) -> bool:
        """Something starts with a context worth serving (or will, once capped to what fits)."""
        if any(c.pred.settings.max_model_len >= min(MIN_USEFUL_LEN, self.target(c.pred)) for c in self.evaluated):
            return True
        return any(_kv_short(p) and p.max_fitting_len >= MIN_USEFUL_LEN and "max_model_len" not in d.pinned
                   for p, d, _ in self.failing)

    def _met(self) -> bool:
        return any(c.meets for c in self.evaluated)

    def _free(self, pred: Prediction, d: Draft):
        if not self._short_of_goals(pred):
            return
        tp, pp = d.values["tensor_parallel_size"], d.values["pipeline_parallel_size"]
        chosen = self.gpus[: tp * pp]
        cap = min(UTIL_CEILING, max_util_for_free(chosen, self.version, tp, pp, pred.worst.cuda_graph))
        if d.values["gpu_memory_utilization"] < cap:
            d = d.copy()
            if d.choose("gpu_memory_utilization", cap, msg("chooser.util.raised", util=cap)):
                yield d

    def _fp8_kv(self, pred: Prediction, d: Draft):
        if not self._short_of_goals(pred):
            return
        if "fp8" not in self.version.kv_cache_dtypes or d.values["kv_cache_dtype"] != "auto":
            return
        d = d.copy()
        if d.choose("kv_cache_dtype", "fp8", msg("chooser.kv.fp8")):
            d.warnings.append(("fp8_kv_quality", msg("chooser.warn.fp8_kv_quality")))
            yield d

    def _slower(self, pred: Prediction, d: Draft):
        if not self._short_of_goals(pred):
            return
        goal_seqs = max(16, self.request.goals.concurrency or 16)
        if d.values["max_num_seqs"] > goal_seqs:
            d = d.copy()
            if d.choose("max_num_seqs", goal_seqs, msg("chooser.seqs.fewer", seqs=goal_seqs)):
                yield d
        if self.version.subtracts_cuda_graphs and not d.values["enforce_eager"]:
            d = d.copy()
            if d.choose("enforce_eager", True, msg("chooser.eager.on")):
                yield d

    def target(self, pred: Prediction) -> int:
        """The context a candidate must reach: a pinned max-model-len, else the goal or the priority's."""
        pinned = self.request.pinned.get("max_model_len")
        return pinned if pinned else target_len(self.request, pred.derived_max_len)

    def _short_of_goals(self, pred: Prediction) -> bool:
        """Worth a remedy: failing for memory, or starting short of the goals."""
        goals = self.request.goals
        if not pred.ok:
            return _memory_only(pred)
        if pred.settings.max_model_len < self.target(pred):
            return True
        return bool(goals.concurrency and pred.concurrency < goals.concurrency)

    def _weights(self, pred: Prediction, d: Draft):
        """Online quantization, then CPU offload (within the checkpoint and host RAM)."""
        w = pred.worst
        if not _memory_only(pred) or w.weights <= 0.8 * UTIL_CEILING * w.total:
            return  # the weights do not crowd out the KV cache: never a fix for a pin set too low
        cc = self.gpus[0].cc_tuple
        options: list[str | None] = [None]
        if self.model.quantization is None and "quantization" not in d.pinned:
            if cc and cc >= (8, 0):
                options.append("fp8")
            if self.version.has_bitsandbytes and cc and cc >= (7, 0):
                options.append("bitsandbytes")
        want = min(target_len(self.request, pred.derived_max_len), 8192)
        for q in options:
            trial = d.copy()
            if not self.request.goals.context and d.values["max_model_len"] > want:
                # Weights that barely fit leave little KV cache: plan a modest context, not the trained one.
                set_len(trial, want, msg("chooser.len.weights_bound", length=want), self.request, self.gpus,
                        self.version)
            if q == "fp8":
                trial.choose("quantization", "fp8", msg("chooser.quant.fp8"))
                trial.warnings.append(("online_fp8", msg("chooser.warn.online_fp8")))
            elif q == "bitsandbytes":
                trial.choose("quantization", "bitsandbytes", msg("chooser.quant.bnb"))
                if bnb_needs_load_format(self.version):
                    trial.choose("load_format", "bitsandbytes", msg("inputs.reason_bnb_load_format",
                                                                    version=str(self.version)))
                trial.warnings.append(("online_bnb", msg("chooser.warn.online_bnb")))
            p = self.predict(trial)
            if q:
                yield trial  # evaluated even when KV-short: capping its context may beat offloading
                if p.ok:
                    continue
            yield from self._offload(p, trial)

    def _offload(self, pred: Prediction, d: Draft):
        if "cpu_offload_gb" in d.pinned:
            return
        w = pred.worst
        s = pred.settings
        want_len = min(target_len(self.request, pred.derived_max_len), 8192)
        kv_need = int(pred.layout.bytes_per_token * want_len)
        graphs = w.cuda_graph if self.version.subtracts_cuda_graphs else 0
        budget = min(w.requested, w.total - w.others - w.context)
        short = w.weights + w.activation + w.non_torch + graphs + kv_need + GIB // 2 - budget
        ranks = s.tensor_parallel_size * s.pipeline_parallel_size  # every rank, over all the nodes
        per_gpu_max = self.model.weights.total_bytes / max(1, ranks)
        per_host = math.ceil(ranks / self.request.nodes)  # the host RAM limit is each node's own
        for gb in cand.offload_steps(short, per_gpu_max, per_host, self.host_limit):
            trial = d.copy()
            if trial.choose("cpu_offload_gb", gb, msg("chooser.offload.reason", gb=gb)):
                yield trial

    # -- the choice -------------------------------------------------------------------------
    def _finish(self) -> tuple[Prediction, Draft]:
        pool = list(self.evaluated)
        if not any(c.meets_context for c in pool):
            pool += self._capped()
        if not pool:
            return self._nothing_fits()
        ranked = order(pool, self.request)
        best = ranked[0]
        pred, d = best.pred, best.draft
        self._explain(best, ranked)
        if self.request.goals.context and pred.settings.max_model_len < min(
                self.request.goals.context, pred.derived_max_len):
            cc = self.gpus[0].cc_tuple
            if pred.settings.kv_cache_dtype == "auto" and "fp8" not in self.version.kv_cache_dtypes:
                d.choose("kv_cache_dtype", "auto", msg("chooser.kv.no_fp8_release", version=str(self.version)))
            elif pred.settings.kv_cache_dtype == "auto" and cc is not None and cc < (8, 0):
                d.choose("kv_cache_dtype", "auto", msg("chooser.kv.no_fp8_gpu", cc=f"{cc[0]}.{cc[1]}"))
            d.warnings.append(("goal_context_unmet", msg(
                "chooser.warn.context_unmet", got=pred.settings.max_model_len, want=self.request.goals.context,
                fit=pred.max_fitting_len)))
        goal_c = self.request.goals.concurrency
        if goal_c and pred.ok and pred.concurrency < goal_c:
            d.warnings.append(("goal_concurrency_unmet", msg(
                "chooser.warn.concurrency_unmet", got=pred.concurrency, length=pred.settings.max_model_len,
                want=goal_c)))
        if pred.settings.cpu_offload_gb and not any(c == "cpu_offload_slow" for c, _ in d.warnings):
            single = best.perf.decode_single if best.perf else None
            d.choose("cpu_offload_gb", pred.settings.cpu_offload_gb, msg(
                "chooser.offload.reason_speed", gb=pred.settings.cpu_offload_gb, speed=_speed(single),
                host=(self.host_limit or 0) / GIB) if self.host_limit is not None else msg(
                "chooser.offload.reason_speed_unknown_host", gb=pred.settings.cpu_offload_gb, speed=_speed(single)))
            d.warnings.append(("cpu_offload_slow", msg(
                "chooser.warn.offload", gb=pred.settings.cpu_offload_gb,
                speed=_speed(single))))
        return pred, d

    def _capped(self) -> list[Scored]:
        """KV-short candidates with max-model-len capped to what fits (the goal then goes unmet)."""
        out: list[Scored] = []
        short = [f for f in self.failing if _kv_short(f[0]) and f[0].max_fitting_len >= 16]
        short.sort(key=lambda f: (-f[0].max_fitting_len, f[2]))
        for pred, d, stage in short[:4]:
            length = _round_len(pred.max_fitting_len)
            if self.request.goals.concurrency:
                length = _len_for_concurrency(pred, self.request, self.gpus, self.version, d) or length
            trial = d.copy()
            if not set_len(trial, length, msg("chooser.len.capped", length=length, fit=pred.max_fitting_len),
                           self.request, self.gpus, self.version):
                continue
            p = self.predict(trial)
            if p.ok and self._host_ok(p, trial):
                out.append(self._score(p, trial, stage))
        return out

    def _explain(self, best: Scored, ranked: list[Scored]) -> None:
        """The shape's reason: what it is, its predicted figure, and why not every GPU if fewer."""
        req, d = self.request, best.draft
        s = best.pred.settings
        tp, pp = s.tensor_parallel_size, s.pipeline_parallel_size
        heads = self.model.arch.num_attention_heads
        total = len(self.gpus)
        if req.nodes > 1:
            why = parallel.describe_multinode(tp, pp, heads, req.nodes, total // req.nodes)
        else:
            groups = cand.tp_groups_p2p(req.hardware, self.gpus, tp, pp) is True and \
                req.hardware.all_pairs_p2p([g.index for g in self.gpus[: tp * pp]]) is False
            why = cand.describe_shape(tp, pp, heads, tp * pp, total, groups)
            kind, value = describe_figure(best, req.goals.priority)
            if value is not None:
                why = msg("chooser.shape.with_figure", shape=why, figure=_figure(kind, value, best))
            tp_rival = next((c for c in ranked if c.pred.settings.tensor_parallel_size == pp
                             and c.pred.settings.pipeline_parallel_size == 1), None) if tp == 1 < pp else None
            if tp_rival is not None:
                # The heads would have split: pipeline parallel won on the prediction, and the reason says so.
                rkind, rvalue = describe_figure(tp_rival, req.goals.priority)
                why = msg("chooser.shape.pp_over_tp", shape=why, tp=pp, cause=_cause(best, tp_rival),
                          rival=_figure(rkind, rvalue, tp_rival) if rvalue is not None else msg("chooser.figure.none"))
            elif tp == 1 < pp and heads % pp == 0:
                short_tp = next((f[0] for f in self.failing if _kv_short(f[0])
                                 and f[0].settings.tensor_parallel_size == pp
                                 and f[0].settings.pipeline_parallel_size == 1), None)
                if short_tp is not None:
                    # Tensor parallel failed on the KV cache: the reason names both shapes' longest context.
                    why = msg("chooser.shape.pp_over_tp_kv", shape=why, tp=pp, fit=f"{short_tp.max_fitting_len:,}",
                              best=f"{best.pred.max_fitting_len:,}")
            if tp * pp < total:
                rival = next((c for c in ranked if c.gpus == total), None)
                if rival is not None:
                    rkind, rvalue = describe_figure(rival, req.goals.priority)
                    why = msg("chooser.shape.fewer", shape=why, total=total,
                              rival=_figure(rkind, rvalue, rival) if rvalue is not None else msg("chooser.figure.none"),
                              cause=_cause(best, rival))
                else:
                    why = msg("chooser.shape.fewer_only", shape=why, total=total)
        d.choose("tensor_parallel_size", tp, why)
        d.choose("pipeline_parallel_size", pp, why)
        if s.cpu_offload_gb and "quantization" not in d.pinned and s.quantization is None:
            d.choose("quantization", None, msg("chooser.quant.none_offload"))

    def _nothing_fits(self) -> tuple[Prediction, Draft]:
        """No candidate starts. A pinned setting's failure is shown as vLLM would print it (the fixes
        offer the way out); with nothing pinned that matters, say plainly what hardware would fit."""
        memory = [f for f in self.failing if _memory_only(f[0])]
        if not memory:
            pred, d, _ = self.failing[0]
            return pred, d
        memory.sort(key=lambda f: (-f[0].max_fitting_len, f[2]))
        pred, d, _ = memory[0]
        if set(self.request.pinned) & _MEMORY_PINS:
            return pred, d
        smallest = smallest_hardware(self.request, self.version, self.gpus)
        weights_gib = self.model.weights.total_bytes / GIB
        if smallest:
            text = msg("chooser.nothing_fits", gpus=len(self.gpus), gpu=self.gpus[0].name, weights=weights_gib,
                       smallest=smallest)
        else:
            text = msg("chooser.nothing_fits_none", gpus=len(self.gpus), gpu=self.gpus[0].name, weights=weights_gib)
        if "cpu_offload_gb" not in d.pinned:
            d.reasons["cpu_offload_gb"] = msg("chooser.offload.no_room", host=(self.host_limit or 0) / GIB) \
                if self.host_limit is not None else msg("chooser.offload.too_much")
        held = max(checks.others_bytes(g) for g in self.gpus)
        if held > GIB:
            text = msg("chooser.nothing_fits_busy", text=text, held=held / GIB)
        code = pred.failure.code if pred.failure else "other"
        pred = dataclasses.replace(pred, failure=Failure(code, text))
        d.warnings.append(("nothing_fits", text))
        return pred, d


# Pins that decide memory: when one of them makes the plan fail, the fix is to change the pin.
_MEMORY_PINS = {"gpu_memory_utilization", "max_model_len", "tensor_parallel_size", "pipeline_parallel_size",
                "cpu_offload_gb", "quantization", "kv_cache_dtype", "max_num_seqs", "max_num_batched_tokens",
                "enforce_eager", "dtype", "kv_cache_memory_bytes", "block_size", "decode_context_parallel_size"}
_MEMORY_FAILURES = {"weights_exceed_memory", "free_memory_below_request", "no_kv_cache_memory",
                    "max_model_len_exceeds_kv_cache"}


def _memory_only(p: Prediction) -> bool:
    """Predicted to start, or failing only for memory (a setting vLLM refuses is no base to build on)."""
    return p.failure is None or p.failure.code in _MEMORY_FAILURES


def _weights_too_big(p: Prediction) -> bool:
    return p.failure is not None and p.failure.code == "weights_exceed_memory"


def _better_base(new: Prediction, old: Prediction) -> bool:
    """A remedy becomes the shape's base for later stages when it does not make things worse."""
    if not _memory_only(new):
        return False
    if new.ok != old.ok:
        return new.ok
    return new.max_fitting_len >= old.max_fitting_len


def _speed(value: float | None) -> str:
    if value is None:
        return msg("chooser.figure.unknown_speed")
    return msg("chooser.figure.speed", speed=f"{value:.2f}" if value < 10 else f"{value:.1f}")


def _figure(kind: str, value: float, c: Scored) -> str:
    if kind == "context":
        return msg("chooser.figure.context", tokens=int(value))
    if kind == "single":
        return msg("chooser.figure.single", speed=_speed(value))
    return msg("chooser.figure.aggregate", speed=_speed(value), concurrency=c.perf.concurrency if c.perf else 1)


def _cause(best: Scored, rival: Scored) -> str:
    if not rival.meets_context and best.meets_context:
        return msg("chooser.cause.context")
    if rival.perf and rival.perf.bound == "interconnect":
        return msg("chooser.cause.interconnect")
    if rival.pred.settings.pipeline_parallel_size > best.pred.settings.pipeline_parallel_size:
        return msg("chooser.cause.pipeline")
    return msg("chooser.cause.overhead")


def smallest_hardware(request: PlanRequest, version: VllmVersion, gpus: list[GpuFacts]) -> str | None:
    """The fewest GPUs like these that would start the model with vLLM's defaults (or fp8 KV)."""
    if request.nodes > 1 or not gpus:
        return None
    model = request.model
    heads = model.arch.num_attention_heads
    template = gpus[0]
    for n in (1, 2, 4, 8, 16, 32, 64):
        if n < len(gpus) or n == len(gpus) and not any(checks.others_bytes(g) > GIB for g in gpus):
            continue  # the same count only helps once the other processes' memory is free
        more = [template.model_copy(update={"index": i, "used_bytes": 0, "free_bytes": template.total_bytes,
                                            "processes": ()}) for i in range(n)]
        hw = request.hardware.model_copy(update={"gpus": tuple(more), "links": ()})
        sub = request.model_copy(update={"hardware": hw, "gpu_indices": None, "pinned": {}})
        tp = n if heads % n == 0 and parallel._kv_fits(model, n) else math.gcd(n, heads)
        pp = n // tp
        d = _base(sub, more, version, tp, pp)
        for _ in range(2):
            p = predict(model, more, d.settings(), version, request.measured, draft=request.draft_model)
            if p.ok or _kv_short(p) and p.max_fitting_len >= min(4096, p.derived_max_len):
                return msg("chooser.smallest", n=n, gpu=template.name, tp=tp, pp=pp)
            d = d.copy()
            d.choose("kv_cache_dtype", "fp8", "")
    return None


def search(request: PlanRequest) -> tuple[Prediction, Draft]:
    return _Search(request).run()
