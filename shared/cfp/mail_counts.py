"""DynamoDB adapter for ``cfp.mailbox``: a mailbox's admissions and its submissions' mails, in the
submissions table under one partition per mailbox (read by key with a Query and written with UpdateItem,
the notifier's grants on the table).

| pk (all ``LIMIT#mailbox#<sha256>``) | sk                           | what                               |
|--------------------------------------|------------------------------|------------------------------------|
| the mailbox                          | ``ADMIT#<hour>``             | ``n`` admitted, ``subs`` which; TTL |
| the mailbox                          | ``ADMITTED#<submission>``    | admitted; TTL 400 days on          |
| the mailbox                          | ``MAIL#<hour>#<submission>`` | ``n`` mails, ``events`` which; TTL |

Only a hash of the mailbox is stored. Each count is one conditional update that names what it counts (the
submission, the event), so two notifiers counting at once never pass a limit and nothing counts twice; an
admission is counted before its marker is written, so a crash between the two is repaired by the next ask
in that hour (in a later hour it costs the mailbox one more admission).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# How long an admission is remembered: past any call's life, extensions included.
ADMISSION_KEPT = timedelta(days=400)


class MailCounts:
    """Implements ``cfp.ports.MailboxCounter`` on the submissions table."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def admit(self, mailbox: str, submission: str, hour: datetime, end: datetime, most: int) -> bool:
        pk = _pk(mailbox)
        marker = {":pk": {"S": pk}, ":sk": {"S": f"ADMITTED#{submission}"}}
        found = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk = :sk",
            ExpressionAttributeValues=marker,
            ConsistentRead=True,
        )
        if found.get("Count"):
            return True
        if not self._count(pk, f"ADMIT#{hour.isoformat()}", "subs", submission, end, most):
            return False
        self._client.update_item(
            TableName=self._table,
            Key={"pk": marker[":pk"], "sk": marker[":sk"]},
            UpdateExpression="SET expires_epoch = :expires",
            ExpressionAttributeValues={":expires": {"N": str(int((end + ADMISSION_KEPT).timestamp()))}},
        )
        return True

    def count_mail(
        self, mailbox: str, submission: str, event_id: str, hour: datetime, end: datetime, most: int
    ) -> bool:
        return self._count(
            _pk(mailbox), f"MAIL#{hour.isoformat()}#{submission}", "events", event_id, end, most
        )

    def _count(self, pk: str, sk: str, names: str, name: str, end: datetime, most: int) -> bool:
        """Add ``name`` to the set ``names`` of the item and count it, unless it is there (True: counted
        before) or ``most`` are (False)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": pk}, "sk": {"S": sk}},
                UpdateExpression="ADD n :one, #names :name SET expires_epoch = :expires",
                ConditionExpression=(
                    "(attribute_not_exists(n) OR n < :most) "
                    "AND (attribute_not_exists(#names) OR NOT contains(#names, :id))"
                ),
                ExpressionAttributeNames={"#names": names},
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":most": {"N": str(most)},
                    ":name": {"SS": [name]},
                    ":id": {"S": name},
                    ":expires": {"N": str(int(end.timestamp()) + 3600)},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            old: Any = error.response.get("Item", {})
            return name in old.get(names, {}).get("SS", [])
        return True


def _pk(mailbox: str) -> str:
    return f"LIMIT#mailbox#{hashlib.sha256(mailbox.encode()).hexdigest()}"
