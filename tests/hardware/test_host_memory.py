"""Host RAM for the offload bound: psutil for a detected machine, --host-memory for a catalog plan."""

import psutil
import pytest

from wizard.errors import InputError
from wizard.hardware.host import GIB, host_memory_bytes, host_memory_for, parse_host_memory_gib, planned_host_memory
from wizard.i18n import localize


def test_detected_machine_reads_psutil():
    assert host_memory_bytes() == psutil.virtual_memory().total
    assert host_memory_for("nvml", None) == psutil.virtual_memory().total
    assert host_memory_for("fake", None) == psutil.virtual_memory().total


def test_catalog_plan_is_unknown_unless_given():
    assert host_memory_for("catalog", None) is None
    assert host_memory_for("catalog", 23.5) == int(23.5 * GIB)
    assert host_memory_for("nvml", 8) == 8 * GIB  # an explicit figure wins over the probe


def test_the_apps_figure_wins_and_the_detected_one_is_only_for_this_machine():
    assert planned_host_memory("nvml", None, 64 * GIB) == 64 * GIB
    assert planned_host_memory("nvml", 256, 64 * GIB) == 256 * GIB
    assert planned_host_memory("catalog", None, 64 * GIB) is None  # a catalog GPU sits in another server
    assert planned_host_memory("catalog", 512, None) == 512 * GIB
    assert planned_host_memory("nvml", None, None) is None


@pytest.mark.parametrize(("text", "gib"), [("64", 64.0), (" 64 GiB ", 64.0), ("512G", 512.0), ("1.5gb", 1.5),
                                           ("2,048", 2048.0), ("", None), ("  ", None)])
def test_typed_host_memory_is_read_in_gib(text, gib):
    assert parse_host_memory_gib(text) == gib


@pytest.mark.parametrize(("lang", "text"), [("en", "abc"), ("en", "0"), ("en", "nan"), ("en", "70000"),
                                            ("en", "1e999"), ("zh_CN", "abc"), ("zh_CN", "-3")])
def test_bad_host_memory_is_one_sentence_naming_the_input_and_the_fix(lang, text):
    with pytest.raises(InputError) as info:
        parse_host_memory_gib(text)
    message = info.value.message
    rendered = localize(message, lang)
    assert "\n" not in rendered and text in rendered and "64" in rendered  # the value and an example
    if lang == "zh_CN":
        assert "主机内存" in rendered
    else:
        assert rendered.startswith(f"Host RAM {text}:") and "empty" in rendered
