"""The human output of `plan`, `check`, `doctor` and `monitor --once` with --lang zh_CN has no sentence
left in English.

What may stay English in Chinese output is what a Chinese engineer keeps as is: flag names, identifiers,
numbers with units, file names and paths, model ids, code spans, all-caps abbreviations and a short list
of technical words (TECH). What vLLM itself prints (a log line the doctor quotes as evidence, the error
text vLLM raises, quoted by the planner) is quoted verbatim on purpose. Everything else that still reads
as three or more English words in a row is a sentence someone forgot to put in the catalog.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import LLAMA31_8B_CONFIG, ROOT, make_model_folder, run_cli

from wizard.i18n import catalog

# Words a Chinese engineer writes in English inside a Chinese sentence (lower-cased).
TECH = frozenset("""
vllm gpu gpus cuda nvml kv cache token tokens prompt prompts prefill decode batch batched graphs graph torch triton
nccl docker systemd ray kubernetes hugging face modelscope safetensors lora auto true false chat template tool tools
tool_choice serve ms s w mhz fan api key hub mirror json yaml python pip apt-get dtype fp bf int awq gptq marlin
attention backend flashinfer flash sdpa mla moe expert experts worker workers rank ranks eager compile ok warn fail
skip fix n a na none host driver port shm offload swap vram ram cpu pid pids
""".split())

_EVIDENCE = re.escape(catalog("zh_CN")["doctor.label.evidence"].split("{")[0])
_STRIP = (
    re.compile(rf"^\s*{_EVIDENCE}.*$", re.M),       # the doctor quotes vLLM's log line verbatim
    re.compile(r"`[^`\n]*`"),                        # code spans
    re.compile(r"'[^'\n]*'"),                        # quoted log text and field names ('Failed to find C compiler')
    re.compile(r"“[^”\n]*”"),                        # vLLM's own error text, quoted verbatim in a Chinese sentence
    re.compile(r'"[^"\n]*"'),                        # what the model answered, quoted as verify's evidence
    re.compile(r"https?://\S+"),                      # URLs
    re.compile(r"(?<![\w-])--?[A-Za-z][\w.-]*(?:=\S*)?"),  # flags, with a value
    re.compile(r"\S*[/\\]\S*"),                      # paths, model ids, ratios (10.0/79.3)
    re.compile(r"\b[\w-]+\.(?:json|py|yaml|yml|safetensors|log|txt|sh|service|env|bin|h|c|so\.\d+)\b"),
    re.compile(r"\b[\w-]*[_\d][\w.-]*\b"),            # identifiers and numbers (llama3_json, fp8, p90, 0.9)
    re.compile(r"\b[A-Z][A-Z0-9]+s?\b"),              # abbreviations and table headings (GPU, UTIL, TTFT, KV)
    re.compile(r"\b[a-z]+[A-Z]\w*\b|\b[A-Z]\w*[A-Z]\w*\b"),  # vLLM, GiB, MHz, LlamaForCausalLM
    re.compile(r"\w+=\S*"),                           # NAME=VALUE
)
_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ]+[A-Za-z][A-Za-z'’-]*)+")

# Lines still in English, each as (pattern, where it comes from and why it is not translated yet). Empty:
# every line these commands print is in the catalog. A line left in English and named here is reported;
# one named nowhere fails the test.
NOT_YET_TRANSLATED: tuple[tuple[str, str], ...] = ()


def english_runs(text: str, min_words: int = 3) -> list[str]:
    """Runs of `min_words` or more English words (TECH words split a run) left after stripping."""
    for pattern in _STRIP:
        text = pattern.sub(" § ", text)
    found = []
    for match in _RUN.finditer(text):
        run: list[str] = []
        for word in [*match.group(0).split(), ""]:
            if word and word.lower().strip("'’-") not in TECH:
                run.append(word)
                continue
            if len(run) >= min_words:
                found.append(" ".join(run))
            run = []
    return found


def untranslated(output: str) -> list[str]:
    """Each line of `output` with English left in it, unless the allowlist names it."""
    bad = []
    for line in output.splitlines():
        if english_runs(line) and not any(re.search(pattern, line) for pattern, _why in NOT_YET_TRANSLATED):
            bad.append(line.strip())
    return bad


def test_the_detector_catches_english_and_passes_chinese():
    assert english_runs("the KV cache keeps the model's precision") == ["keeps the model's precision"]
    assert english_runs("Lower --max-num-seqs so fewer requests share the cache")
    assert not english_runs("调高 --gpu-memory-utilization，或者设 --kv-cache-dtype fp8（KV cache 已用 93%）")
    assert not english_runs("vllm serve /models/Qwen3-8B --max-model-len 8192 --tool-call-parser hermes")
    assert not english_runs("GPU NAME UTIL MEMORY GiB TEMP POWER W FAN SM/MEM MHz PCIe TX/RX MB/s PERF")
    assert not english_runs("没有 C 编译器：vLLM 会报 'Failed to find C compiler'。")
    assert not english_runs("vLLM 会报错“No available memory for the cache blocks”。请调高 gpu_memory_utilization。")


@pytest.fixture(scope="module")
def zh_env(tmp_path_factory) -> dict:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("VLLM_WIZARD_", "CUDA_VISIBLE", "LC_", "LANG"))}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["HF_HUB_OFFLINE"] = "1"
    env["HOME"] = str(tmp_path_factory.mktemp("home"))  # no calibration store, no launch history of this machine
    env.pop("XDG_CACHE_HOME", None)
    env.pop("XDG_STATE_HOME", None)
    return env


@pytest.fixture(scope="module")
def llama(tmp_path_factory) -> Path:
    from support import LLAMA_TOKENIZER_CONFIG

    return make_model_folder(tmp_path_factory.mktemp("zh") / "Llama-3.1-8B-Instruct", LLAMA31_8B_CONFIG,
                             extra={"tokenizer_config.json": LLAMA_TOKENIZER_CONFIG, "tokenizer.json": "{}"})


def _run(*args: str, env: dict) -> str:
    result = run_cli(*args, "--lang", "zh_CN", env=env) if "--" not in args else run_cli(*_lang_first(args), env=env)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 3), result.stderr
    return result.stdout + result.stderr


def _lang_first(args: tuple[str, ...]) -> tuple[str, ...]:
    cut = args.index("--")
    return (*args[:cut], "--lang", "zh_CN", *args[cut:])


@pytest.mark.parametrize("setup", [
    "--gpu H100 --vllm-version 0.10.1",
    "--gpu T4 --gpu-count 4 --vllm-version 0.8.5",  # V0, float16, parallel shapes
    "--gpu RTX4090 --vllm-version 0.6.4 --context 65536",  # a context goal, fp8 KV cache
    "--gpu H100 --gpu-count 8 --nodes 2 --vllm-version 0.11.0",  # Ray steps and notes
])
def test_plan_in_chinese(setup, llama, zh_env):
    out = _run("plan", str(llama), *setup.split(), env=zh_env)
    assert untranslated(out) == []


def test_a_failing_plan_in_chinese(llama, zh_env):
    out = _run("plan", str(llama), "--gpu", "L4", "--vllm-version", "0.10.1", "--set", "max-model-len=131072",
               env=zh_env)
    assert untranslated(out) == []


@pytest.mark.parametrize("command", [
    "--max-model-len 131072",
    # unknown flags, an API key in the command, a parallel size the heads do not divide, fp8 on an L4
    "--swap-space 4 --disable-log-requests --api-key sk-abc --tensor-parallel-size 3 --kv-cache-dtype fp8",
    "--quantization awq --dtype float16 --enable-auto-tool-choice --gpu-memory-utilization 0.99",
], ids=["context", "flags-and-key", "quantization"])
def test_check_in_chinese(command, llama, zh_env):
    out = _run("check", "--gpu", "L4", "--vllm-version", "0.10.1", "--", "vllm", "serve", str(llama),
               *command.split(), env=zh_env)
    assert untranslated(out) == []


DOCTOR_LOGS = sorted(p.name for p in (ROOT / "tests" / "doctor" / "fixtures").glob("*.log"))


@pytest.mark.parametrize("fmt", ["yaml", "env", "systemd", "script", "docker", "compose", "k8s", "ray", "lws"])
def test_export_in_chinese(fmt, llama, zh_env):
    """The comments of every export (and the Ray script's messages), in the language asked for."""
    nodes = ["--gpu-count", "8", "--nodes", "2"] if fmt in ("ray", "lws") else []
    out = _run("export", str(llama), "--gpu", "H100", *nodes, "--vllm-version", "0.11.0", "--format", fmt,
               "--host", "0.0.0.0", "--api-key-env", "MY_KEY", env={**zh_env, "MY_KEY": "sk-zh-export"})
    assert re.search(r"[\u4e00-\u9fff]", out) and "sk-zh-export" not in out, out
    assert untranslated(out) == []


def test_systemd_description_and_script_guard_in_chinese(llama, zh_env, tmp_path):
    """The two code-side sentences of the exports: systemd's Description= and the script's refusal when
    the key's variable is missing, which bash must still print (the sentence sits inside ${NAME:?...})."""
    common = ("--gpu", "H100", "--vllm-version", "0.11.0", "--host", "0.0.0.0", "--api-key-env", "MY_KEY")
    unit = _run("export", str(llama), *common, "--format", "systemd", env={**zh_env, "MY_KEY": "sk-zh"})
    assert "Description=vLLM OpenAI 兼容服务（" in unit, unit
    script = tmp_path / "serve.sh"
    made = run_cli("export", str(llama), *common, "--format", "script", "--lang", "zh_CN",
                   env={**zh_env, "MY_KEY": "sk-zh"})
    assert made.returncode == 0, made.stderr
    script.write_text(made.stdout)
    env = {k: v for k, v in os.environ.items() if k not in ("MY_KEY", "VLLM_API_KEY")}
    ran = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env, timeout=30)
    assert ran.returncode != 0 and "运行此脚本前请先 export VLLM_API_KEY" in ran.stderr, ran.stderr


