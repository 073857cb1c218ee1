"""DynamoDB adapter: the one module that knows the table's item layout.

Single table, one partition per submission:

| pk            | sk              | what                                                      |
|---------------|-----------------|-----------------------------------------------------------|
| ``SUB#<id>``  | ``META``        | the submission record (metadata, token hash, extension)   |
| ``SUB#<id>``  | ``VER#000001``  | one version slot: the key and expiry of its presigned POST |
| ``SUB#<id>``  | ``VER#000001#OBJ#<object>`` | one object S3 stored in that slot, and its verdict |
| ``SUB#<id>``  | ``FIN#000001[#OBJ#<object>]`` | a final upload's slot and objects (``cfp.final_store``) |
| ``SUB#<id>``  | ``SENT#<what>`` | a once-only marker (a reminder, a final confirmation)     |
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

import json
import secrets
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from cfp.errors import LimitReached, RequestRecord, RequestSeen, SubmissionNotFound, SubmissionWithdrawn
from cfp.events import NotificationEvent
from cfp.formatcheck.models import Verdict
from cfp.model import Submission, Version
from cfp.observability import logger
from cfp.ports import AuditEntry, Rejudge, Snapshot

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_META = "META"
# Items of a submission's partition that ``cfp.review_store`` reads; a snapshot hands them over as they are.
REVIEWING_KEYS = ("REVIEW#", "CONFLICT#", "COMMENT#")
_LIVE = "attribute_exists(pk) AND attribute_not_exists(withdrawn_at)"
# What an object item records about the upload itself (its verdict and attention flag come later).
_OBJECT_FIELDS = {
    "number",
    "object_id",
    "version_id",
    "uploaded_at",
    "sequencer",
    "size",
    "etag",
    "reused_url",
}
_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def _pk(submission_id: str) -> str:
    return f"SUB#{submission_id}"


def _version_sk(number: int) -> str:
    return f"VER#{number:06d}"


def _to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _SERIALIZER.serialize(v) for k, v in values.items() if v is not None}


def _from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _DESERIALIZER.deserialize(v) for k, v in item.items()}


def _iso(instant: datetime) -> str:
    return instant.isoformat()


def _condition_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _cancelled_by_condition(error: ClientError) -> bool:
    """A transaction cancelled because one of its conditions did not hold."""
    reasons = error.response.get("CancellationReasons", [])
    return error.response.get("Error", {}).get("Code") == "TransactionCanceledException" and any(
        reason.get("Code") == "ConditionalCheckFailed" for reason in reasons
    )


def _submission_from(values: dict[str, Any]) -> Submission:
    values = {k: v for k, v in values.items() if k not in {"pk", "sk"}}
    values["authors"] = json.loads(values["authors"])
    values["bounced"] = sorted(values.get("bounced", set()))
    return Submission.model_validate(values)


def _audit_from(item: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        datetime.fromisoformat(str(item["at"])), str(item["by"]), str(item["action"]), str(item["detail"])
    )


def slot_sk(upload: Version) -> str:
    """A slot's sort key: a first version's under ``VER#``, a final upload's under ``FIN#``
    (``cfp.final_store``), so reading a submission's first versions never meets its finals."""
    return _version_sk(upload.number) if upload.kind == "abstract" else f"FIN#{upload.number:06d}"


def _object_sk(upload: Version) -> str:
    assert upload.object_id is not None
    return f"{slot_sk(upload)}#OBJ#{upload.object_id}"


def _judged(upload: Version) -> dict[str, Any]:
    """An object item's values with its verdict, and the measurer's version apart so writes can compare it."""
    assert upload.verdict is not None
    values = upload.model_dump(mode="json", include=_OBJECT_FIELDS | {"validated_at"})
    return {**values, "verdict": upload.verdict.model_dump_json(), "measurer": upload.verdict.facts.measurer}


