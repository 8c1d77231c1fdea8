"""Hugging Face and ModelScope: inspect models without downloading them, list the local caches, and
download exactly what vLLM loads, resumably, with typed progress events.

Entry points (each module imports its heavy dependencies lazily):
- wizard.hub.inspect.inspect_repo / inspect_remote: ModelFacts from metadata, headers by HTTP range;
- wizard.hub.cache.cached_models / find_cached: what is on disk, offline;
- wizard.hub.download.plan_download / download: the plan (files, bytes, disk check), then events;
- wizard.hub.settings: endpoints, tokens (as Secret), offline mode, cache folders.
"""
