"""`kiln serve` prints an address a browser can open, also when it listens on every interface."""

from __future__ import annotations

import socket

from kiln.cli.serve import open_addresses


def test_the_printed_address_is_one_a_browser_can_open() -> None:
    assert open_addresses("127.0.0.1", 8000) == ["http://127.0.0.1:8000/"]
    assert open_addresses("0.0.0.0", 8100) == ["http://127.0.0.1:8100/", f"http://{socket.gethostname()}:8100/"]
    assert open_addresses("::", 80)[0] == "http://[::1]:80/"
    assert open_addresses("::1", 8000) == ["http://[::1]:8000/"]
    assert open_addresses("kiln.local", 9000) == ["http://kiln.local:9000/"]
