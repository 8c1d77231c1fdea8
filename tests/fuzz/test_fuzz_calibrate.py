"""calibrate: any log (real start-up lines with any figures, junk, long lines), exit 0/2, no traceback."""

from __future__ import annotations

from hostile_support import assert_clean
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FIGURE = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                   st.integers(min_value=-(10**12), max_value=10**500).map(str),
                   st.sampled_from(["14.0786", "451,744", "9" * 400, "1,2,3", "0", "-0.5"]), st.text(max_size=8))
TEMPLATES = [
    "INFO vLLM API server version {}",
    "INFO Model loading took {} GiB and 3 seconds",
    "INFO Available KV cache memory: {} GiB",
    "INFO GPU KV cache size: {} tokens",
    "INFO Maximum concurrency for 4,096 tokens per request: {}x",
    "INFO Graph capturing finished in 5 secs, took {} GiB",
    "INFO {} GiB for weight, 1.0 GiB for peak activation, 0.1 GiB for non-torch memory",
    "INFO Explicitly set (1.0/{}) GiB for KV cache on node 0.",
]
LINE = st.one_of(st.builds(lambda t, f: t.format(f), st.sampled_from(TEMPLATES), FIGURE), st.text(max_size=80))


@FUZZ
@given(lines=st.lists(LINE, max_size=12), junk=st.binary(max_size=300), with_model=st.booleans(),
       save=st.booleans())
def test_any_log(fuzz_env, llama_folder, lines, junk, with_model, save):
    log = fuzz_env / "server.log"
    log.write_bytes("\n".join(lines).encode("utf-8", errors="surrogateescape") + b"\n" + junk)
    argv = ["calibrate", str(log)]
    if with_model:
        argv += [str(llama_folder), "--gpu", "H100"]
    if not save:
        argv.append("--no-save")
    assert_clean(argv, allowed=(0, 2))