@pytest.mark.parametrize("log", DOCTOR_LOGS)
def test_doctor_in_chinese(log, zh_env):
    """Every public start-up log the doctor knows (tests/doctor/fixtures): each diagnosis, evidence
    label, fix and re-plan line in Chinese."""
    path = ROOT / "tests" / "doctor" / "fixtures" / log
    if not (ROOT / "wizard" / "commands" / "doctor.py").is_file():
        pytest.fail("doctor is expected on this branch")
    out = _run("doctor", str(path), env=zh_env)
    assert untranslated(out) == []


@pytest.mark.parametrize("fixture", ["monitor-h100-x8", "monitor-l4-nvml-errors", "monitor-rtx4090-x2-gpu-lost",
                                     "nvml-library-missing"])
def test_monitor_once_in_chinese(fixture, zh_env):
    env = {**zh_env, "VLLM_WIZARD_FAKE_GPUS": fixture}
    out = _run("monitor", "--once", "--no-server", env=env)
    assert untranslated(out) == []


def test_monitor_names_no_server_in_chinese(zh_env):
    env = {**zh_env, "VLLM_WIZARD_FAKE_GPUS": "monitor-h100-x8"}
    out = _run("monitor", "--once", "--url", "http://127.0.0.1:9", env=env)
    assert untranslated(out) == []


