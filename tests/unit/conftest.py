"""The unit tests run on the pure rules and the ports' fakes: none of them may reach a network."""

from __future__ import annotations

import pytest

from tests.support.no_network import refuse_sockets


@pytest.fixture(autouse=True)
def _no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_sockets(monkeypatch)
