"""DynamoDB adapter for reviewing (``cfp.reviews``), in the submission's own partition of the same table.

| pk           | sk                     | what                                                           |
|--------------|------------------------|----------------------------------------------------------------|
| ``SUB#<id>`` | ``REVIEW#<organizer>`` | one organizer's review: scores, both comments, when            |
| ``SUB#<id>`` | ``CONFLICT#<organizer>`` | ``declared``, or ``dismissed`` (a suggested conflict said none) |
| ``SUB#<id>`` | ``COMMENT#<at>#<id>``  | one comment of the organizers' discussion                       |

Each change is written with its audit entry in one transaction, on condition that the submission is live
and (for a review) that it is unchanged since it was read, so two tabs cannot overwrite each other's
review unseen.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from cfp.errors import SubmissionWithdrawn, TableUnavailable
from cfp.events import NotificationEvent
from cfp.ports import Snapshot
from cfp.reviews import Comment, Review, ReviewConflict, ReviewRecords
from cfp.submission_items import LIVE, REVIEWING_KEYS, audit_put
from cfp.table_items import cancelled_by_condition, from_item, iso, partition_items, submission_pk, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_GET_BATCH = 100


def records_from(items: Iterable[dict[str, Any]]) -> ReviewRecords:
    """A submission's reviewing, from its items as plain values (any other item is passed over)."""
    records = ReviewRecords()
    for item in items:
        sk = str(item["sk"])
        if sk.startswith("REVIEW#"):
            records.reviews[str(item["organizer"])] = Review(
                organizer=str(item["organizer"]),
                score=int(item["score"]),
                confidence=int(item["confidence"]),
                for_authors=str(item.get("for_authors", "")),
                for_organizers=str(item.get("for_organizers", "")),
                created_at=datetime.fromisoformat(str(item["created_at"])),
                updated_at=datetime.fromisoformat(str(item["updated_at"])),
            )
        elif sk.startswith("CONFLICT#"):
            records.conflicts[str(item["organizer"])] = str(item["state"])
        elif sk.startswith("COMMENT#"):
            records.comments.append(
                Comment(
                    id=str(item["id"]),
                    organizer=str(item["organizer"]),
                    text=str(item["text"]),
                    at=datetime.fromisoformat(str(item["at"])),
                )
            )
    records.comments.sort(key=lambda c: (c.at, c.id))
    return records


