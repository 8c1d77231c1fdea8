"""monitor: any --url, and any /metrics text a server may send, exit 0/2 and never a traceback."""

from __future__ import annotations

import http.server
import threading

import pytest
from hostile_support import assert_clean
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def metrics_server():
    state = {"body": b""}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = state["body"] if self.path.endswith("/metrics") else b"ok"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


METRIC_LINE = st.builds(
    lambda name, labels, value: f"{name}{labels} {value}",
    st.sampled_from(["vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
                     "vllm:gpu_cache_usage_perc", "vllm:prompt_tokens_total", "vllm:generation_tokens_total",
                     "vllm:time_to_first_token_seconds_bucket", "vllm:prefix_cache_hits_total", "x"]),
    st.sampled_from(["", '{model_name="m"}', '{le="0.1"}', '{le="+Inf"}', "{", '{le="nan"}']),
    st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.text(max_size=12),
              st.just("9" * 400)),
)


@FUZZ
@given(lines=st.lists(METRIC_LINE, max_size=25), junk=st.binary(max_size=200), as_json=st.booleans())
def test_any_metrics_text(fuzz_env, metrics_server, lines, junk, as_json):
    state, url = metrics_server
    state["body"] = "\n".join(lines).encode("utf-8", errors="surrogateescape") + junk
    argv = ["monitor", "--once", "--url", url, "--timeout", "2"] + (["--json"] if as_json else [])
    code, out, _ = assert_clean(argv, allowed=(0,))
    assert out


@FUZZ
@given(url=st.one_of(st.text(max_size=60), st.sampled_from(["http://[::1", "http://127.0.0.1:99999", "ftp://x:1",
                                                            "http://:80", "http://a b:1", "[", "http://127.0.0.1:1"])))
def test_any_url(fuzz_env, url):
    if url.startswith("-") or not url.strip():
        url = "x" + url
    assert_clean(["monitor", "--once", "--json", f"--url={url}", "--timeout", "1"], allowed=(0, 2))
