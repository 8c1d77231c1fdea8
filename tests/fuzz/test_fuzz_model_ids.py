"""inspect / plan of any MODEL text: ids, paths, ~user, NUL, very long names; exit 2, no traceback."""

from __future__ import annotations

from hostile_support import assert_clean
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MODEL = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="ab/.-_~:é模\x00 ", max_size=40),
    st.integers(min_value=250, max_value=5000).map(lambda n: "a" * n),
    st.integers(min_value=250, max_value=600).map(lambda n: "org/" + "b" * n),
    st.sampled_from(["~nosuchuser/x", "hf:", "ms:", "hf:org/x", "ms:../..", "/dev/zero", "/proc/self", "..", "~"]),
)


@FUZZ
@given(model=MODEL, command=st.sampled_from(["inspect", "plan"]))
def test_any_model_text(fuzz_env, model, command):
    if model.startswith("-"):
        model = "./" + model
    argv = [command, model] + (["--gpu", "L4"] if command == "plan" else [])
    assert_clean(argv)
