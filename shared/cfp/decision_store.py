"""DynamoDB adapter for decisions (and, in ``cfp.release_store``, their release), beside ``cfp.store`` in the
same table.

| pk               | sk                  | what                                                          |
|------------------|---------------------|---------------------------------------------------------------|
| ``SUB#<id>``     | ``META``            | the decision, its note and ``decision_version`` (+1 a change) |
| ``SUB#<id>``     | ``SENT#decision:v<n>`` | version n's mail was claimed, by which release             |
| ``RELEASE#<id>`` | ``JOB``             | a release: who previewed and started it, when, its state, counts |
| ``RELEASE#<id>`` | ``PART#<nnnn>``     | the previewed submissions and versions, frozen, in parts      |
| ``DECIDE#<id>``  | ``JOB``, ``PART#<nnnn>`` | a decision on many submissions: who, what, progress; the ids |

Deciding many submissions is a few transactions of up to 50 submissions each (a decision and its audit
entry per submission), after every id was read: nothing changes when one is unknown or withdrawn. Each
update names the request it belongs to, so applying a part again changes nothing. Sending a decision is
claimed by one transaction (the marker, the event in the outbox and the audit entry, provided the
decision's version still stands), so however many releases run at once, each version is mailed, reported
and audited once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from cfp.errors import SubmissionNotFound, SubmissionWithdrawn
from cfp.release_records import DecisionJob
from cfp.submission_items import LIVE, audit_put
from cfp.table_items import from_item, iso, partition_items, submission_pk, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# DynamoDB's limits: 100 keys a BatchGetItem, 100 actions a transaction (two per submission decided).
_GET_BATCH = 100
_DECIDE_BATCH = 50
_PART_SIZE = 2000
# A release's record is kept a month, long after its mails went (TTL).
_RELEASE_KEEP = timedelta(days=30)


class DecisionStore:
    """Decisions, their once-only sending and the release records; every write that must not race is
    conditional."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    # ---- deciding ------------------------------------------------------------------------------------

    def _live_states(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Each named submission that exists: whether it is withdrawn, and its decision and note."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), _GET_BATCH):
            keys = [to_item({"pk": submission_pk(i), "sk": "META"}) for i in ids[start : start + _GET_BATCH]]
            request: dict[str, Any] = {
                self._table: {
                    "Keys": keys,
                    # Without spaces: moto keeps only the first name of "a, b".
                    "ProjectionExpression": "pk,withdrawn_at,decision,decision_note",
                    "ConsistentRead": True,
                }
            }
            while request:
                answer = self._client.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self._table, []):
                    values = from_item(item)
                    found[str(values["pk"]).removeprefix("SUB#")] = values
                request = answer.get("UnprocessedKeys") or {}
        return found

    def check_live(self, ids: list[str]) -> None:
        """SubmissionNotFound naming every unknown id, or SubmissionWithdrawn naming every withdrawn one."""
        states = self._live_states(ids)
        missing = [i for i in ids if i not in states]
        if missing:
            raise SubmissionNotFound(", ".join(missing))
        withdrawn = [i for i in ids if "withdrawn_at" in states[i]]
        if withdrawn:
            raise SubmissionWithdrawn(f"withdrawn: {', '.join(withdrawn)}")

    def apply_decision(
        self,
        ids: list[str],
        decision: str,
        note: str,
        by: str,
        now: datetime,
        request: str,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Set the decision on every named live submission, in transactions of 50, each update naming
        ``request``: applying the same request again (a retry, a resumed job) changes nothing twice. One
        that already stands as asked is left as it is (no new version, so no second mail), and one
        withdrawn meanwhile is left out."""
        states = self._live_states(ids)
        detail = decision + (f"; note: {note}" if note else "")
        changing = [
            i
            for i in ids
            if i in states
            and "withdrawn_at" not in states[i]
            and (states[i].get("decision"), states[i].get("decision_note", "")) != (decision, note)
        ]
        for start in range(0, len(changing), _DECIDE_BATCH):
            part = changing[start : start + _DECIDE_BATCH]
            while part:
                try:
                    self._client.transact_write_items(
                        TransactItems=self._decision_writes(part, decision, note, detail, by, now, request)
                    )
                    break
                except ClientError as error:
                    reasons = error.response.get("CancellationReasons", [])
                    refused = {
                        part[n // 2]
                        for n, reason in enumerate(reasons)
                        if reason.get("Code") == "ConditionalCheckFailed"
                    }
                    if not refused:
                        raise
                    # Applied by this request before, or withdrawn since: the rest goes ahead.
                    part = [i for i in part if i not in refused]
            if progress is not None:
                progress(min(start + _DECIDE_BATCH, len(changing)))

    def _decision_writes(
        self, ids: list[str], decision: str, note: str, detail: str, by: str, now: datetime, request: str
    ) -> list[Any]:
        writes: list[Any] = []
        for n, submission_id in enumerate(ids):
            writes.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": to_item({"pk": submission_pk(submission_id), "sk": "META"}),
                        "UpdateExpression": "SET decision = :d, decision_note = :n, decided_by = :by, "
                        "decided_at = :now, updated_at = :now, decision_request = :request "
                        "ADD decision_version :one",
                        "ConditionExpression": f"{LIVE} AND "
                        "(attribute_not_exists(decision_request) OR decision_request <> :request)",
                        "ExpressionAttributeValues": to_item(
                            {
                                ":d": decision,
                                ":n": note,
                                ":by": by,
                                ":now": iso(now),
                                ":request": request,
                                ":one": 1,
                            }
                        ),
                    }
                }
            )
            writes.append(audit_put(self._table, submission_id, by, "decided", detail, now, f"{request}{n}"))
        return writes

    # ---- bulk decisions, applied off the request path ----------------------------------------------

    def save_decision_job(self, job: DecisionJob) -> None:
        pk = f"DECIDE#{job.id}"
        expires = int((job.created_at + _RELEASE_KEEP).timestamp())
        self._save_parts(pk, list(job.ids), expires)
        self._client.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "pk": pk,
                    "sk": "JOB",
                    "by": job.by,
                    "decision": job.decision,
                    "note": job.note,
                    "created_at": iso(job.created_at),
                    "state": job.state,
                    "total": len(job.ids),
                    "expires_epoch": expires,
                }
            ),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def decision_job(self, job_id: str) -> DecisionJob | None:
        job, parts = self._job_and_parts(f"DECIDE#{job_id}")
        if job is None:
            return None
        return DecisionJob(
            id=job_id,
            by=str(job["by"]),
            decision=str(job["decision"]),
            note=str(job.get("note", "")),
            created_at=datetime.fromisoformat(str(job["created_at"])),
            ids=tuple(parts),
            state=str(job["state"]),
            done=int(job.get("done", 0)),
            finished_at=datetime.fromisoformat(str(job["finished_at"])) if "finished_at" in job else None,
            message=str(job.get("message", "")),
        )

    def decision_progress(self, job_id: str, done: int, message: str = "") -> None:
        self._update(
            f"DECIDE#{job_id}",
            "SET #state = :applying, #done = :done, #message = :message",
            "#state <> :finished",
            {":applying": "applying", ":done": done, ":message": message, ":finished": "done"},
        )

    def finish_decision_job(self, job_id: str, now: datetime) -> bool:
        return self._update(
            f"DECIDE#{job_id}",
            "SET #state = :finished, finished_at = :now, #message = :none",
            "#state <> :finished",
            {":finished": "done", ":now": iso(now), ":none": ""},
        )

    # ---- jobs' records -------------------------------------------------------------------------------

    def _save_parts(self, pk: str, items: list[str], expires: int) -> None:
        """A job's list, in parts well under DynamoDB's 400 KB an item (written before the job itself)."""
        for n, start in enumerate(range(0, len(items), _PART_SIZE)):
            part = items[start : start + _PART_SIZE]
            self._client.put_item(
                TableName=self._table,
                Item=to_item(
                    {"pk": pk, "sk": f"PART#{n:04d}", "items": json.dumps(part), "expires_epoch": expires}
                ),
            )

    def _job_and_parts(self, pk: str) -> tuple[dict[str, Any] | None, list[str]]:
        job: dict[str, Any] | None = None
        items: list[str] = []
        for item in self._items(pk):
            if item["sk"] == "JOB":
                job = item
            elif str(item["sk"]).startswith("PART#"):
                items.extend(str(entry) for entry in json.loads(str(item["items"])))
        return job, items

    def _items(self, pk: str) -> Iterator[dict[str, Any]]:
        return partition_items(self._client, self._table, pk)

    def _update(self, pk: str, update: str, condition: str, values: dict[str, Any]) -> bool:
        names = {
            f"#{n}": n for n in ("state", "done", "sent", "message") if f"#{n}" in f"{update} {condition}"
        }
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_item({"pk": pk, "sk": "JOB"}),
                UpdateExpression=update,
                ConditionExpression=f"attribute_exists(pk) AND ({condition})",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(values),
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True
