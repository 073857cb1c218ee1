"""The single table's layout, its item codec and the conditions its adapters test. Each DynamoDB adapter
(``cfp.store``, ``cfp.bookkeeping_store``, ``cfp.final_store``, ``cfp.review_store``, ...) speaks of its
own items only.

Single table, one partition per submission:

| pk            | sk              | what                                                      |
|---------------|-----------------|-----------------------------------------------------------|
| ``SUB#<id>``  | ``META``        | the submission record (metadata, token hash, extension)   |
| ``SUB#<id>``  | ``VER#000001``  | one version slot: the key and expiry of its presigned POST |
| ``SUB#<id>``  | ``VER#000001#OBJ#<object>`` | one object S3 stored in that slot, and its verdict |
| ``SUB#<id>``  | ``FIN#000001[#OBJ#<object>]`` | a final upload's slot and objects (``cfp.final_store``) |
| ``SUB#<id>``  | ``SENT#<what>`` | a once-only marker (``cfp.bookkeeping_store``)            |
| ``SUB#<id>``  | ``OUTBOX#<event>`` | an event written with the change that caused it, until it is queued |
| ``SUB#<id>``  | ``AUDIT#<at>#<n>`` | a change an organizer made: who, when, what              |
| ``SUB#<id>``  | ``REVIEW#``, ``CONFLICT#``, ``COMMENT#`` | reviewing: see ``cfp.review_store`` |
| ``CALL``      | ``SENT#<what>`` | a once-only marker for the whole call (the final digest)  |
| ``CALL``      | ``AUDIT#<at>#<n>`` | an organizer's action on the whole call (release, sign-in) |
| ``LINK#<hash>``| ``LINK``       | a one-time sign-in link, until used or expired (TTL ``expires_epoch``) |
| ``REQ#<hash>``| ``REQ``         | an ``Idempotency-Key`` seen on create, for 24 h (TTL ``expires_epoch``) |
| ``LIMIT#<who>``| ``<hour>``     | how many submissions one address or client made in that hour (TTL) |
| ``ARCHIVE#<id>``| ``JOB``       | an archive job, its claim and progress (``cfp.job_store``)   |

Every object gets its own item, written once (a replayed event finds it and changes nothing), so a second
upload to the same slot, on time or late, never overwrites the first. Verdicts are stored as JSON strings
so measured values keep their types (DynamoDB has no floats). A workshop has hundreds of submissions, so
listing them all is a paginated Scan.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

SERIALIZER = TypeSerializer()
DESERIALIZER = TypeDeserializer()


def submission_pk(submission_id: str) -> str:
    return f"SUB#{submission_id}"


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: SERIALIZER.serialize(v) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: DESERIALIZER.deserialize(v) for k, v in item.items()}


def iso(instant: datetime) -> str:
    return instant.isoformat()


def condition_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def cancelled_by_condition(error: ClientError) -> bool:
    """A transaction cancelled because one of its conditions did not hold."""
    reasons = error.response.get("CancellationReasons", [])
    return error.response.get("Error", {}).get("Code") == "TransactionCanceledException" and any(
        reason.get("Code") == "ConditionalCheckFailed" for reason in reasons
    )


def partition_items(client: Any, table: str, pk: str, under: str = "") -> Iterator[dict[str, Any]]:
    """Every item of one partition (whose sort key starts with ``under``, if given), read consistently,
    page by page, as plain values."""
    condition, values = "pk = :pk", {":pk": {"S": pk}}
    if under:
        condition, values = f"{condition} AND begins_with(sk, :under)", {**values, ":under": {"S": under}}
    pages = client.get_paginator("query").paginate(
        TableName=table,
        KeyConditionExpression=condition,
        ExpressionAttributeValues=values,
        ConsistentRead=True,
    )
    for page in pages:
        for item in page.get("Items", []):
            yield from_item(item)
