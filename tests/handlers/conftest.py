"""Each handler test runs in a moto account holding the service's resources (``tests.support.world``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.world import World, moto_world


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with moto_world(monkeypatch) as made:
        yield made
