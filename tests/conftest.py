"""Shared test settings. Area-specific helpers live in tests/<area>_support.py modules."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

# Fixture modules shared by several test files (tests/ is on sys.path when pytest collects).
pytest_plugins = ["harvest_support"]


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch):
    """Refuse connections to anything but loopback, so no test can reach the internet."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "localhost", "::1") and not host.startswith("/"):
            raise OSError(f"test tried to reach {host!r}: tests may only use 127.0.0.1")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
