"""DynamoDB adapter of the call's bookkeeping: counters per time window, once-only markers and the audit
trail of organizers' changes, in the submissions' table (layout: ``cfp.table_items``)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from cfp.errors import LimitReached
from cfp.ports import AuditEntry
from cfp.submission_items import audit_from, audit_item
from cfp.table_items import condition_failed, iso, partition_items, submission_pk, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoBookkeeping:
    """What was counted, done once and changed by whom; the submissions' own items are ``cfp.store``'s."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def count_once_more(self, counter: str, window_start: datetime, window_end: datetime, most: int) -> None:
        """Add one to a counter for a time window (an hour of creations by one address, say); raise
        LimitReached instead when it already stands at ``most``. Counters expire with their window."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_item({"pk": f"LIMIT#{counter}", "sk": iso(window_start)}),
                UpdateExpression="ADD n :one SET expires_epoch = :expires",
                ConditionExpression="attribute_not_exists(n) OR n < :most",
                ExpressionAttributeValues=to_item(
                    {":one": 1, ":most": most, ":expires": int(window_end.timestamp()) + 3600}
                ),
            )
        except ClientError as error:
            if condition_failed(error):
                raise LimitReached(counter) from error
            raise

    def mark_once(self, marker: str, now: datetime, submission_id: str | None = None) -> bool:
        """Record that something was done; False when it was already recorded (so it is not done twice)."""
        pk = submission_pk(submission_id) if submission_id else "CALL"
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item({"pk": pk, "sk": f"SENT#{marker}", "at": iso(now)}),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def audit(
        self, by: str, action: str, detail: str, now: datetime, submission_id: str | None = None
    ) -> None:
        """Record a change an organizer made, on the submission or (without one) on the call."""
        item = audit_item(submission_id, by, action, detail, now, secrets.token_hex(4))
        self._client.put_item(TableName=self._table, Item=item)

    def history(self, submission_id: str | None = None) -> list[AuditEntry]:
        """Every recorded change to a submission (or to the call), oldest first."""
        pk = submission_pk(submission_id) if submission_id else "CALL"
        return [
            audit_from(i)
            for i in partition_items(self._client, self._table, pk)
            if str(i["sk"]).startswith("AUDIT#")
        ]

    def markers(self, submission_id: str) -> set[str]:
        """The once-only markers recorded on one submission."""
        return {
            str(i["sk"]).removeprefix("SENT#")
            for i in partition_items(self._client, self._table, submission_pk(submission_id))
            if str(i["sk"]).startswith("SENT#")
        }
