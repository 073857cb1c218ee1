"""The local stack's clock, which can be moved forward so a deadline passes without waiting for it.

Every part of the stack reads the time its own way: the handlers through ``datetime.now`` and
``time.time``, moto when it stamps an object's ``LastModified`` or an S3 event, the S3 front when it checks
a policy's expiry. So the clock is moved where all of them read it, the process clock, with time-machine:
the stack's process travels, and each worker follows the offset its invocation carries. Time keeps ticking
from the new instant; monotonic clocks (timeouts, batching windows) are left alone.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any


def real_now() -> datetime:
    """The machine's time, whatever the stack's clock says."""
    from time_machine import escape_hatch

    if escape_hatch.is_travelling():
        return escape_hatch.datetime.datetime.now(UTC)
    return datetime.now(UTC)


class Travel:
    """This process's clock, ``offset`` seconds ahead of the machine's once ``follow`` has moved it."""

    def __init__(self) -> None:
        self.offset = 0.0
        self._traveller: Any = None

    def follow(self, offset: float) -> None:
        """Run this process's clock ``offset`` seconds ahead of the machine's (0 stops travelling)."""
        if offset == self.offset:
            return
        import time_machine

        if self._traveller is not None:
            self._traveller.stop()
            self._traveller = None
        if offset:
            self._traveller = time_machine.travel(real_now().timestamp() + offset, tick=True)
            self._traveller.start()
        self.offset = offset


class StackClock:
    """The stack's clock: forward only, so nothing the stack recorded ever lies in its future."""

    def __init__(self) -> None:
        self._travel = Travel()
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        """Seconds the stack's clock runs ahead of the machine's; every invocation carries it."""
        return self._travel.offset

    def now(self) -> datetime:
        return datetime.now(UTC)

    def check_forward(self, instant: datetime) -> None:
        """Refuse (``ValueError``) an instant that is not after the stack's present."""
        now = self.now()
        if instant <= now:
            raise ValueError(
                f"the stack's clock only moves forward: {instant.isoformat()} is not after"
                f" {now.isoformat(timespec='seconds')}"
            )

    def move_to(self, instant: datetime) -> None:
        """Make ``instant`` the stack's present; an instant not after it is refused."""
        with self._lock:
            self.check_forward(instant)
            self._travel.follow((instant - real_now()).total_seconds())
