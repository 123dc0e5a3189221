from __future__ import annotations

import asyncio
import ipaddress
from typing import Any

import pytest
from pydantic import ValidationError
from starlette.types import Receive, Scope, Send

from app.config import Settings, describe_errors
from app.middleware.forwarded import ForwardedHeadersMiddleware, TrustedProxies

BALANCER = ("10.0.1.23", 40312)


def seen_by_the_app(trusted: str, headers: list[tuple[str, str]], peer: tuple[str, int] = BALANCER) -> Scope:
    """The scope the application receives once the middleware has read `headers` from `peer`."""
    seen: dict[str, Any] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.update(scope)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        pass

    scope = {
        "type": "http",
        "scheme": "http",
        "client": peer,
        "headers": [(name.lower().encode(), value.encode("latin-1")) for name, value in headers],
    }
    middleware = ForwardedHeadersMiddleware(app, trusted=TrustedProxies.parse(trusted))
    asyncio.run(middleware(scope, receive, send))
    return seen


def client(trusted: str, forwarded_for: str | list[str], peer: tuple[str, int] = BALANCER) -> tuple[str, int]:
    values = [forwarded_for] if isinstance(forwarded_for, str) else forwarded_for
    return tuple(seen_by_the_app(trusted, [("X-Forwarded-For", value) for value in values], peer)["client"])


def test_behind_any_peer_the_client_is_the_entry_the_balancer_appended() -> None:
    assert client("*", "203.0.113.7, 198.51.100.9") == ("198.51.100.9", 0)
    assert client("*", ["203.0.113.7", "198.51.100.9"]) == ("198.51.100.9", 0)
    assert client("*", "198.51.100.9") == ("198.51.100.9", 0)


def test_listed_proxies_are_skipped_from_the_right() -> None:
    trusted = "127.0.0.1, 10.0.0.0/8"

    assert client(trusted, "203.0.113.7, 198.51.100.9, 10.0.2.8", peer=("127.0.0.1", 5000)) == ("198.51.100.9", 0)
    # Only proxies in the chain: the request came from the leftmost of them.
    assert client(trusted, "10.0.3.3, 10.0.2.8") == ("10.0.3.3", 0)


def test_an_unlisted_peer_is_not_believed() -> None:
    seen = seen_by_the_app("10.0.0.1", [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https")])

    assert (seen["client"], seen["scheme"]) == (BALANCER, "http")


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        ("198.51.100.9:4711", ("198.51.100.9", 4711)),
        ("2001:db8::1", ("2001:db8::1", 0)),
        ("[2001:db8::1]:443", ("2001:db8::1", 443)),
        # Whatever a caller put to the left of the balancer's entry changes nothing.
        ("not an address, 198.51.100.9", ("198.51.100.9", 0)),
    ],
)
def test_address_forms(forwarded_for: str, expected: tuple[str, int]) -> None:
    assert client("*", forwarded_for) == expected


@pytest.mark.parametrize(
    "forwarded_for",
    ["", "198.51.100.9, unknown", "198.51.100.9:99999", "198.51.100.9:" + "0" * 5000, "[2001:db8::1", "1.2.3.4:²"],
)
def test_an_entry_no_proxy_writes_leaves_the_peer_address(forwarded_for: str) -> None:
    assert client("*", forwarded_for) == BALANCER


@pytest.mark.parametrize(
    ("protos", "scheme"),
    [
        (["https"], "https"),
        (["HTTPS "], "https"),
        # The caller's value first, the balancer's last.
        (["https", "http"], "http"),
        (["https, http"], "http"),
        (["http, ftp"], "http"),
    ],
)
def test_the_scheme_is_the_one_the_nearest_proxy_wrote(protos: list[str], scheme: str) -> None:
    assert seen_by_the_app("*", [("X-Forwarded-Proto", value) for value in protos])["scheme"] == scheme


@pytest.mark.parametrize("value", ["proxy.internal", "10.0.0.300", "*, 10.0.0.1", " , "])
def test_settings_refuse_what_names_no_proxy(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(forwarded_allow_ips=value)

    assert describe_errors(caught.value).startswith("MODEL_SERVICE_FORWARDED_ALLOW_IPS: Value error, ")


def test_settings_accept_addresses_networks_and_any() -> None:
    assert Settings(forwarded_allow_ips="*").trusted_proxies.any_peer
    listed = Settings(forwarded_allow_ips="127.0.0.1, ::1, 10.0.0.0/16").trusted_proxies

    assert not listed.any_peer
    assert listed.networks == tuple(map(ipaddress.ip_network, ["127.0.0.1/32", "::1/128", "10.0.0.0/16"]))
