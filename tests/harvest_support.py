"""Harvest test helpers: the `replay` fixture and a transport with test-sized limits.

The `replay` fixture is registered for every test module in tests/conftest.py (pytest_plugins).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import pytest

from replay import Replay

DATA = Path(__file__).parent / "data" / "harvest"
SHARED_FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"


@pytest.fixture
def replay() -> Iterator[Replay]:
    """A replay server on 127.0.0.1 that stops when the test ends."""
    with Replay(slow=1.5, drip_interval=0.05, bomb_size=16 * 1024 * 1024) as srv:
        yield srv


def make_settings(srv: Replay, **overrides: Any):
    """HttpSettings sized for tests: short timeouts and back-off, the replay host allowed."""
    from knowhow.harvest.http import HttpSettings, allow_hosts

    base = HttpSettings(connect_timeout=1.0, read_timeout=0.5, deadline=3.0, retries=2, backoff_factor=0.01,
                        backoff_max=0.05, backoff_jitter=0.01, retry_after_max=2.0, max_bytes=4 * 1024 * 1024,
                        allow_private=allow_hosts(srv.base_url))
    return replace(base, **overrides)


def make_client(srv: Replay, *, cache=None, token=None, source_deadline: float | None = None, **overrides: Any):
    """An HttpClient for the replay server (memory cache unless one is given)."""
    from knowhow.harvest.http import HttpClient

    return HttpClient(make_settings(srv, **overrides), cache=cache, token=token, source="test",
                      deadline=source_deadline)
