"""The SSRF guard on webhook targets: only http(s), and only public addresses unless the settings allow others.

A name is resolved and every address it resolves to must be allowed; the dispatcher then connects to one of those
very addresses (see `Target.pinned`), so a DNS answer that changes between the check and the request (rebinding)
cannot send a delivery to an internal host.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from kiln.errors import InvalidInput, KilnError

__all__ = [
    "Resolver",
    "Target",
    "TargetNotFound",
    "UnsafeTarget",
    "address_allowed",
    "check_url",
    "resolve_host",
    "resolve_target",
]

Resolver = Callable[[str, int], Sequence[str]]
_SCHEMES = {"http": 80, "https": 443}
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
# one to four dot-separated numbers, each decimal, octal (0...) or hex (0x...): the IPv4 forms of inet_aton
_NUMERIC_V4 = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}", re.IGNORECASE)


WEBHOOK_FIELD, WEBHOOK_SETTING = "webhook_url", "KILN_WEBHOOK_ALLOW_PRIVATE"


class UnsafeTarget(InvalidInput):
    """A URL kiln refuses to call: not http(s), malformed, or reaching a non-public address. It names the request
    field that gave the URL (default: `webhook_url`); input URLs name their own field and setting."""

    def __init__(self, message: str, field: str = WEBHOOK_FIELD) -> None:
        super().__init__(field, message)


class TargetNotFound(KilnError):
    """A webhook host that does not resolve (now): worth another try later."""


@dataclass(frozen=True, slots=True)
class Target:
    """A checked webhook URL and the allowed addresses its host resolved to."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]

    @property
    def pinned(self) -> str:
        """The address to connect to (the first the resolver gave)."""
        return self.addresses[0]


def address_allowed(address: str) -> bool:
    """Whether an IP address is public: not loopback, private, link-local, multicast, reserved or unspecified."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    blocked = (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local)
    )
    return ip.is_global and not blocked


def _split(url: str, field: str = WEBHOOK_FIELD) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget(f"{url!r} is not a valid URL ({exc})", field) from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise UnsafeTarget(f"{url!r}: only http and https URLs are accepted", field)
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeTarget(f"{url!r} has no host", field)
    return scheme, host, port or _SCHEMES[scheme]


def _literal(host: str) -> str | None:
    """The address a host that is an IP literal means, or None (a name). IPv4 counts in every form resolvers take
    (`inet_aton`'s: `0x7f000001`, `2130706433`, `127.1`, `0177.0.0.1`), so none of them slips past the check."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not _NUMERIC_V4.fullmatch(host):  # inet_aton ignores what follows a space; a host name has letters
        return None
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None


def check_url(url: str, *, allow_private: bool, field: str = WEBHOOK_FIELD, setting: str = WEBHOOK_SETTING) -> None:
    """What can be checked without DNS (for request validation): scheme, syntax, and literal or local hosts. A
    refusal names `field` and the `setting` that allows private addresses."""
    _, host, _ = _split(url, field)
    if allow_private:
        return
    literal = _literal(host)
    if host.lower() in _LOCAL_NAMES or host.lower().endswith(".localhost"):
        raise UnsafeTarget(f"{url!r} points at this machine; set {setting}=1 to allow it", field)
    if literal is not None and not address_allowed(literal):
        raise UnsafeTarget(f"{url!r} points at a non-public address; set {setting}=1 to allow private targets", field)


def resolve_host(host: str, port: int) -> list[str]:
    """Every address a host name resolves to, in the resolver's order, without repeats."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetNotFound(f"cannot resolve {host!r}: {exc}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def resolve_target(
    url: str,
    *,
    allow_private: bool,
    resolver: Resolver = resolve_host,
    field: str = WEBHOOK_FIELD,
    setting: str = WEBHOOK_SETTING,
) -> Target:
    """Check a URL and resolve its host; every address must be allowed, or the target is refused (naming `field`
    and `setting`, as `check_url` does)."""
    check_url(url, allow_private=allow_private, field=field, setting=setting)
    scheme, host, port = _split(url, field)
    literal = _literal(host)
    addresses = (literal,) if literal is not None else tuple(resolver(host, port))
    if not addresses:
        raise TargetNotFound(f"{host!r} resolves to no address")
    if not allow_private:
        refused = [address for address in addresses if not address_allowed(address)]
        if refused:
            raise UnsafeTarget(
                f"{url!r} resolves to a non-public address ({', '.join(refused)}); "
                f"set {setting}=1 to allow private targets",
                field,
            )
    return Target(url=url.strip(), scheme=scheme, host=host, port=port, addresses=addresses)
