"""A guard that fails any socket connected or bound, for tests that must reach no network."""

from __future__ import annotations

import socket
from typing import Any, NoReturn

import pytest


class SocketOpened(RuntimeError):
    """A test that must reach no network connected or bound a socket."""


def _refuse(what: str, address_at: int) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> NoReturn:
        address = args[address_at] if len(args) > address_at else kwargs.get("address")
        raise SocketOpened(
            f"a unit test called {what}({address!r}): unit tests run on the fakes in tests/support and"
            " reach no network; a test that needs AWS or a server belongs in tests/handlers, tests/e2e or"
            " tests/infra"
        )

    return refuse


def refuse_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every ``connect``, ``connect_ex``, ``bind`` and ``create_connection`` raise ``SocketOpened``."""
    for method in ("connect", "connect_ex", "bind"):
        monkeypatch.setattr(socket.socket, method, _refuse(f"socket.{method}", 1))
    monkeypatch.setattr(socket, "create_connection", _refuse("socket.create_connection", 0))
