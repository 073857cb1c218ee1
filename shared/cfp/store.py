"""DynamoDB adapter of the submissions: their records, version slots and objects, outbox events, and the
one Scan that reads the whole table as a ``Snapshot``. Every write that must not race is conditional.
The table's layout is ``cfp.table_items``'."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from cfp.errors import LimitReached, RequestRecord, RequestSeen, SubmissionNotFound, SubmissionWithdrawn
from cfp.events import NotificationEvent
from cfp.model import Submission, Version
from cfp.observability import logger
from cfp.ports import AuditEntry, Rejudge, Snapshot
from cfp.submission_items import (
    LIVE,
    OBJECT_FIELDS,
    REVIEWING_KEYS,
    audit_from,
    judged,
    object_sk,
    submission_from,
    version_sk,
    versions_from,
)
from cfp.table_items import (
    SERIALIZER,
    cancelled_by_condition,
    condition_failed,
    from_item,
    iso,
    partition_items,
    submission_pk,
    to_item,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_META = "META"


class SubmissionStore:
    """Reads and writes submissions and versions; every write that must not race is conditional."""

    def __init__(self, client: DynamoDBClient, table_name: str, judge_again: Rejudge | None = None) -> None:
        """``judge_again`` turns a stored verdict into the one the rules in force give (``cfp.rejudge``)."""
        self._client = client
        self._table = table_name
        self._judge_again = judge_again

    def create(
        self, submission: Submission, outbox: NotificationEvent, request: RequestRecord | None = None
    ) -> None:
        """Write the record, the event it causes and (with an idempotency key) the request, all or none.

        Raises RequestSeen when the idempotency key was used before.
        """
        values = submission.model_dump(mode="json", exclude={"bounced"})
        values["authors"] = json.dumps(values["authors"], ensure_ascii=False)
        writes: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item({"pk": submission_pk(submission.id), "sk": _META, **values}),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            self._outbox_put(submission.id, outbox),
        ]
        if request is not None:
            writes.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item(
                            {
                                "pk": f"REQ#{request.key_hash}",
                                "sk": "REQ",
                                "request_hash": request.request_hash,
                                "submission_id": request.submission_id,
                                "sealed_token": request.sealed_token,
                                "expires_at": iso(request.expires_at),
                                "expires_epoch": int(request.expires_at.timestamp()),
                            }
                        ),
                        # A record past its lifetime may linger until DynamoDB's TTL removes it.
                        "ConditionExpression": "attribute_not_exists(pk) OR expires_epoch <= :now",
                        "ExpressionAttributeValues": {
                            ":now": {"N": str(int(submission.created_at.timestamp()))}
                        },
                    }
                }
            )
        try:
            self._client.transact_write_items(TransactItems=writes)  # type: ignore[arg-type]
        except ClientError as error:
            seen = self.find_request(request.key_hash) if request is not None else None
            if seen is not None and cancelled_by_condition(error):
                raise RequestSeen(seen) from error
            raise

    def find_request(self, key_hash: str) -> RequestRecord | None:
        """The request made with this idempotency key within its lifetime, if any."""
        item = self._client.get_item(
            TableName=self._table,
            Key=to_item({"pk": f"REQ#{key_hash}", "sk": "REQ"}),
            ConsistentRead=True,
        ).get("Item")
        if item is None:
            return None
        values = from_item(item)
        return RequestRecord(
            key_hash=key_hash,
            request_hash=str(values["request_hash"]),
            submission_id=str(values["submission_id"]),
            sealed_token=str(values["sealed_token"]),
            expires_at=datetime.fromisoformat(str(values["expires_at"])),
        )

    def _outbox_put(self, submission_id: str, event: NotificationEvent) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": to_item(
                    {
                        "pk": submission_pk(submission_id),
                        "sk": f"OUTBOX#{event.event_id}",
                        "event": event.model_dump_json(),
                        "at": iso(event.occurred_at),
                    }
                ),
            }
        }

    def clear_outbox(self, submission_id: str, event_id: str) -> None:
        """Forget an event once it is on the queue. Best effort: a leftover is only queued again by the
        deadline keeper, and the notifier sends each event's mail once."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=to_item({"pk": submission_pk(submission_id), "sk": f"OUTBOX#{event_id}"}),
            )
        except (BotoCoreError, ClientError):
            logger.warning(
                "an outbox entry stays behind; it will be queued again", extra={"event_id": event_id}
            )

    def get(self, submission_id: str) -> tuple[Submission, list[Version]]:
        """The submission and its versions in number order; raises SubmissionNotFound."""
        items = list(partition_items(self._client, self._table, submission_pk(submission_id)))
        meta = next((i for i in items if i["sk"] == _META), None)
        if meta is None:
            raise SubmissionNotFound(submission_id)
        return submission_from(meta), versions_from(items, self._judge_again)

    def all(self) -> list[tuple[Submission, list[Version]]]:
        """Every submission with its versions, oldest first."""
        return self.snapshot().records

    def snapshot(self) -> Snapshot:
        """Every submission with its versions (oldest first), every once-only marker by submission id
        ('' for the whole call) and every event still in the outbox, from one paginated Scan."""
        grouped: dict[str, list[dict[str, Any]]] = {}
        markers: dict[str, set[str]] = {}
        outbox: list[tuple[datetime, NotificationEvent]] = []
        audit: dict[str, list[AuditEntry]] = {}
        reviewing: dict[str, list[dict[str, Any]]] = {}
        for page in self._client.get_paginator("scan").paginate(TableName=self._table, ConsistentRead=True):
            for raw in page.get("Items", []):
                item = from_item(raw)
                pk, sk = str(item["pk"]), str(item["sk"])
                if sk.startswith("SENT#"):
                    owner = pk.removeprefix("SUB#") if pk != "CALL" else ""
                    markers.setdefault(owner, set()).add(sk.removeprefix("SENT#"))
                elif sk.startswith("OUTBOX#"):
                    event = NotificationEvent.model_validate_json(str(item["event"]))
                    outbox.append((datetime.fromisoformat(str(item["at"])), event))
                elif sk.startswith("AUDIT#"):
                    owner = pk.removeprefix("SUB#") if pk != "CALL" else ""
                    audit.setdefault(owner, []).append(audit_from(item))
                elif sk.startswith(REVIEWING_KEYS):
                    reviewing.setdefault(pk.removeprefix("SUB#"), []).append(item)
                elif pk.startswith("SUB#"):
                    grouped.setdefault(pk, []).append(item)
        records = []
        finals: dict[str, list[Version]] = {}
        for items in grouped.values():
            meta = next((i for i in items if i["sk"] == _META), None)
            if meta is not None:
                submission = submission_from(meta)
                records.append((submission, versions_from(items, self._judge_again)))
                finals[submission.id] = versions_from(items, slots_under="FIN#")
        records.sort(key=lambda pair: (pair[0].created_at, pair[0].id))
        for entries in audit.values():
            entries.sort(key=lambda entry: entry.at)
        return Snapshot(records, markers, sorted(outbox, key=lambda pair: pair[0]), audit, reviewing, finals)

    def update_metadata(self, submission_id: str, changes: dict[str, Any], now: datetime) -> Submission:
        """Apply edited fields to a live submission; returns it as stored now."""
        values = dict(changes)
        if "authors" in values:
            values["authors"] = json.dumps(values["authors"], ensure_ascii=False)
        values["updated_at"] = iso(now)
        names = {f"#f{i}": name for i, name in enumerate(values)}
        placeholders = {f":v{i}": SERIALIZER.serialize(v) for i, v in enumerate(values.values())}
        assignments = ", ".join(f"#f{i} = :v{i}" for i in range(len(values)))
        return submission_from(self.update_live(submission_id, f"SET {assignments}", names, placeholders))

    def withdraw(self, submission_id: str, now: datetime, outbox: NotificationEvent) -> None:
        """Mark a live submission withdrawn and write the event it causes, both or neither."""
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": to_item({"pk": submission_pk(submission_id), "sk": _META}),
                            "UpdateExpression": "SET withdrawn_at = :now, updated_at = :now",
                            "ConditionExpression": LIVE,
                            "ExpressionAttributeValues": {":now": {"S": iso(now)}},
                        }
                    },
                    self._outbox_put(submission_id, outbox),  # type: ignore[list-item]
                ]
            )
        except ClientError as error:
            if cancelled_by_condition(error):
                self.get(submission_id)
                raise SubmissionWithdrawn(f"submission {submission_id} is withdrawn") from error
            raise

    def update_live(
        self,
        submission_id: str,
        update: str,
        names: dict[str, str],
        values: dict[str, Any],
        condition: str = "",
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if names:
            kwargs["ExpressionAttributeNames"] = names
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=to_item({"pk": submission_pk(submission_id), "sk": _META}),
                UpdateExpression=update,
                ConditionExpression=f"{LIVE} AND ({condition})" if condition else LIVE,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                **kwargs,
            )
        except ClientError as error:
            if condition_failed(error):
                submission, _ = self.get(submission_id)
                if submission.withdrawn:
                    raise SubmissionWithdrawn(f"submission {submission_id} is withdrawn") from error
                raise LimitReached(f"submission {submission_id} has reached its limit") from error
            raise
        return from_item(response["Attributes"])

    def issue_version(
        self,
        submission_id: str,
        key_for: Callable[[int], str],
        issued_at: datetime,
        expires_at: datetime,
        most: int = 0,
    ) -> Version:
        """Reserve the next version number atomically and record its upload slot; with ``most``, raise
        LimitReached instead of issuing more than that many."""
        values = {":one": {"N": "1"}, ":now": {"S": iso(issued_at)}}
        if most:
            values[":most"] = {"N": str(most)}
        meta = self.update_live(
            submission_id,
            "ADD versions_issued :one SET updated_at = :now",
            {},
            values,
            "attribute_not_exists(versions_issued) OR versions_issued < :most" if most else "",
        )
        number = int(meta["versions_issued"])
        version = Version(number=number, key=key_for(number), issued_at=issued_at, expires_at=expires_at)
        self._client.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "pk": submission_pk(submission_id),
                    "sk": version_sk(number),
                    **version.model_dump(mode="json"),
                }
            ),
        )
        return version

    def record_upload(self, submission_id: str, upload: Version) -> None:
        """Record an object S3 stored, before it is checked, so the deadline keeper knows it is pending.

        Written only if the object is not on record yet: a redelivered event leaves a verdict or an
        attention flag in place.
        """
        values = upload.model_dump(mode="json", include=OBJECT_FIELDS)
        self._put_object_once(submission_id, upload, values, "attribute_not_exists(sk)")

    def record_verdict(self, submission_id: str, upload: Version) -> bool:
        """Store one object and its verdict, once.

        False (and nothing changes) when the object already has a verdict: a redelivered event.
        """
        return self._put_object_once(submission_id, upload, judged(upload), "attribute_not_exists(verdict)")

    def replace_stale_verdict(
        self, submission_id: str, upload: Version, outbox: NotificationEvent | None = None
    ) -> bool:
        """Store a verdict measured again over one whose facts an older measurer produced, with the event
        that tells the author (if any), all or none. False (and nothing changes) when the stored facts are
        not older: another delivery measured the file again first."""
        assert upload.object_id is not None and upload.verdict is not None
        values = {**judged(upload), "remeasured_from": upload.remeasured_from}
        item = {"pk": submission_pk(submission_id), "sk": object_sk(upload), **values}
        writes: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(item),
                    "ConditionExpression": "attribute_exists(verdict) AND "
                    "(attribute_not_exists(#measurer) OR #measurer < :measurer)",
                    "ExpressionAttributeNames": {"#measurer": "measurer"},
                    "ExpressionAttributeValues": {":measurer": {"N": str(upload.verdict.facts.measurer)}},
                }
            }
        ]
        if outbox is not None:
            writes.append(self._outbox_put(submission_id, outbox))
        try:
            self._client.transact_write_items(TransactItems=writes)  # type: ignore[arg-type]
        except ClientError as error:
            if cancelled_by_condition(error):
                return False
            raise
        return True

    def _put_object_once(
        self, submission_id: str, upload: Version, values: dict[str, Any], condition: str
    ) -> bool:
        """Write one object's item unless ``condition`` fails; False when it did (nothing changed)."""
        assert upload.object_id is not None
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item({"pk": submission_pk(submission_id), "sk": object_sk(upload), **values}),
                ConditionExpression=condition,
            )
        except ClientError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def mark_attention(self, submission_id: str, upload: Version, reason: str) -> None:
        """Flag an object whose processing keeps failing for reasons outside the file."""
        assert upload.object_id is not None
        values = upload.model_dump(mode="json", include=OBJECT_FIELDS)
        self._client.update_item(
            TableName=self._table,
            Key=to_item({"pk": submission_pk(submission_id), "sk": object_sk(upload)}),
            UpdateExpression="SET attention = :reason, "
            + ", ".join(f"#{k} = :{k}" for k in values if values[k] is not None),
            ExpressionAttributeNames={f"#{k}": k for k in values if values[k] is not None},
            ExpressionAttributeValues=to_item({":reason": reason, **{f":{k}": v for k, v in values.items()}}),
        )

    def record_bounce(self, submission_id: str, address: str) -> None:
        self._client.update_item(
            TableName=self._table,
            Key=to_item({"pk": submission_pk(submission_id), "sk": _META}),
            UpdateExpression="ADD bounced :address",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":address": {"SS": [address]}},
        )

    def grant_extension(self, submission_id: str, until: datetime, granted_by: str, now: datetime) -> None:
        self._client.update_item(
            TableName=self._table,
            Key=to_item({"pk": submission_pk(submission_id), "sk": _META}),
            UpdateExpression=(
                "SET extension_until = :until, extension_granted_by = :by, "
                "extension_granted_at = :now, updated_at = :now"
            ),
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues=to_item({":until": iso(until), ":by": granted_by, ":now": iso(now)}),
        )
