"""A function's own adapters: its settings, its AWS clients and its clock, once per warm container.

A handler loads its settings at import (``load_settings``), so a misconfigured function fails at cold
start; clients and adapters are made on first use, so tests can start moto first, and ``reset`` drops
every cached object between tests. ``use_clock`` is the single place where the time is injected. The
services themselves are built by ``cfp.bootstrap`` from ``adapters()``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from cfp.adapters import Adapters
from cfp.clock import Clock, SystemClock
from cfp.settings import Settings, SettingsError, get_settings

_clock: list[Clock] = [SystemClock()]


def use_clock(clock: Clock) -> None:
    """Replace the clock every service reads (the tests pin it), making the adapters again around it."""
    _clock[0] = clock
    _adapters.cache_clear()


def clock() -> Clock:
    return _clock[0]


def settings() -> Settings:
    return get_settings()


def load_settings(*needed: str) -> None:
    """Parse the settings now. Each handler calls this at import, so a function whose environment lacks a
    variable or holds a malformed one fails at cold start with a ``SettingsError`` naming it, not at its
    first invocation; ``needed`` names settings the service may go without but this function may not."""
    s = settings()
    missing = [name.upper() for name in needed if not getattr(s, name)]
    if missing:
        raise SettingsError(f"the function's environment is not valid: it needs {', '.join(missing)}")


@cache
def client(service: str) -> Any:
    """One boto3 client per service, with timeouts well inside the functions' own (botocore's default of
    60 s would let one hung call outlast the invocation); S3 signs with SigV4 so presigned posts work
    on every endpoint."""
    config = Config(connect_timeout=5, read_timeout=20, retries={"mode": "standard", "max_attempts": 3})
    if service == "s3":
        config = config.merge(Config(signature_version="s3v4"))
    return boto3.client(service, config=config)  # type: ignore[call-overload]


@cache
def _adapters() -> Adapters:
    return _made(clock())


def adapters(at: Clock | None = None) -> Adapters:
    """This function's adapters, made once per container; with ``at`` (a replayed schedule's instant),
    ones reading that clock."""
    return _adapters() if at is None else _made(at)


def _made(at: Clock) -> Adapters:
    """Adapters of this function's environment and clients, reading ``at``."""
    return Adapters(settings=settings(), clients=client, clock=at)


def reset() -> None:
    """Forget cached settings, clients and adapters (with the keys they read), and go back to the system
    clock."""
    get_settings.cache_clear()
    client.cache_clear()
    _adapters.cache_clear()
    _clock[0] = SystemClock()
