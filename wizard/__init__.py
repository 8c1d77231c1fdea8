"""vllm-wizard headless core.

Nothing under this package may import textual, rich or `screens`: `vllm-wizard plan --json` and
every other headless command must work (and start fast) without the UI toolkit.
"""

__version__ = "0.1.0"
