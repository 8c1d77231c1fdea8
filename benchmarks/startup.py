"""Start-up time of the commands people type first, against a bare `python -c pass` in the same run.

    python benchmarks/startup.py [--runs N] [--no-app]

Every case is a fresh process (the installed `vllm-wizard` console script). Runs are interleaved
case by case, so a busy machine slows every case alike, and the report gives medians and the ratio
to bare Python measured in the same run, of wall time and of CPU time (user + system of the
process: on a shared, oversubscribed machine the CPU time is what an idle one would show as wall
time; both are printed and judged). Targets (issue 17):
- `vllm-wizard --help` and `vllm-wizard gpus --catalog`: under 4x bare Python;
- `vllm-wizard plan FOLDER --gpu H100 --json` on a local 8B-shaped folder: under 200 ms above bare Python;
- the app's first frame at 80x24 (`--demo`, in a pseudo-terminal): under 0.6 s.
Exit status 1 if a target is missed. `python -X importtime -c "import wizard.cli"` shows where the
time goes when one is.

`--baseline DIR` also times another checkout of the project (e.g. `git archive <commit> | tar -x -C
DIR`), run through the same console script with DIR first on PYTHONPATH, interleaved with this one:
before and after in the same run, on the same machine load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HELP_CATALOG_RATIO = 4.0
PLAN_ABOVE_BARE_MS = 200.0
FIRST_FRAME_S = 0.6
FIRST_TEXT = "Which GPUs should vLLM use?"

# An 8B-shaped Llama: the size people plan most; the folder holds headers only (no weights).
LLAMA_8B = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 128256,
    "max_position_embeddings": 131072, "torch_dtype": "bfloat16", "tie_word_embeddings": False,
}


def clean_env() -> dict[str, str]:
    # No fake GPUs, language or cache overrides from the caller's shell: the commands as a user runs them.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VLLM_WIZARD_", "LC_", "LANG"))}
    # An installed package has its .pyc files; without them every run would time the compiler.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(LANG="C.UTF-8", TERM="xterm-256color")
    return env


Sample = tuple[float, float]  # (wall seconds, CPU seconds)


def timed(cmd: list[str], env: dict[str, str]) -> Callable[[], Sample]:
    def run() -> Sample:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.read().decode(errors='replace')[-500:]}")
        proc.stderr.close()
        return elapsed, usage.ru_utime + usage.ru_stime
    return run


def first_frame(exe: str, env: dict[str, str]) -> Callable[[], Sample]:
    import pexpect  # test dependencies; only this case needs them
    import psutil

    def run() -> Sample:
        start = time.perf_counter()
        child = pexpect.spawn(exe, ["--demo", "--vllm-version", "0.33.0"], env=env, dimensions=(24, 80),
                              encoding="utf-8", timeout=30)
        try:
            child.expect_exact(FIRST_TEXT)
            elapsed = time.perf_counter() - start
            cpu = psutil.Process(child.pid).cpu_times()
            child.sendcontrol("q")
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
        return elapsed, cpu.user + cpu.system
    return run


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-app", action="store_true", help="skip the app's first frame (no pseudo-terminal)")
    parser.add_argument("--baseline", type=Path, metavar="DIR", help="another checkout to time alongside")
    args = parser.parse_args()
    from benchmarks.tui_startup import console_script

    exe, env = console_script(), clean_env()
    trees = {"": env}
    if args.baseline:
        path = f"{args.baseline.resolve()}{os.pathsep}{env.get('PYTHONPATH', '')}"
        trees[" [baseline]"] = {**env, "PYTHONPATH": path}
    from wizard.model.synthetic import write_model_folder
    from wizard.model.synthetic_arch import tensors_for_config

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_model_folder(Path(tmp) / "llama8b", LLAMA_8B, tensors_for_config(LLAMA_8B), shards=4)
        cases: dict[str, Callable[[], Sample]] = {"bare python -c pass": timed([sys.executable, "-c", "pass"], env)}
        for tag, tree_env in trees.items():
            cases[f"vllm-wizard --help{tag}"] = timed([exe, "--help"], tree_env)
            cases[f"vllm-wizard gpus --catalog{tag}"] = timed([exe, "gpus", "--catalog"], tree_env)
            cases[f"vllm-wizard plan FOLDER --json{tag}"] = timed([exe, "plan", str(folder), "--gpu", "H100", "--json"],
                                                                  tree_env)
            if not args.no_app:
                cases[f"app first frame (80x24, --demo){tag}"] = first_frame(exe, tree_env)
        for run in cases.values():
            run()  # warm the file cache and the .pyc files, as a second start on a server would be
        samples: dict[str, list[Sample]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, run in cases.items():
                samples[name].append(run())
    failed = False
    for column, index in (("wall", 0), ("CPU", 1)):
        failed |= report(column, {name: statistics.median(s[index] for s in values) * 1000
                                  for name, values in samples.items()})
    print(f"{args.runs} runs each, interleaved; machine: {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}, Python {sys.version.split()[0]}")
    return 1 if failed else 0


def report(column: str, medians: dict[str, float]) -> bool:
    """Print one table of medians (ms); True when a target is missed (the baseline is not judged)."""
    bare = medians["bare python -c pass"]
    targets = {
        "vllm-wizard --help": (medians["vllm-wizard --help"] / bare < HELP_CATALOG_RATIO,
                               f"< {HELP_CATALOG_RATIO:.0f}x bare"),
        "vllm-wizard gpus --catalog": (medians["vllm-wizard gpus --catalog"] / bare < HELP_CATALOG_RATIO,
                                       f"< {HELP_CATALOG_RATIO:.0f}x bare"),
        "vllm-wizard plan FOLDER --json": (medians["vllm-wizard plan FOLDER --json"] - bare < PLAN_ABOVE_BARE_MS,
                                           f"< bare + {PLAN_ABOVE_BARE_MS:.0f} ms"),
    }
    if "app first frame (80x24, --demo)" in medians:
        targets["app first frame (80x24, --demo)"] = (medians["app first frame (80x24, --demo)"] < FIRST_FRAME_S * 1000,
                                                       f"< {FIRST_FRAME_S * 1000:.0f} ms")
    failed = False
    print(f"{'case (' + column + ' time)':45} {'median ms':>10} {'x bare':>7} {'+ms':>7}  target")
    for name, ms in medians.items():
        ok, text = targets.get(name, (True, ""))
        failed |= not ok
        verdict = "" if not text else ("ok" if ok else "MISSED")
        print(f"{name:45} {ms:10.0f} {ms / bare:7.2f} {ms - bare:7.0f}  {text} {verdict}")
    print()
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
