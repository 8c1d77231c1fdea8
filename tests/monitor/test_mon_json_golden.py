"""`monitor --once --json` keeps its shape: the server's figures are declared once (ServerFigures,
nested in ServerSample) but the JSON stays flat, key for key and in the same order, as the copy
saved before that change (fixtures/once-json-golden.json). Regenerate only for an intended change."""

from __future__ import annotations

import json
from pathlib import Path

from monitor_support import run_rounds, scripted_sampler, up

from wizard.monitor.metrics_client import FetchResult
from wizard.monitor.snapshot import ServerFigures, ServerSample

GOLDEN = Path(__file__).parent / "fixtures" / "once-json-golden.json"


def snapshots() -> dict:
    out = {}
    kv_pressure = [up("v0.11.0", 0), up("v0.11.0", 0), up("v0.11.0", 10)]
    sampler, clock = scripted_sampler("monitor-h100-x8", server=kv_pressure)
    out["h100-x8-kv-pressure"] = run_rounds(sampler, clock, 12).to_dict()
    sampler, clock = scripted_sampler("monitor-rtx4090-x2-gpu-lost",
                                      server=[FetchResult("starting", "process 4242 is running")])
    out["rtx4090-lost-starting"] = run_rounds(sampler, clock, 3).to_dict()
    sampler, clock = scripted_sampler("monitor-h100-x8", server=[FetchResult("unreachable", "timed out")])
    out["h100-unreachable"] = run_rounds(sampler, clock, 2).to_dict()
    sampler, clock = scripted_sampler("monitor-h100-x8", server=[up("v0.6.3", 0), up("v0.6.3", 10)])
    out["h100-v0.6.3"] = run_rounds(sampler, clock, 3).to_dict()
    sampler, clock = scripted_sampler("nvml-library-missing")
    out["no-driver-no-server"] = run_rounds(sampler, clock, 1).to_dict()
    return out


def test_once_json_is_byte_for_byte_the_saved_copy():
    # The same serialisation `monitor --once --json` prints (wizard.commands.monitor.print_once).
    assert json.dumps(snapshots(), indent=2) + "\n" == GOLDEN.read_text()


def test_every_figure_is_declared_once_and_flattened():
    figure_names = set(ServerFigures.__dataclass_fields__)
    assert not figure_names & (set(ServerSample.__dataclass_fields__) - {"figures"})
    flat = ServerSample(state="up", figures=ServerFigures(running=3)).to_dict()
    assert flat["running"] == 3 and "figures" not in flat and figure_names <= set(flat)
