"""The isolated child: replies, exceptions, crashes and limits all come back as outcomes."""

from __future__ import annotations

import os
import signal
from typing import Any

from cfp.formatcheck.isolation import Limits, run_isolated

LIMITS = Limits(cpu_seconds=1, wall_seconds=5, memory_mb=512)


def test_reply_comes_back() -> None:
    outcome = run_isolated(lambda: {"pages": 2}, LIMITS)
    assert (outcome.reply, outcome.failure) == ({"pages": 2}, None)


def test_exception_is_reported() -> None:
    def task() -> dict[str, Any]:
        raise ValueError("bad xref")

    outcome = run_isolated(task, LIMITS)
    assert outcome.failure == "exception"
    assert "bad xref" in outcome.detail


def test_crash_is_reported() -> None:
    def task() -> dict[str, Any]:
        os.kill(os.getpid(), signal.SIGSEGV)
        return {}

    outcome = run_isolated(task, LIMITS)
    assert outcome.failure == "crash"


def test_cpu_limit_stops_a_loop() -> None:
    def task() -> dict[str, Any]:
        while True:
            pass

    # Wall time well above the CPU limit: on a busy machine the loop may get its second of CPU slowly.
    outcome = run_isolated(task, Limits(cpu_seconds=1, wall_seconds=30, memory_mb=512))
    assert outcome.failure == "cpu"


def test_memory_limit_stops_allocation() -> None:
    def task() -> dict[str, Any]:
        hog = bytearray(1024 * 1024 * 1024)
        return {"size": len(hog)}

    outcome = run_isolated(task, LIMITS)
    assert outcome.failure == "memory"


def test_wall_limit_stops_a_sleeper() -> None:
    def task() -> dict[str, Any]:
        signal.pause()
        return {}

    outcome = run_isolated(task, Limits(cpu_seconds=1, wall_seconds=0.2, memory_mb=512))
    assert outcome.failure == "wall"
