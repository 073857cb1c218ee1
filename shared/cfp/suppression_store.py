"""DynamoDB adapter for ``cfp.ports.SuppressionList``: one item per suppressed address in the submissions
table.

| pk                               | sk  | what                                                |
|----------------------------------|-----|-----------------------------------------------------|
| ``SUPPRESSED#<sha256(address)>`` | ``-`` | ``reason`` (SES's report, one line) and ``at``     |

The address itself is kept only as a hash; the report's line names it on the submissions it concerns.
Checking a mail's recipients is one BatchGetItem.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def _key(address: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"SUPPRESSED#{hashlib.sha256(address.encode()).hexdigest()}"}, "sk": {"S": "-"}}


class DynamoSuppressions:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def suppress(self, address: str, reason: str, at: datetime) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={**_key(address), "reason": {"S": reason}, "at": {"S": at.isoformat()}},
        )

    def suppressed(self, addresses: set[str]) -> set[str]:
        by_key = {_key(a)["pk"]["S"]: a for a in addresses}
        found: set[str] = set()
        keys = [_key(a) for a in sorted(addresses)]
        # A mail has at most a contact and ten copies, well under BatchGetItem's hundred keys.
        request = {self._table: {"Keys": keys, "ProjectionExpression": "pk"}} if keys else {}
        while request:
            answer = self._client.batch_get_item(RequestItems=request)  # type: ignore[arg-type]
            found |= {by_key[item["pk"]["S"]] for item in answer.get("Responses", {}).get(self._table, [])}
            request = answer.get("UnprocessedKeys") or {}  # type: ignore[assignment]
        return found
