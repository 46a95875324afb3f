"""The SSRF guard: only http(s) to public addresses, unless private targets are allowed."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from kiln.events.targets import Resolver, TargetNotFound, UnsafeTarget, address_allowed, check_url, resolve_target


def resolver(*addresses: str) -> Resolver:
    def resolve(host: str, port: int) -> Sequence[str]:
        return list(addresses)

    return resolve


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "100.64.0.1",
        "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1",
        "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2001:db8::1",
    ],
)  # fmt: skip
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not address_allowed(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_allowed(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook", "http://localhost/hook", "http://app.localhost/hook", "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data", "http://10.0.0.5/hook",
    ],
)  # fmt: skip
def test_local_urls_are_refused_without_dns(url: str) -> None:
    with pytest.raises(UnsafeTarget, match="KILN_WEBHOOK_ALLOW_PRIVATE"):
        check_url(url, allow_private=False)
    check_url(url, allow_private=True)


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "gopher://example.com", "http://", "x"])
def test_only_http_and_https_urls(url: str) -> None:
    with pytest.raises(UnsafeTarget):
        check_url(url, allow_private=True)


def test_a_name_must_resolve_to_public_addresses_only() -> None:
    public = resolver("93.184.216.34")
    target = resolve_target("https://hooks.example.com/kiln?x=1", allow_private=False, resolver=public)
    assert (target.scheme, target.host, target.port) == ("https", "hooks.example.com", 443)
    assert target.pinned == "93.184.216.34"
    mixed = resolver("93.184.216.34", "10.0.0.7")  # one private answer is enough to refuse
    with pytest.raises(UnsafeTarget, match=r"10\.0\.0\.7"):
        resolve_target("https://rebind.example.com/", allow_private=False, resolver=mixed)
    allowed = resolve_target("http://internal.example.com:9000/", allow_private=True, resolver=resolver("10.0.0.7"))
    assert (allowed.port, allowed.addresses) == (9000, ("10.0.0.7",))


def test_a_name_that_does_not_resolve_is_not_found() -> None:
    with pytest.raises(TargetNotFound):
        resolve_target("https://no-such-host.invalid/", allow_private=False)


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("0x7f000001", "127.0.0.1"), ("0X7F000001", "127.0.0.1"), ("2130706433", "127.0.0.1"), ("127.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"), ("0x7f.0.0.1", "127.0.0.1"), ("127.0.1", "127.0.0.1"), ("012.1", "10.0.0.1"),
        ("3232235521", "192.168.0.1"), ("0xa9fea9fe", "169.254.169.254"), ("0", "0.0.0.0"),
    ],
)  # fmt: skip
def test_every_numeric_ipv4_form_is_checked_as_the_address_it_means(host: str, address: str) -> None:
    """inet_aton's legacy forms (hex, octal, one number, shortened dots) reach the address resolvers give them."""
    for url, field, setting in (
        (f"http://{host}/hook", "webhook_url", "KILN_WEBHOOK_ALLOW_PRIVATE"),
        (f"https://{host}:8443/a.png", "items.0.image", "KILN_INPUT_ALLOW_PRIVATE"),
    ):
        with pytest.raises(UnsafeTarget, match=setting) as refused:
            check_url(url, allow_private=False, field=field, setting=setting)
        assert refused.value.field == field
    allowed = resolve_target(f"http://{host}/hook", allow_private=True, resolver=resolver())  # no DNS asked
    assert allowed.pinned == address


@pytest.mark.parametrize(
    ("host", "address"),
    [("0x5db8d822", "93.184.216.34"), ("1572395042", "93.184.216.34"), ("93.0xb8d822", "93.184.216.34")],
)
def test_a_public_address_in_a_numeric_form_is_allowed_and_pinned(host: str, address: str) -> None:
    check_url(f"http://{host}/hook", allow_private=False)
    assert resolve_target(f"http://{host}/hook", allow_private=False, resolver=resolver()).pinned == address


@pytest.mark.parametrize("host", ["0x7f000001.example.com", "cafe", "1.2.3.4.5", "4294967296", "08.1.2.3", "1e3"])
def test_names_that_only_look_numeric_are_resolved_as_names(host: str) -> None:
    """Not an address inet_aton takes: a name, checked by what it resolves to."""
    check_url(f"http://{host}/hook", allow_private=False)
    with pytest.raises(UnsafeTarget, match="resolves to a non-public address"):
        resolve_target(f"http://{host}/hook", allow_private=False, resolver=resolver("127.0.0.1"))
