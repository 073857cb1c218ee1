"""The unit tests' guard: a socket connected or bound in a unit test fails it, naming the address."""

from __future__ import annotations

import socket

import pytest

from tests.support.no_network import SocketOpened


def test_connecting_fails_naming_the_address() -> None:
    with (
        socket.socket() as opened,
        pytest.raises(SocketOpened, match=r"socket\.connect\(\('192\.0\.2\.1', 80\)\)"),
    ):
        opened.connect(("192.0.2.1", 80))


def test_binding_fails() -> None:
    with socket.socket() as opened, pytest.raises(SocketOpened, match="reach no network"):
        opened.bind(("127.0.0.1", 0))


def test_a_client_connection_fails() -> None:
    with pytest.raises(SocketOpened, match="create_connection"):
        socket.create_connection(("192.0.2.1", 443), timeout=0.1)
