"""Host RAM for the offload bound: psutil for a detected machine, --host-memory for a catalog plan."""

import psutil

from wizard.hardware.host import GIB, host_memory_bytes, host_memory_for


def test_detected_machine_reads_psutil():
    assert host_memory_bytes() == psutil.virtual_memory().total
    assert host_memory_for("nvml", None) == psutil.virtual_memory().total
    assert host_memory_for("fake", None) == psutil.virtual_memory().total


def test_catalog_plan_is_unknown_unless_given():
    assert host_memory_for("catalog", None) is None
    assert host_memory_for("catalog", 23.5) == int(23.5 * GIB)
    assert host_memory_for("nvml", 8) == 8 * GIB  # an explicit figure wins over the probe
