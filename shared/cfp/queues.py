"""SQS adapter: puts notification events on the queue the notifier reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfp.events import NotificationEvent

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class NotificationQueue:
    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def publish(self, event: NotificationEvent) -> None:
        self._client.send_message(QueueUrl=self._url, MessageBody=event.model_dump_json())
