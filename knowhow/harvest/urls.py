"""Which URLs the harvester (and the link checker) may fetch: http(s) to public addresses only.

Host names are resolved and every address must be global, so numeric spellings of internal
addresses (`2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`, `[::ffff:127.0.0.1]`) are caught by
what they resolve to, not by string matching.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Iterable
from urllib.parse import urlsplit


class BlockedURL(ValueError):
    """A URL the harvester refuses to fetch; the message says why."""


class Unresolvable(BlockedURL):
    """The host name does not resolve (now): a failure of the source, not a policy refusal."""


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """Every address host resolves to (an IP literal in any spelling resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise Unresolvable(f"cannot resolve host {host!r}: {exc}") from None
    return sorted({info[4][0] for info in infos})


def check_url(url: str, *, allow_private: Iterable[str] = (), came_from: str | None = None) -> None:
    """Raise BlockedURL unless url is http(s), has a host, no credentials, and resolves to public addresses.

    `allow_private` lists hosts ("127.0.0.1" or "127.0.0.1:8765") exempt from the address rule:
    tests use it for their replay server only. `came_from` is the URL that redirected here.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BlockedURL(f"malformed URL {url!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise BlockedURL(f"scheme {scheme or 'none'!r} is not allowed (http and https only)")
    if not parts.hostname:
        raise BlockedURL(f"URL {url!r} has no host")
    if parts.username or parts.password:
        raise BlockedURL("URLs with credentials are not fetched")
    if came_from is not None and urlsplit(came_from).scheme.lower() == "https" and scheme == "http":
        raise BlockedURL(f"redirect from https to http ({url}) refused")
    host = parts.hostname
    port = port or (443 if scheme == "https" else 80)
    allowed = set(allow_private)
    if host in allowed or f"{host}:{port}" in allowed:
        return
    for address in resolve(host, port):
        if not is_public_address(address):
            raise BlockedURL(f"host {host!r} resolves to the non-public address {address}")
