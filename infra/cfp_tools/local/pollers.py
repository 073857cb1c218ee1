"""SQS event source mappings: poll a queue and invoke a function the way Lambda's pollers do.

Batches are gathered up to ``BatchSize`` messages for at most ``MaximumBatchingWindowInSeconds``. After
the invocation, every message is deleted on success; with ``ReportBatchItemFailures`` only the ones not
reported are. Messages left undeleted become visible again after the queue's visibility timeout, and moto
moves them to the dead-letter queue once they were received ``maxReceiveCount`` times. On shutdown the
batch gathered so far is still delivered, so mail already queued is sent before the in-memory stack goes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from cfp_tools.local.functions import FunctionPool, InvocationError
from cfp_tools.local.usage import Meter
from cfp_tools.template import REGION, SqsEvent

RECEIVE_LIMIT = 10
# Lambda's pollers long-poll an idle queue for 20 seconds; a message sent meanwhile is received at once.
IDLE_WAIT_SECONDS = 20
# Within a batching window, a drained queue is read again after this pause rather than at once: what
# arrives meanwhile waits in the queue and joins the same batch, for one receive instead of one each.
GATHER_PAUSE_SECONDS = 0.5


def to_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """One SQS record as Lambda puts it into an event."""
    attributes = {key: str(value) for key, value in (message.get("Attributes") or {}).items()}
    message_attributes = {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": value.get("BinaryListValues", []),
            "dataType": value.get("DataType"),
        }
        for name, value in (message.get("MessageAttributes") or {}).items()
    }
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def failed_ids(result: Any, message_ids: set[str]) -> set[str] | None:
    """Message ids a ReportBatchItemFailures response names; ``None`` means the whole batch failed."""
    if result is None:
        return set()
    if not isinstance(result, dict):
        return None
    failures = result.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return None
    found: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in message_ids:
            return None
        found.add(identifier)
    return found


class SqsPoller:
    """One event source mapping, polled on its own thread until ``stop`` is set."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        source: SqsEvent,
        worker: FunctionPool,
        stop: threading.Event,
        log: Callable[[str], None],
        meter: Meter | None = None,
    ) -> None:
        self.sqs = sqs
        self.meter = meter
        self.queue_url = queue_url
        self.source = source
        self.worker = worker
        self.stop = stop
        self.log = log
        # Batches handed to the function so far, counted once their messages are deleted or left to retry.
        self.deliveries = 0
        # Whether messages have been received and not yet delivered: what a stop must wait for.
        self.holding = False
        self.thread = threading.Thread(
            target=self.run, name=f"poller-{worker.function.logical_id}-{source.name}", daemon=True
        )

    def gather(self) -> list[dict[str, Any]]:
        """Up to BatchSize messages: the first ones, then whatever arrives within the batching window.

        A message received again within the window (its visibility ran out) counts once, with its newest
        receipt handle, which is the one that deletes it.
        """
        batch: dict[str, dict[str, Any]] = {}
        window_ends: float | None = None
        while not self.stop.is_set() and len(batch) < self.source.batch_size:
            remaining = None if window_ends is None else window_ends - time.monotonic()
            if remaining is not None and remaining <= 0:
                break
            wanted = min(RECEIVE_LIMIT, self.source.batch_size - len(batch))
            response = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=wanted,
                WaitTimeSeconds=IDLE_WAIT_SECONDS if remaining is None else 0,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            messages = response.get("Messages", [])
            batch.update((message["MessageId"], message) for message in messages)
            self.holding = bool(batch)
            if batch and window_ends is None:
                if self.source.batching_window_seconds == 0:
                    break
                window_ends = time.monotonic() + self.source.batching_window_seconds
            elif remaining is not None and len(messages) < wanted:
                self.stop.wait(min(GATHER_PAUSE_SECONDS, remaining))
        return list(batch.values())

    def deliver(self, batch: list[dict[str, Any]]) -> None:
        """Invoke the function with ``batch`` and delete what it processed."""
        try:
            self._deliver(batch)
        finally:
            self.deliveries += 1
            self.holding = False

    def _deliver(self, batch: list[dict[str, Any]]) -> None:
        records = [to_record(message, self.source.queue_arn) for message in batch]
        name = self.worker.function.logical_id
        try:
            result = self.worker.invoke({"Records": records})
        except InvocationError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.log(f"{name}: batch of {len(batch)} failed ({reason}); messages will be retried")
            return
        ids = {message["MessageId"] for message in batch}
        failed = failed_ids(result, ids) if self.source.report_batch_item_failures else set()
        if failed is None:
            self.log(f"{name}: invalid batchItemFailures response; the whole batch will be retried")
            return
        done = [message for message in batch if message["MessageId"] not in failed]
        for start in range(0, len(done), RECEIVE_LIMIT):
            chunk = done[start : start + RECEIVE_LIMIT]
            answer = self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
            for failure in answer.get("Failed", []):
                # Lambda's pollers retry such a delete; here the message comes again after its visibility
                # timeout, and the function's idempotency keeps its effects single.
                self.log(f"{name}: a processed message was not deleted ({failure.get('Message')})")
        suffix = f", {len(failed)} reported failed" if failed else ""
        self.log(f"{name}: processed {len(batch)} message(s){suffix}")

    def run(self) -> None:
        part = f"poller {self.worker.function.logical_id}"
        while not self.stop.is_set():
            started = time.thread_time()
            batch: list[dict[str, Any]] = []
            try:
                batch = self.gather()
                if batch:
                    self.deliver(batch)
            except Exception as exc:
                if self.stop.is_set():
                    break
                self.log(f"poller {self.thread.name}: {exc}")
                self.stop.wait(1)
            finally:
                # Its own thread's CPU (receiving, deleting), a call per batch delivered.
                if self.meter is not None:
                    self.meter.add(part, time.thread_time() - started, calls=1 if batch else 0)