def test_a_cli_error_in_chinese(zh_env):
    result = run_cli("plan", "/no/such/model", "--gpu", "H100", "--lang", "zh_CN", env=zh_env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert untranslated(result.stderr) == [], result.stderr


def _help_commands() -> list[str]:
    from wizard.cli import COMMANDS

    return ["", *COMMANDS]


@pytest.mark.parametrize("command", _help_commands(), ids=lambda c: c or "top")
def test_help_in_chinese(command, capsys, monkeypatch):
    """`--help` with --lang zh_CN (and the top-level one under a Chinese locale): every option, group
    and command described in Chinese."""
    from wizard import i18n
    from wizard.cli import main

    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    for var in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    argv = [command, "--help", "--lang", "zh_CN"] if command else ["--help"]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    i18n.set_language("en")
    out = capsys.readouterr().out
    assert exit_.value.code == 0 and re.search(r"[\u4e00-\u9fff]", out)
    assert untranslated(out) == []
    assert out.startswith("用法：") and "usage:" not in out  # argparse's own prefix too


@pytest.mark.parametrize("argv", [
    ["plan"],                                    # a required argument missing
    ["export", "m", "--format", "nope"],         # an invalid choice
    ["plan", "m", "--bogus"],                    # an unrecognized argument
    ["plan", "m", "--gpu"],                      # an option without its value
    ["serve", "m", "--api-key-env", "A", "--api-key-prompt"],  # two options that exclude each other
], ids=["required", "choice", "unrecognized", "expected-one", "not-allowed"])
def test_argparse_errors_in_chinese(argv, capsys):
    """argparse's own refusals, before the command runs, in the language asked for; exit 2."""
    from wizard import i18n
    from wizard.cli import main

    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--lang", "zh_CN"])
    i18n.set_language("en")
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert exit_.value.code == 2 and re.search(r"[\u4e00-\u9fff]", last), err
    assert untranslated(last) == []


class _Param:
    """Stands in for any parameter of a template: a number, a name, a repr."""

    def __format__(self, spec: str) -> str:
        return "1"

    def __repr__(self) -> str:
        return "'x'"


def _areas() -> list[str]:
    return sorted(p.stem for p in (ROOT / "wizard" / "i18n" / "catalog" / "zh_CN").glob("*.json"))


@pytest.mark.parametrize("area", [*_areas(), "screens"])
def test_every_catalog_sentence_is_chinese(area):
    """Each sentence of the core catalog, in every area the commands print from (findings, warnings,
    fixes, diagnoses, verify checks, monitor advice, errors), and of the screens' catalog, reads as
    Chinese with its parameters filled in: what is shown cannot be more Chinese than its template."""
    import json
    import string

    path = ROOT / "wizard" / "i18n" / "catalog" / "zh_CN" / f"{area}.json"
    if area == "screens":
        path = ROOT / "assets" / "i18n" / "zh_CN.json"
    bad = []
    for key, template in json.loads(path.read_text(encoding="utf-8")).items():
        fields = {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}
        text = template.format(**{f: _Param() for f in fields}) if fields else template
        if english_runs(text):
            bad.append(f"{key}: {text}")
    assert bad == [], "\n".join(bad)


if __name__ == "__main__":  # print what a zh_CN run leaves in English: python tests/test_zh_output.py TEXTFILE
    for line in untranslated(Path(sys.argv[1]).read_text(encoding="utf-8")):
        print(line)


def test_every_headless_command_takes_lang():
    from wizard.cli import COMMANDS, build_parser

    for name in COMMANDS:
        parser = build_parser(name)
        sub = next(a for a in parser._actions if a.dest == "command").choices[name]
        assert "--lang" in sub._option_string_actions, name


def test_lang_defaults_to_the_locale(zh_env):
    env = {**zh_env, "LANG": "zh_CN.UTF-8"}
    result = run_cli("plan", "/no/such/model", "--gpu", "H100", env=env)
    assert result.returncode == 2 and "没有" in result.stderr, result.stderr
    result = run_cli("plan", "/no/such/model", "--gpu", "H100", "--lang", "en", env=env)
    assert result.returncode == 2 and "no such model folder" in result.stderr, result.stderr


def test_json_stays_english(llama, zh_env):
    import json

    result = run_cli("plan", str(llama), "--gpu", "L4", "--vllm-version", "0.10.1", "--set", "max-model-len=131072",
                     "--json", "--lang", "zh_CN", env=zh_env)
    data = json.loads(result.stdout)
    message = data["startup"]["failure"]["message"]
    assert "max-model-len" in message and not english_runs(message) == [], message  # English, as it always was
    assert not re.search(r"[\u4e00-\u9fff]", result.stdout)


def test_an_option_refused_while_parsing_in_chinese(zh_env):
    # wizard.bounds refuses the value inside argparse, before the command runs: --lang still applies.
    result = run_cli("plan", "/no/such/model", "--gpu", "H100", "--gpu-count", "0", "--lang", "zh_CN", env=zh_env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert untranslated(result.stderr) == [] and re.search(r"[\u4e00-\u9fff]", result.stderr), result.stderr


@pytest.mark.parametrize("log", ["seed003_healthy_v085.log", "v1_0101_kv_estimate_ansi.log"])
def test_calibrate_in_chinese(log, llama, zh_env):
    path = ROOT / "tests" / "doctor" / "fixtures" / log
    out = _run("calibrate", str(path), str(llama), "--gpu", "H100", "--vllm-version", "0.10.1", "--no-save",
               env=zh_env)
    assert re.search(r"[\u4e00-\u9fff]", out) and untranslated(out) == []
