"""Everything that varies between vLLM releases, in one place.

`facts` holds what is data, extracted from each release's own source by
`tools/vllm_release_facts.py` into `wizard/data/vllm_releases.json` (flags with defaults and choices,
quantization methods, KV-cache dtypes, reasoning and tool-call parsers, default tables). The other
modules hold the rules that are code in vLLM (engine choice, scheduler defaults, the memory budget,
the sampler, KV pages, weight post-processing, kernels), each citing the release and the vLLM
source file and function it comes from; `rules` names each single release boundary (since/until,
source, why) so callers ask `version.has(rules.X)`. Nothing outside this package compares version
numbers (tests/releases/test_no_version_compare.py).
"""