class ReviewStore:
    """Reviews, conflicts and comments; every write carries its audit entry."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def review_records(self, submission_id: str) -> ReviewRecords:
        return records_from(
            i
            for i in partition_items(self._client, self._table, submission_pk(submission_id))
            if str(i["sk"]).startswith(REVIEWING_KEYS)
        )

    def from_snapshot(self, snapshot: Snapshot) -> dict[str, ReviewRecords]:
        """Every submission's reviewing, from a snapshot that read the whole table anyway."""
        return {sid: records_from(items) for sid, items in snapshot.reviewing.items()}

    def _live_check(self, submission_id: str) -> dict[str, Any]:
        return {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": to_item({"pk": submission_pk(submission_id), "sk": "META"}),
                "ConditionExpression": LIVE,
            }
        }

    def _write(self, submission_id: str, writes: list[dict[str, Any]], what: str) -> None:
        try:
            items: Any = [self._live_check(submission_id), *writes]
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if not cancelled_by_condition(error):
                raise TableUnavailable(f"the table could not be written: {error}") from error
            reasons = error.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                raise SubmissionWithdrawn(f"submission {submission_id} was withdrawn") from error
            raise ReviewConflict(f"{what} changed meanwhile; reload and try again") from error
        except BotoCoreError as error:
            raise TableUnavailable(f"the table could not be written: {error}") from error

    def save_review(
        self,
        submission_id: str,
        review: Review,
        before: Review | None,
        action: str,
        detail: str,
        outbox: NotificationEvent | None = None,
    ) -> None:
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": to_item(
                {
                    "pk": submission_pk(submission_id),
                    "sk": f"REVIEW#{review.organizer}",
                    "organizer": review.organizer,
                    "score": review.score,
                    "confidence": review.confidence,
                    "for_authors": review.for_authors,
                    "for_organizers": review.for_organizers,
                    "created_at": iso(review.created_at),
                    "updated_at": iso(review.updated_at),
                }
            ),
        }
        if before is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "updated_at = :before"
            put["ExpressionAttributeValues"] = to_item({":before": iso(before.updated_at)})
        audit = audit_put(
            self._table,
            submission_id,
            review.organizer,
            action,
            detail,
            review.updated_at,
            secrets.token_hex(4),
        )
        writes: list[dict[str, Any]] = [{"Put": put}, audit]
        if outbox is not None:
            item = {
                "pk": submission_pk(submission_id),
                "sk": f"OUTBOX#{outbox.event_id}",
                "event": outbox.model_dump_json(),
                "at": iso(outbox.occurred_at),
            }
            writes.append({"Put": {"TableName": self._table, "Item": to_item(item)}})
        self._write(submission_id, writes, "your review")

    def delete_review(self, submission_id: str, before: Review, detail: str, now: datetime) -> None:
        delete = {
            "Delete": {
                "TableName": self._table,
                "Key": to_item({"pk": submission_pk(submission_id), "sk": f"REVIEW#{before.organizer}"}),
                "ConditionExpression": "updated_at = :before",
                "ExpressionAttributeValues": to_item({":before": iso(before.updated_at)}),
            }
        }
        audit = audit_put(
            self._table,
            submission_id,
            before.organizer,
            "review withdrawn",
            detail,
            now,
            secrets.token_hex(4),
        )
        self._write(submission_id, [delete, audit], "your review")

    def set_conflict(
        self, submission_id: str, organizer: str, state: str | None, action: str, now: datetime
    ) -> None:
        key = {"pk": submission_pk(submission_id), "sk": f"CONFLICT#{organizer}"}
        change: dict[str, Any]
        if state is None:
            change = {"Delete": {"TableName": self._table, "Key": to_item(key)}}
        else:
            item = {**key, "organizer": organizer, "state": state, "at": iso(now)}
            change = {"Put": {"TableName": self._table, "Item": to_item(item)}}
        audit = audit_put(self._table, submission_id, organizer, action, "", now, secrets.token_hex(4))
        self._write(submission_id, [change, audit], "the conflict")

    def add_comment(self, submission_id: str, comment: Comment) -> None:
        item = {
            "pk": submission_pk(submission_id),
            "sk": f"COMMENT#{iso(comment.at)}#{comment.id}",
            "id": comment.id,
            "organizer": comment.organizer,
            "text": comment.text,
            "at": iso(comment.at),
        }
        audit = audit_put(
            self._table,
            submission_id,
            comment.organizer,
            "comment",
            f"{len(comment.text)} characters",
            comment.at,
            comment.id,
        )
        self._write(submission_id, [{"Put": {"TableName": self._table, "Item": to_item(item)}}, audit], "")

    def declared_conflicts(self, organizer: str, ids: list[str]) -> set[str]:
        found: set[str] = set()
        unique = list(dict.fromkeys(ids))
        try:
            for start in range(0, len(unique), _GET_BATCH):
                keys = [
                    to_item({"pk": submission_pk(i), "sk": f"CONFLICT#{organizer}"})
                    for i in unique[start : start + _GET_BATCH]
                ]
                request: dict[str, Any] = {
                    self._table: {"Keys": keys, "ProjectionExpression": "pk,#s", "ConsistentRead": True}
                }
                request[self._table]["ExpressionAttributeNames"] = {"#s": "state"}
                while request:
                    answer = self._client.batch_get_item(RequestItems=request)
                    for raw in answer.get("Responses", {}).get(self._table, []):
                        values = from_item(raw)
                        if values.get("state") == "declared":
                            found.add(str(values["pk"]).removeprefix("SUB#"))
                    request = answer.get("UnprocessedKeys") or {}
        except (BotoCoreError, ClientError) as error:
            raise TableUnavailable(f"the table could not be read: {error}") from error
        return found
