"""What the server should look like, from the launch that started it (when the wizard did).

A launch record tells the parsers the plan set, the planned max_model_len, the checkpoint's
quantization and GPU (to name a likely cause), and the plan's speed prediction. Without a record
(a server the wizard did not start) verify still runs every check that needs no plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.i18n import Message, msg
from wizard.launch.calibration.parse import parse_startup_log
from wizard.launch.records import LaunchRecord, all_launches
from wizard.verify.http import Endpoint


@dataclass(frozen=True)
class PredictedSpeed:
    """The plan's `performance` figures that verify measures (None: the plan has none)."""

    decode_tokens_per_s: float | None = None
    ttft_ms: float | None = None
    ttft_prompt_tokens: int | None = None
    not_applicable: Message | None = None  # why the prediction does not describe this server


@dataclass(frozen=True)
class Expectations:
    source: str | None = None  # the launch the figures come from, for evidence
    model: str | None = None  # the served name clients send
    reasoning_parser: str | None = None
    tool_call_parser: str | None = None
    auto_tool_choice: bool = False
    max_model_len: int | None = None
    checkpoint_quantization: str | None = None
    dtype: str | None = None
    gpu_name: str | None = None
    compute_capability: str | None = None
    vllm_version: str | None = None
    api_key_env: str | None = None
    speed: PredictedSpeed = PredictedSpeed()

    @property
    def planned(self) -> bool:
        return self.source is not None


def launch_for_url(url: str) -> LaunchRecord | None:
    """The newest launch record whose server lives at `url`."""
    try:
        wanted = Endpoint.parse(url)
    except ValueError:
        return None
    for record in reversed(all_launches()):
        try:
            if _same_server(Endpoint.parse(record.url), wanted):
                return record
        except ValueError:
            continue
    return None


def _same_server(a: Endpoint, b: Endpoint) -> bool:
    loop = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}
    same_host = a.host == b.host or (a.host in loop and b.host in loop)
    return same_host and a.port == b.port


def from_record(record: LaunchRecord, *, served_on_cpu: bool = False) -> Expectations:
    """Expectations of the server a launch record describes. `served_on_cpu`: its log shows vLLM's CPU
    backend, so a GPU speed prediction does not describe it."""
    plan = record.predicted
    s = plan.settings
    return Expectations(
        source=f"{record.run_id} ({record.started_at})",
        model=record.served_model_name or plan.model_ref,
        reasoning_parser=s.get("reasoning_parser") or None,
        tool_call_parser=s.get("tool_call_parser") or None,
        auto_tool_choice=bool(s.get("enable_auto_tool_choice")),
        max_model_len=s.get("max_model_len") if isinstance(s.get("max_model_len"), int) else None,
        checkpoint_quantization=plan.checkpoint_quantization or s.get("quantization"),
        dtype=s.get("dtype"),
        gpu_name=plan.gpu_name,
        compute_capability=plan.compute_capability,
        vllm_version=plan.vllm_version,
        api_key_env=record.api_key_env,
        speed=predicted_speed(plan.performance, plan.gpu_name, served_on_cpu),
    )


def predicted_speed(performance: dict | None, gpu_name: str | None, served_on_cpu: bool) -> PredictedSpeed:
    if not isinstance(performance, dict):
        return PredictedSpeed()
    decode = _number(performance.get("decode_tokens_per_s_single"))
    raw_ttft = performance.get("ttft_ms")
    ttft = raw_ttft if isinstance(raw_ttft, dict) else {}
    ttft_ms, prompt = _number(ttft.get("ms")), ttft.get("prompt_tokens")
    note = None
    if served_on_cpu and (decode is not None or ttft_ms is not None):
        note = msg("verify.speed.cpu_not_planned", gpu=gpu_name or msg("verify.this_gpu"))
    return PredictedSpeed(decode, ttft_ms, prompt if isinstance(prompt, int) and prompt > 0 else None, note)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else None


def served_on_cpu(record: LaunchRecord) -> bool:
    """The launch's own log shows vLLM's CPU backend (its KV cache lines name the NUMA node)."""
    from wizard.launch.startup import read_log  # noqa: PLC0415 - wizard.launch.startup pulls psutil: kept off start-up

    return parse_startup_log(read_log(record.log_path, max_bytes=4 << 20)).cpu_kv_mode is not None
