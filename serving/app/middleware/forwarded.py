"""The client's address and scheme as the load balancer saw them, from X-Forwarded-For and -Proto.

Each proxy appends the address it received the request from, so only the right end of
X-Forwarded-For was written by proxies we trust; everything to its left is whatever the caller
sent. The client is therefore the rightmost entry that is not itself a trusted proxy. uvicorn's
own proxy handling takes the leftmost entry when every peer is trusted (`*`), which lets any
caller choose the address that is logged: the worker turns it off, and this replaces it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True)
class TrustedProxies:
    """Whose forwarded headers are believed: `*` (any peer), or comma-separated addresses and networks.

    `*` trusts the peer that connects, whoever it is (for a service only its load balancer can
    reach); it never makes an address inside X-Forwarded-For a proxy, so the entry the balancer
    appended is the client. Listed addresses and networks are trusted both as the peer and as
    entries, which skips a chain of known proxies.
    """

    any_peer: bool
    networks: tuple[IPNetwork, ...]

    @classmethod
    def parse(cls, value: str) -> TrustedProxies:
        items = [item.strip() for item in value.split(",") if item.strip()]
        if items == ["*"]:
            return cls(any_peer=True, networks=())
        if not items or "*" in items:
            raise ValueError("must be * alone, or comma-separated IP addresses or networks")
        networks = []
        for item in items:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                # A host name or a typo would otherwise trust nothing, without a word.
                raise ValueError(f"{item!r} is not an IP address or network") from None
        return cls(any_peer=False, networks=tuple(networks))

    def is_proxy(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)

    def trusts_peer(self, host: str) -> bool:
        if self.any_peer:
            return True
        address = _address(host)
        return address is not None and self.is_proxy(address)

    def client(self, forwarded_for: list[str]) -> tuple[IPAddress, int] | None:
        """The rightmost entry that is not a trusted proxy; None if an entry on the way is no address."""
        found = None
        for entry in reversed([entry for value in forwarded_for for entry in value.split(",")]):
            found = _parse_entry(entry.strip())
            if found is None:
                # Not what a proxy appends: nothing at or left of it can be believed.
                return None
            if not self.is_proxy(found[0]):
                return found
        # Every entry is a trusted proxy: the request came from the leftmost of them.
        return found


class ForwardedHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, trusted: TrustedProxies) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        peer = scope.get("client")
        if scope["type"] == "http" and peer is not None and self.trusted.trusts_peer(peer[0]):
            forwarded_for = _values(scope, b"x-forwarded-for")
            client = self.trusted.client(forwarded_for) if forwarded_for else None
            if client is not None:
                scope["client"] = (str(client[0]), client[1])
            # The nearest proxy wrote the rightmost value; a caller may have sent values before it.
            protos = [value.strip().lower() for value in ",".join(_values(scope, b"x-forwarded-proto")).split(",")]
            if protos[-1] in _SCHEMES:
                scope["scheme"] = protos[-1]
        await self.app(scope, receive, send)


def _values(scope: Scope, name: bytes) -> list[str]:
    return [value.decode("latin-1") for key, value in scope["headers"] if key == name]


def _address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _parse_entry(entry: str) -> tuple[IPAddress, int] | None:
    """`198.51.100.9`, `198.51.100.9:443`, `2001:db8::1` or `[2001:db8::1]:443`; port 0 when absent."""
    host, port = entry, ""
    if entry.startswith("["):
        host, bracket, port = entry[1:].partition("]")
        if not bracket or (port and not port.startswith(":")):
            return None
        port = port.removeprefix(":")
    elif entry.count(":") == 1:
        host, _, port = entry.partition(":")
    address = _address(host)
    # Length first: a header may hold more digits than int() accepts.
    if address is None or (port and not (len(port) <= 5 and port.isascii() and port.isdigit() and int(port) <= 65535)):
        return None
    return address, int(port or 0)
