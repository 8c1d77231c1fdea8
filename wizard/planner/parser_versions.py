"""The first vLLM release that ships each reasoning / tool-call parser name.

Names change between releases; a parser the planned release lacks is a start-up error ("invalid
tool call parser"), so the planner leaves it out and says which release adds it. The registries
come from the release table (wizard.releases.facts, read from each release's parser registry);
a name no known release registers is assumed to be a plugin and is checked against the installed
vLLM at launch.
"""

from __future__ import annotations

from wizard.planner.versions import VllmVersion
from wizard.releases.facts import ParserKind, first_release_with_parser


def missing_in(version: VllmVersion, kind: ParserKind, name: str) -> str | None:
    """None if `version` has the parser (or no known release does), else the first release that has it."""
    if name in version.facts.parsers(kind):
        return None
    return first_release_with_parser(kind, name)
