"""The adapter registry: every source type is listed once, and refuses kinds it cannot fill."""

from __future__ import annotations

import pytest

from knowhow.harvest.base import SourceConfig, SourceError
from knowhow.harvest.sources import ADAPTERS, adapter_kinds
from knowhow.registry.model import KINDS


@pytest.mark.parametrize("type_", sorted(ADAPTERS))
def test_adapter_fills_only_its_kinds(type_):
    fills = adapter_kinds()[type_]
    assert fills and set(fills) <= set(KINDS)
    for kind in KINDS:
        config = SourceConfig(name="x", type=type_, kind=kind, base_url="https://example.org/")
        if kind in fills:
            assert ADAPTERS[type_](config, http=None).config.kind == kind
        else:
            with pytest.raises(SourceError, match=f"{type_} fills .* not '{kind}'"):
                ADAPTERS[type_](config, http=None)


def test_problem_reports_and_skips_mark_the_run_incomplete():
    adapter = ADAPTERS["tess"](SourceConfig(name="x", type="tess", kind="events",
                                            base_url="https://example.org/"), http=None)
    adapter.problem("odd item")
    assert adapter.complete and adapter.problems == ["odd item"]
    adapter.problem("unreadable item", skipped=True)
    assert not adapter.complete and adapter.problems == ["odd item", "unreadable item"]