def versions_from(
    items: list[dict[str, Any]], judge_again: Rejudge | None = None, slots_under: str = "VER#"
) -> list[Version]:
    """Every object as a Version carrying its slot's details, and every slot not used yet, in slot order:
    the first versions, or with ``slots_under="FIN#"`` the final uploads."""
    slots = {
        str(i["sk"]): i for i in items if str(i["sk"]).startswith(slots_under) and "#OBJ#" not in str(i["sk"])
    }
    objects: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        sk = str(item["sk"])
        if "#OBJ#" in sk:
            objects.setdefault(sk.partition("#OBJ#")[0], []).append(item)
    versions = []
    for sk in sorted(slots):
        slot = {k: v for k, v in slots[sk].items() if k not in {"pk", "sk"}}
        in_upload_order = sorted(
            objects.get(sk, []), key=lambda i: (str(i.get("uploaded_at", "")), str(i.get("sequencer") or ""))
        )
        for stored in in_upload_order or [{}]:
            values = {**slot, **{k: v for k, v in stored.items() if k not in {"pk", "sk", "measurer"}}}
            verdict = values.pop("verdict", None)
            if verdict is not None:
                as_stored = Verdict.model_validate_json(verdict)
                values["verdict"] = judge_again(as_stored) if judge_again else as_stored
            versions.append(Version.model_validate(values))
    return versions


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
            yield _from_item(item)


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
                    "Item": _to_item({"pk": _pk(submission.id), "sk": _META, **values}),
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
                        "Item": _to_item(
                            {
                                "pk": f"REQ#{request.key_hash}",
                                "sk": "REQ",
                                "request_hash": request.request_hash,
                                "submission_id": request.submission_id,
                                "sealed_token": request.sealed_token,
                                "expires_at": _iso(request.expires_at),
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
            if seen is not None and _cancelled_by_condition(error):
                raise RequestSeen(seen) from error
            raise

    def find_request(self, key_hash: str) -> RequestRecord | None:
        """The request made with this idempotency key within its lifetime, if any."""
        item = self._client.get_item(
            TableName=self._table,
            Key=_to_item({"pk": f"REQ#{key_hash}", "sk": "REQ"}),
            ConsistentRead=True,
        ).get("Item")
        if item is None:
            return None
        values = _from_item(item)
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
                "Item": _to_item(
                    {
                        "pk": _pk(submission_id),
                        "sk": f"OUTBOX#{event.event_id}",
                        "event": event.model_dump_json(),
                        "at": _iso(event.occurred_at),
                    }
                ),
            }
        }

    def clear_outbox(self, submission_id: str, event_id: str) -> None:
        """Forget an event once it is on the queue. Best effort: a leftover is only queued again by the
        deadline keeper, and the notifier sends each event's mail once."""
        try:
            self._client.delete_item(
                TableName=self._table, Key=_to_item({"pk": _pk(submission_id), "sk": f"OUTBOX#{event_id}"})
            )
        except (BotoCoreError, ClientError):
            logger.warning(
                "an outbox entry stays behind; it will be queued again", extra={"event_id": event_id}
            )

    def get(self, submission_id: str) -> tuple[Submission, list[Version]]:
        """The submission and its versions in number order; raises SubmissionNotFound."""
        items = list(self._query(_pk(submission_id)))
        meta = next((i for i in items if i["sk"] == _META), None)
        if meta is None:
            raise SubmissionNotFound(submission_id)
        return _submission_from(meta), versions_from(items, self._judge_again)

    def _query(self, pk: str) -> Iterator[dict[str, Any]]:
        return partition_items(self._client, self._table, pk)

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
                item = _from_item(raw)
                pk, sk = str(item["pk"]), str(item["sk"])
                if sk.startswith("SENT#"):
                    owner = pk.removeprefix("SUB#") if pk != "CALL" else ""
                    markers.setdefault(owner, set()).add(sk.removeprefix("SENT#"))
                elif sk.startswith("OUTBOX#"):
                    event = NotificationEvent.model_validate_json(str(item["event"]))
                    outbox.append((datetime.fromisoformat(str(item["at"])), event))
                elif sk.startswith("AUDIT#"):
                    owner = pk.removeprefix("SUB#") if pk != "CALL" else ""
                    audit.setdefault(owner, []).append(_audit_from(item))
                elif sk.startswith(REVIEWING_KEYS):
                    reviewing.setdefault(pk.removeprefix("SUB#"), []).append(item)
                elif pk.startswith("SUB#"):
                    grouped.setdefault(pk, []).append(item)
        records = []
        finals: dict[str, list[Version]] = {}
        for items in grouped.values():
            meta = next((i for i in items if i["sk"] == _META), None)
            if meta is not None:
                submission = _submission_from(meta)
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
        values["updated_at"] = _iso(now)
        names = {f"#f{i}": name for i, name in enumerate(values)}
        placeholders = {f":v{i}": _SERIALIZER.serialize(v) for i, v in enumerate(values.values())}
        assignments = ", ".join(f"#f{i} = :v{i}" for i in range(len(values)))
        return _submission_from(self.update_live(submission_id, f"SET {assignments}", names, placeholders))

    def withdraw(self, submission_id: str, now: datetime, outbox: NotificationEvent) -> None:
        """Mark a live submission withdrawn and write the event it causes, both or neither."""
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": _to_item({"pk": _pk(submission_id), "sk": _META}),
                            "UpdateExpression": "SET withdrawn_at = :now, updated_at = :now",
                            "ConditionExpression": _LIVE,
                            "ExpressionAttributeValues": {":now": {"S": _iso(now)}},
                        }
                    },
                    self._outbox_put(submission_id, outbox),  # type: ignore[list-item]
                ]
            )
        except ClientError as error:
            if _cancelled_by_condition(error):
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
                Key=_to_item({"pk": _pk(submission_id), "sk": _META}),
                UpdateExpression=update,
                ConditionExpression=f"{_LIVE} AND ({condition})" if condition else _LIVE,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                **kwargs,
            )
        except ClientError as error:
            if _condition_failed(error):
                submission, _ = self.get(submission_id)
                if submission.withdrawn:
                    raise SubmissionWithdrawn(f"submission {submission_id} is withdrawn") from error
                raise LimitReached(f"submission {submission_id} has reached its limit") from error
            raise
        return _from_item(response["Attributes"])

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
        values = {":one": {"N": "1"}, ":now": {"S": _iso(issued_at)}}
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
            Item=_to_item(
                {"pk": _pk(submission_id), "sk": _version_sk(number), **version.model_dump(mode="json")}
            ),
        )
        return version

    def record_upload(self, submission_id: str, upload: Version) -> None:
        """Record an object S3 stored, before it is checked, so the deadline keeper knows it is pending.

        Written only if the object is not on record yet: a redelivered event leaves a verdict or an
        attention flag in place.
        """
        values = upload.model_dump(mode="json", include=_OBJECT_FIELDS)
        self._put_object_once(submission_id, upload, values, "attribute_not_exists(sk)")

    def record_verdict(self, submission_id: str, upload: Version) -> bool:
        """Store one object and its verdict, once.

        False (and nothing changes) when the object already has a verdict: a redelivered event.
        """
        return self._put_object_once(submission_id, upload, _judged(upload), "attribute_not_exists(verdict)")

    def replace_stale_verdict(
        self, submission_id: str, upload: Version, outbox: NotificationEvent | None = None
    ) -> bool:
        """Store a verdict measured again over one whose facts an older measurer produced, with the event
        that tells the author (if any), all or none. False (and nothing changes) when the stored facts are
        not older: another delivery measured the file again first."""
        assert upload.object_id is not None and upload.verdict is not None
        values = {**_judged(upload), "remeasured_from": upload.remeasured_from}
        item = {"pk": _pk(submission_id), "sk": _object_sk(upload), **values}
        writes: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": _to_item(item),
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
            if _cancelled_by_condition(error):
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
                Item=_to_item({"pk": _pk(submission_id), "sk": _object_sk(upload), **values}),
                ConditionExpression=condition,
            )
        except ClientError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def mark_attention(self, submission_id: str, upload: Version, reason: str) -> None:
        """Flag an object whose processing keeps failing for reasons outside the file."""
        assert upload.object_id is not None
        values = upload.model_dump(mode="json", include=_OBJECT_FIELDS)
        self._client.update_item(
            TableName=self._table,
            Key=_to_item({"pk": _pk(submission_id), "sk": _object_sk(upload)}),
            UpdateExpression="SET attention = :reason, "
            + ", ".join(f"#{k} = :{k}" for k in values if values[k] is not None),
            ExpressionAttributeNames={f"#{k}": k for k in values if values[k] is not None},
            ExpressionAttributeValues=_to_item(
                {":reason": reason, **{f":{k}": v for k, v in values.items()}}
            ),
        )

    def record_bounce(self, submission_id: str, address: str) -> None:
        self._client.update_item(
            TableName=self._table,
            Key=_to_item({"pk": _pk(submission_id), "sk": _META}),
            UpdateExpression="ADD bounced :address",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":address": {"SS": [address]}},
        )

    def grant_extension(self, submission_id: str, until: datetime, granted_by: str, now: datetime) -> None:
        self._client.update_item(
            TableName=self._table,
            Key=_to_item({"pk": _pk(submission_id), "sk": _META}),
            UpdateExpression=(
                "SET extension_until = :until, extension_granted_by = :by, "
                "extension_granted_at = :now, updated_at = :now"
            ),
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues=_to_item({":until": _iso(until), ":by": granted_by, ":now": _iso(now)}),
        )

    def count_once_more(self, counter: str, window_start: datetime, window_end: datetime, most: int) -> None:
        """Add one to a counter for a time window (an hour of creations by one address, say); raise
        LimitReached instead when it already stands at ``most``. Counters expire with their window."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_to_item({"pk": f"LIMIT#{counter}", "sk": _iso(window_start)}),
                UpdateExpression="ADD n :one SET expires_epoch = :expires",
                ConditionExpression="attribute_not_exists(n) OR n < :most",
                ExpressionAttributeValues=_to_item(
                    {":one": 1, ":most": most, ":expires": int(window_end.timestamp()) + 3600}
                ),
            )
        except ClientError as error:
            if _condition_failed(error):
                raise LimitReached(counter) from error
            raise

    def mark_once(self, marker: str, now: datetime, submission_id: str | None = None) -> bool:
        """Record that something was done; False when it was already recorded (so it is not done twice)."""
        pk = _pk(submission_id) if submission_id else "CALL"
        try:
            self._client.put_item(
                TableName=self._table,
                Item=_to_item({"pk": pk, "sk": f"SENT#{marker}", "at": _iso(now)}),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def save_sign_in_link(self, secret_hash: str, email: str, expires_at: datetime) -> None:
        """Remember a sign-in link by its secret's hash until it expires (DynamoDB's TTL removes it)."""
        self._client.put_item(
            TableName=self._table,
            Item=_to_item(
                {
                    "pk": f"LINK#{secret_hash}",
                    "sk": "LINK",
                    "email": email,
                    "expires_epoch": int(expires_at.timestamp()),
                }
            ),
        )

    def redeem_sign_in_link(self, secret_hash: str, now: datetime) -> str | None:
        """The address a link was sent to, deleting it in the same conditional write so it works once;
        None for an unknown, used or expired link (TTL deletes lazily, so expiry is checked here)."""
        try:
            response = self._client.delete_item(
                TableName=self._table,
                Key=_to_item({"pk": f"LINK#{secret_hash}", "sk": "LINK"}),
                ConditionExpression="attribute_exists(pk) AND expires_epoch > :now",
                ExpressionAttributeValues={":now": {"N": str(int(now.timestamp()))}},
                ReturnValues="ALL_OLD",
            )
        except ClientError as error:
            if _condition_failed(error):
                return None
            raise
        return str(_from_item(response.get("Attributes", {})).get("email") or "") or None

    def audit(
        self, by: str, action: str, detail: str, now: datetime, submission_id: str | None = None
    ) -> None:
        """Record a change an organizer made, on the submission or (without one) on the call."""
        self._client.put_item(
            TableName=self._table,
            Item=_to_item(
                {
                    "pk": _pk(submission_id) if submission_id else "CALL",
                    "sk": f"AUDIT#{_iso(now)}#{secrets.token_hex(4)}",
                    "by": by,
                    "action": action,
                    "detail": detail,
                    "at": _iso(now),
                }
            ),
        )

    def history(self, submission_id: str | None = None) -> list[AuditEntry]:
        """Every recorded change to a submission (or to the call), oldest first."""
        pk = _pk(submission_id) if submission_id else "CALL"
        return [_audit_from(i) for i in self._query(pk) if str(i["sk"]).startswith("AUDIT#")]

    def markers(self, submission_id: str) -> set[str]:
        """The once-only markers recorded on one submission."""
        return {
            str(i["sk"]).removeprefix("SENT#")
            for i in self._query(_pk(submission_id))
            if str(i["sk"]).startswith("SENT#")
        }
