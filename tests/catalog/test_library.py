"""The catalog serves its search index built on first use (or warmed just after start-up), and a content
reload serves the new snapshot's index, never the old one."""

from __future__ import annotations

import dataclasses

from bot.catalog.library import Catalog


async def test_the_index_is_built_once_on_demand_and_again_after_a_reload(catalog: Catalog) -> None:
    catalog.warm()
    first = catalog.search
    assert catalog.search is first  # built once
    assert catalog.search.search("kin phea")  # and it finds people
    content = catalog.content
    changed = dataclasses.replace(content, version=content.version + "-next")
    await catalog.load_content(changed)
    assert catalog.search is not first  # the new snapshot's index
    assert catalog.search.search("kin phea")
