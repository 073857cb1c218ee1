"""An event source's poller gathers a batch in few receives: a long poll while idle, pauses in a window."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from cfp_tools.local.pollers import IDLE_WAIT_SECONDS, SqsPoller
from cfp_tools.template import SqsEvent


class TrickleQueue:
    """A queue that always has one more message, as under a steady stream of events."""

    def __init__(self) -> None:
        self.receives: list[dict[str, Any]] = []

    def receive_message(self, **request: Any) -> dict[str, Any]:
        self.receives.append(request)
        number = len(self.receives)
        message = {"MessageId": f"m{number}", "ReceiptHandle": f"r{number}", "Body": "x", "MD5OfBody": "-"}
        return {"Messages": [message]}


def test_a_window_gathers_a_trickle_in_a_few_receives() -> None:
    queue = TrickleQueue()
    source = SqsEvent("Stream", "arn:aws:sqs:us-east-1:123456789012:q", 500, 1, True)
    worker = SimpleNamespace(function=SimpleNamespace(logical_id="NotifierFunction"))
    poller = SqsPoller(queue, "http://queue", source, worker, threading.Event(), print)  # type: ignore[arg-type]

    batch = poller.gather()

    # The first receive long-polls; the window's one-second reads pause after a drained queue instead of
    # asking again at once (which took hundreds of receives for the same trickle).
    assert queue.receives[0]["WaitTimeSeconds"] == IDLE_WAIT_SECONDS
    assert 2 <= len(queue.receives) <= 4
    assert len(batch) == len(queue.receives) and poller.holding
