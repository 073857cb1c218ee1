"""SQS adapters: the notification queue the notifier reads, the validation queue a missed upload is put
back on, and the dead-letter queues, peeked at, counted, or moved back to their queue by an operator."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from cfp.errors import PublishFailed, QueueUnavailable
from cfp.events import NotificationEvent

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


class ValidationQueue:
    """The queue S3 events reach the validator through; the keeper puts back uploads whose event was lost."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def send(self, body: str) -> None:
        self._client.send_message(QueueUrl=self._url, MessageBody=body)


class DeadLetters:
    """A dead-letter queue, peeked at: messages are received and left in place (they reappear after
    ``hide_seconds``), so operators still find every one of them there."""

    def __init__(self, client: SQSClient, queue_url: str, hide_seconds: int = 300) -> None:
        self._client = client
        self._url = queue_url
        self._hide_seconds = hide_seconds

    def bodies(self, limit: int = 1000) -> list[str]:
        """Up to ``limit`` distinct message bodies now in the queue."""
        seen: dict[str, str] = {}
        while len(seen) < limit:
            got = self._client.receive_message(
                QueueUrl=self._url, MaxNumberOfMessages=10, VisibilityTimeout=self._hide_seconds
            )
            messages = got.get("Messages", [])
            fresh = [m for m in messages if m["MessageId"] not in seen]
            if not fresh:
                break
            seen.update((m["MessageId"], m.get("Body", "")) for m in fresh)
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
