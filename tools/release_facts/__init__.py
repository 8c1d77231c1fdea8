"""Maintenance code behind `tools/vllm_release_facts.py`: fetch each vLLM release's source, read
it with `ast` (vLLM is never imported) and extract the facts that are data.

fetch       wheels from the registry -> a per-release source cache
source      a release's modules, parsed lazily, with name resolution across its imports
evaluate    constant expressions and type annotations as far as the source fixes them
dataclass_args   the release's `get_kwargs` model: config dataclass fields -> argparse options
argparse_trace   a small interpreter for the functions that build the `vllm serve` parser
registries  quantization methods, reasoning and tool-call parsers
defaults    the default-setting tables (batch defaults by usage context and GPU class)
extract     one release -> its facts; build the compact data file
"""
