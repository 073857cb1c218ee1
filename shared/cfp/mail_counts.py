"""DynamoDB adapter for ``cfp.mailbox``: one item per mailbox and hour in the submissions table.

| pk                         | sk         | what                                                   |
|----------------------------|------------|--------------------------------------------------------|
| ``LIMIT#mailbox#<sha256>`` | ``<hour>`` | ``n`` mails, ``events`` the ids counted; TTL           |

Only a hash of the mailbox is stored. One conditional update counts a mail, so two notifiers counting at
once never pass the limit, and an event already in ``events`` is not counted again.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class MailCounts:
    """Implements ``cfp.ports.MailboxCounter`` on the submissions table."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def count_mail(self, mailbox: str, event_id: str, hour: datetime, end: datetime, most: int) -> bool:
        digest = hashlib.sha256(mailbox.encode()).hexdigest()
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"LIMIT#mailbox#{digest}"}, "sk": {"S": hour.isoformat()}},
                UpdateExpression="ADD n :one, events :event SET expires_epoch = :expires",
                ConditionExpression=(
                    "(attribute_not_exists(n) OR n < :most) "
                    "AND (attribute_not_exists(events) OR NOT contains(events, :id))"
                ),
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":most": {"N": str(most)},
                    ":event": {"SS": [event_id]},
                    ":id": {"S": event_id},
                    ":expires": {"N": str(int(end.timestamp()) + 3600)},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            counted = error.response.get("Item", {}).get("events", {}).get("SS", [])  # type: ignore[attr-defined]
            return event_id in counted
        return True
