"""SQS adapters: the notification queue the notifier reads, the validation queue a missed upload is put
back on, the archive queue, and the dead-letter queues, peeked at, counted, or moved back to their queue by
an organizer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from cfp.errors import PublishFailed, QueueUnavailable
from cfp.events import NotificationEvent
from cfp.observability import logger
from cfp.ports import DeadLetter

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class NotificationQueue:
    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def publish(self, event: NotificationEvent) -> None:
        try:
            self._client.send_message(QueueUrl=self._url, MessageBody=event.model_dump_json())
        except (BotoCoreError, ClientError) as error:
            raise PublishFailed(f"{event.event_id}: {error}") from error

    def publish_many(self, events: list[NotificationEvent]) -> list[str]:
        """Queue events ten to a request; the ids of those SQS took (the others are logged)."""
        taken: list[str] = []
        for start in range(0, len(events), 10):
            batch = events[start : start + 10]
            entries = [{"Id": str(n), "MessageBody": e.model_dump_json()} for n, e in enumerate(batch)]
            try:
                answer = self._client.send_message_batch(QueueUrl=self._url, Entries=entries)  # type: ignore[arg-type]
            except (BotoCoreError, ClientError):
                logger.warning("events stay in the outbox", extra={"count": len(batch)})
                continue
            taken.extend(batch[int(entry["Id"])].event_id for entry in answer.get("Successful", []))
            if answer.get("Failed"):
                logger.warning("events stay in the outbox", extra={"count": len(answer["Failed"])})
        return taken

    def retry_soon(self, receipt_handle: str, seconds: int) -> None:
        """Make a message handed back visible again after ``seconds`` instead of the queue's visibility
        timeout. Best effort: if SQS does not take it, the message comes back after the timeout."""
        try:
            self._client.change_message_visibility(
                QueueUrl=self._url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
            )
        except (BotoCoreError, ClientError):
            logger.warning("a message handed back waits out the visibility timeout")


class ValidationQueue:
    """The queue S3 events reach the validator through; the keeper puts back uploads whose event was lost."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def send(self, body: str) -> None:
        self._client.send_message(QueueUrl=self._url, MessageBody=body)


class JobQueue:
    """A queue of plain messages (archive jobs for the archiver)."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def send(self, body: str) -> None:
        try:
            self._client.send_message(QueueUrl=self._url, MessageBody=body)
        except (BotoCoreError, ClientError) as error:
            raise QueueUnavailable(f"the queue did not take the message: {error}") from error


class DeadLetters:
    """A dead-letter queue, peeked at: each message is hidden only while the queue is read (so every one
    is seen once) and is visible again right after, so operators find every one of them there and a
    redrive at any moment moves them all."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def bodies(self, limit: int = 1000) -> list[str]:
        """Up to ``limit`` distinct message bodies now in the queue, left in place."""
        return [letter.body for letter in self.peek(limit)]

    def peek(self, limit: int) -> list[DeadLetter]:
        """Up to ``limit`` waiting messages with when they were sent and how often delivered; each is hidden
        for a moment while they are read (so every one is seen once) and then made visible again, so a
        redrive right after finds them all."""
        seen: dict[str, DeadLetter] = {}
        handles: list[str] = []
        try:
            while len(seen) < limit:
                got = self._client.receive_message(
                    QueueUrl=self._url,
                    MaxNumberOfMessages=min(10, limit - len(seen)),
                    VisibilityTimeout=30,
                    MessageSystemAttributeNames=["SentTimestamp", "ApproximateReceiveCount"],
                )
                fresh = [m for m in got.get("Messages", []) if m["MessageId"] not in seen]
                if not fresh:
                    break
                for message in fresh:
                    attributes = message.get("Attributes", {})
                    sent = attributes.get("SentTimestamp")
                    seen[message["MessageId"]] = DeadLetter(
                        message_id=message["MessageId"],
                        sent_at=datetime.fromtimestamp(int(sent) / 1000, UTC) if sent else None,
                        # Counting this peek's own receive out: what the consumer tried.
                        receive_count=max(0, int(attributes.get("ApproximateReceiveCount", "1")) - 1),
                        body=message.get("Body", ""),
                    )
                    handles.append(message["ReceiptHandle"])
        except (BotoCoreError, ClientError) as error:
            raise QueueUnavailable(f"the queue could not be read: {error}") from error
        finally:
            for start in range(0, len(handles), 10):
                batch = handles[start : start + 10]
                self._client.change_message_visibility_batch(
                    QueueUrl=self._url,
                    Entries=[
                        {"Id": str(n), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                        for n, handle in enumerate(batch)
                    ],
                )
        return list(seen.values())

    def count(self) -> int:
        """How many messages wait in the queue (SQS's approximate count)."""
        try:
            attributes = self._client.get_queue_attributes(
                QueueUrl=self._url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
        except (BotoCoreError, ClientError) as error:
            raise QueueUnavailable(f"the queue could not be read: {error}") from error
        return sum(int(attributes.get(name, 0)) for name in attributes)

    def redrive(self, target_url: str) -> int:
        """Move every message back to the queue it came from; each is deleted here only once it is sent
        there, so a failure part-way leaves the rest where they were."""
        moved = 0
        try:
            while True:
                got = self._client.receive_message(
                    QueueUrl=self._url, MaxNumberOfMessages=10, VisibilityTimeout=60
                )
                messages = got.get("Messages", [])
                if not messages:
                    return moved
                for message in messages:
                    self._client.send_message(QueueUrl=target_url, MessageBody=message.get("Body", ""))
                    self._client.delete_message(QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"])
                    moved += 1
        except (BotoCoreError, ClientError) as error:
            raise QueueUnavailable(f"{moved} moved back, then the queue failed: {error}") from error
