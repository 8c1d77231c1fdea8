"""No secret in a log comes back from `doctor` (human English and Chinese, --json): not in the
evidence it quotes, not in the cause or fix sentences built from values it read. The secrets are
placed the way logs carry them: vLLM's own args lines, argparse's refusal quoting the command,
an Authorization header, a proxy URL, an exported token."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from secret_strategies import FLAG_FORMS, SECRETS, flag_words, log_lines, unknown_argument_line

from wizard.cli import main

MODES = (["--json"], ["--lang", "en"], ["--lang", "zh_CN"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(secret=SECRETS, form=st.integers(0, FLAG_FORMS - 1), extra=st.lists(st.integers(0, 7), max_size=4),
       mode=st.sampled_from(MODES))
def test_no_secret_survives_in_the_doctors_output(tmp_path_factory, capsys, secret, form, extra, mode):
    lines = log_lines(secret)
    log = tmp_path_factory.mktemp("log") / "server.log"
    body = [lines[i] for i in extra] + [unknown_argument_line(flag_words(form, secret))]
    log.write_text("\n".join(body) + "\n", encoding="utf-8")
    rc = main(["doctor", str(log), *mode])
    out = capsys.readouterr()
    assert rc == 3, out.err
    assert secret not in out.out + out.err
    if mode == ["--json"]:
        data = json.loads(out.out)
        assert data["diagnoses"][0]["code"] == "unknown_argument"


def test_every_log_form_is_masked_in_evidence(tmp_path, capsys):
    from wizard.doctor.normalise import normalise

    secret = "Qz7SecretValue0042"
    for line in log_lines(secret):
        assert secret not in normalise(line).shown, line
