"""One module per CLI subcommand: `add_arguments(parser)` and `run(args) -> int`.

These modules are imported while the parser is built, so they import nothing heavy at module level
(pydantic models, hub clients, NVML): that keeps `vllm-wizard --version` and `--help` fast.
"""
