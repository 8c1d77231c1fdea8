"""The live monitor's headless core: GPU, host, process and vLLM-server sampling into immutable
snapshots, with Prometheus parsing, rates, latency percentiles and advice. No UI imports here.

Entry points:
  MonitorConfig, Sampler (wizard.monitor.sampler)   one snapshot, or a loop publishing them
  MonitorSnapshot and its parts (wizard.monitor.snapshot)
The Textual screens live in screens/monitor; `vllm-wizard monitor --once` in wizard/commands/monitor.py.
"""
