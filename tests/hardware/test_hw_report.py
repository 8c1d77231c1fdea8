"""Plain-text rendering: GiB with two decimals, N/A for unknowns, aligned tables."""

from __future__ import annotations

from wizard.hardware.catalog import catalog_entries, catalog_hardware
from wizard.hardware.facts import GpuFacts, GpuLink, HardwareFacts
from wizard.hardware.fake_backend import FakeBackend
from wizard.hardware.probe import probe
from wizard.hardware.report import fmt_gib, fmt_value, render_catalog, render_hardware, render_links, table


def test_formatting():
    assert fmt_gib(None) == "N/A"
    assert fmt_gib(85031714816) == "79.19"
    assert fmt_gib(0) == "0.00"
    assert (fmt_value(None), fmt_value(True), fmt_value(False), fmt_value("9.0")) == (
        "N/A",
        "yes",
        "no",
        "9.0",
    )


def test_table_aligns_columns():
    lines = table(["A", "Bee"], [["long cell", "x"], ["s", "yy"]]).splitlines()
    assert lines[0] == "A          Bee"
    assert lines[1] == "---------  ---"
    assert lines[2].index("x") == lines[3].index("yy") == lines[0].index("Bee")


def test_unknown_fields_render_as_na():
    facts = HardwareFacts(
        source="nvml",
        gpus=(GpuFacts(index=0, name="Unknown NVIDIA GPU"), GpuFacts(index=1, name="Unknown NVIDIA GPU")),
        links=(GpuLink(a=0, b=1),),
    )
    text = render_hardware(facts)
    assert "Driver: N/A" in text
    row = text.splitlines()[4]
    assert row.count("N/A") == 6  # total, used, free, CC, MIG, PCI bus
    assert render_links(facts).splitlines()[2].split() == ["GPU0", "X", "N/A"]


def test_detected_report_shows_processes_and_links():
    text = render_hardware(probe(FakeBackend.from_spec("a100-80gb-busy"), env={}))
    assert "79.35" in text and "10.00" in text and "48213 python3 10.00 GiB" in text
    links = render_hardware(probe(FakeBackend.from_spec("t4-x4"), env={"CUDA_VISIBLE_DEVICES": "0,1,2"}))
    assert "CUDA_VISIBLE_DEVICES='0,1,2'" in links
    assert links.splitlines()[-3].split() == ["GPU0", "X", "P2P", "no", "P2P"]


def test_catalog_report_lists_every_entry():
    text = render_catalog(catalog_entries())
    assert len(text.splitlines()) == len(catalog_entries()) + 2
    assert "NVIDIA H100 80GB HBM3" in text and "79.19" in text


def test_catalog_hardware_renders():
    text = render_hardware(catalog_hardware("RTX 4090", count=2))
    assert "Source: catalog" in text and "no P2P" in text
