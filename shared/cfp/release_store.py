"""DynamoDB adapter for releases of decisions: each decision version's mail claimed once, and the release
records (the layout is ``cfp.decision_store``'s)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cfp.decision_store import _RELEASE_KEEP, DecisionStore
from cfp.events import NotificationEvent
from cfp.observability import logger
from cfp.release_records import Claim, ReleaseRecord, decision_marker
from cfp.submission_items import LIVE, audit_put
from cfp.table_items import from_item, iso, submission_pk, to_item

# A claim is four transaction actions; a transaction meeting another at the same items is tried again.
_CLAIM_ACTIONS = 4
_CONFLICT_RETRIES = 5


class ReleaseStore(DecisionStore):
    """Decisions (``DecisionStore``), and their release: claims, the outbox of claimed events, the release
    records."""

    # ---- sending ---------------------------------------------------------------------------------------

    def _claim_writes(self, claim: Claim, event: NotificationEvent, by: str, now: datetime) -> list[Any]:
        """One decision version's claim: the marker, the event in the outbox and the audit entry, written
        only while that version stands on a live submission and nobody claimed it (four actions)."""
        marker = decision_marker(claim.version, claim.decision)
        version_holds = (
            "decision_version = :v" if claim.version else "attribute_not_exists(decision_version)"
        ) + " AND decision = :d"
        values: dict[str, Any] = {":d": claim.decision}
        if claim.version:
            values[":v"] = claim.version
        writes: list[Any] = [
            {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": to_item({"pk": submission_pk(claim.submission_id), "sk": "META"}),
                    "ConditionExpression": f"{LIVE} AND {version_holds}",
                    "ExpressionAttributeValues": to_item(values),
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(
                        {
                            "pk": submission_pk(claim.submission_id),
                            "sk": f"SENT#{marker}",
                            "at": iso(now),
                            "release": claim.release_id,
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(
                        {
                            "pk": submission_pk(claim.submission_id),
                            "sk": f"OUTBOX#{event.event_id}",
                            "event": event.model_dump_json(),
                            "at": iso(event.occurred_at),
                        }
                    ),
                }
            },
            audit_put(
                self._table,
                claim.submission_id,
                by,
                "released",
                f"{claim.decision} (release {claim.release_id})",
                now,
                claim.release_id,
            ),
        ]
        return writes

    def claim_many(self, claims: list[tuple[Claim, NotificationEvent]], by: str, now: datetime) -> set[str]:
        """Claim decision versions' mails for a release, up to 25 in one transaction; the submission ids
        whose claim this call won. A claim whose condition fails (claimed elsewhere, changed, withdrawn)
        is left out and the rest written again; a transaction that meets another at the same items is
        tried again a few times."""
        pending = list(claims)
        conflicts = 0
        while pending:
            writes = [w for claim, event in pending for w in self._claim_writes(claim, event, by, now)]
            try:
                self._client.transact_write_items(TransactItems=writes)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                codes = [reason.get("Code") for reason in error.response.get("CancellationReasons", [])]
                refused = {
                    pending[n // _CLAIM_ACTIONS][0].submission_id
                    for n, code in enumerate(codes)
                    if code == "ConditionalCheckFailed"
                }
                if refused:
                    pending = [(c, e) for c, e in pending if c.submission_id not in refused]
                    continue
                conflicts += 1
                if conflicts > _CONFLICT_RETRIES:
                    raise
                continue
            return {claim.submission_id for claim, _ in pending}
        return set()

    def clear_outboxes(self, events: list[tuple[str, str]]) -> None:
        """Forget queued events (submission id, event id), 25 a request. Best effort: a leftover is queued
        again by the deadline keeper, and the notifier sends each event's mail once."""
        for start in range(0, len(events), 25):
            request: dict[str, Any] = {
                self._table: [
                    {"DeleteRequest": {"Key": to_item({"pk": submission_pk(sid), "sk": f"OUTBOX#{eid}"})}}
                    for sid, eid in events[start : start + 25]
                ]
            }
            try:
                while request:
                    request = (
                        self._client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
                    )
            except (BotoCoreError, ClientError):
                logger.warning("outbox entries stay behind; they will be queued again")
                return

    def claimed_before(self, claim: Claim, event_id: str) -> tuple[bool, bool]:
        """Whether this release claimed the version on an earlier try, and whether its event is still in
        the outbox (claimed, then cut off before the event was queued: a retry queues it)."""
        key = {"pk": submission_pk(claim.submission_id)}
        marker = self._client.get_item(
            TableName=self._table,
            Key=to_item({**key, "sk": f"SENT#{decision_marker(claim.version, claim.decision)}"}),
            ConsistentRead=True,
        ).get("Item")
        if marker is None or from_item(marker).get("release") != claim.release_id:
            return False, False
        outbox = self._client.get_item(
            TableName=self._table, Key=to_item({**key, "sk": f"OUTBOX#{event_id}"}), ConsistentRead=True
        )
        return True, "Item" in outbox

    def save_release(self, record: ReleaseRecord) -> None:
        pk = f"RELEASE#{record.id}"
        expires = int((record.created_at + _RELEASE_KEEP).timestamp())
        self._save_parts(pk, [f"{c.submission_id}:{c.version}:{c.decision}" for c in record.items], expires)
        self._client.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "pk": pk,
                    "sk": "JOB",
                    "previewed_by": record.previewed_by,
                    "created_at": iso(record.created_at),
                    "state": record.state,
                    "total": len(record.items),
                    "expires_epoch": expires,
                    "with_reviews": record.with_reviews,
                }
            ),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def release(self, release_id: str) -> ReleaseRecord | None:
        """The release as recorded, with its frozen items; None for an unknown (or forgotten) one."""
        job, entries = self._job_and_parts(f"RELEASE#{release_id}")
        if job is None:
            return None
        claims = []
        for entry in entries:
            submission_id, version, decision = entry.split(":")
            claims.append(Claim(release_id, submission_id, int(version), decision))
        return ReleaseRecord(
            id=release_id,
            previewed_by=str(job["previewed_by"]),
            created_at=datetime.fromisoformat(str(job["created_at"])),
            items=tuple(claims),
            state=str(job["state"]),
            started_by=str(job["started_by"]) if "started_by" in job else None,
            started_at=datetime.fromisoformat(str(job["started_at"])) if "started_at" in job else None,
            finished_at=datetime.fromisoformat(str(job["finished_at"])) if "finished_at" in job else None,
            done=int(job.get("done", 0)),
            sent=tuple(sorted(job.get("sent", set()))),
            message=str(job.get("message", "")),
            with_reviews=bool(job.get("with_reviews", False)),
        )

    def start_release(self, release_id: str, by: str, now: datetime) -> bool:
        """Move a previewed release to queued, once; False when it was started already."""
        return self._update(
            f"RELEASE#{release_id}",
            "SET #state = :queued, started_by = :by, started_at = :now",
            "#state = :previewed",
            {":queued": "queued", ":by": by, ":now": iso(now), ":previewed": "previewed"},
        )

    def unstart_release(self, release_id: str) -> None:
        """Back to previewed: its message could not be queued, so it may be started again."""
        self._update(
            f"RELEASE#{release_id}",
            "SET #state = :previewed REMOVE started_by, started_at",
            "#state = :queued",
            {":queued": "queued", ":previewed": "previewed"},
        )

    def release_progress(self, release_id: str, done: int, sent: list[str], message: str = "") -> None:
        """Record how far a release has come; the ids it sent are added to those recorded before."""
        update = "SET #state = :sending, #done = :done, #message = :message"
        values: dict[str, Any] = {
            ":sending": "sending",
            ":done": done,
            ":message": message,
            ":finished": "done",
        }
        if sent:
            update += " ADD #sent :sent"
            values[":sent"] = set(sent)
        self._update(f"RELEASE#{release_id}", update, "#state <> :finished", values)

    def finish_release(self, release_id: str, done: int, now: datetime) -> bool:
        """Mark a release done, once; False when it already was."""
        return self._update(
            f"RELEASE#{release_id}",
            "SET #state = :finished, #done = :done, finished_at = :now, #message = :none",
            "#state <> :finished",
            {":finished": "done", ":done": done, ":now": iso(now), ":none": ""},
        )
