"""DynamoDB adapter for the archive jobs' records: one item a job (``ARCHIVE#<id>``/``JOB``), forgotten by
DynamoDB's TTL a week after it was asked for; every change after the first is conditional on the build's
claim, so a redelivered message cannot corrupt what another build reports."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from cfp.ports import ArchiveJob
from cfp.table_items import condition_failed, from_item, iso, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# A job's attributes that updates name (some, such as ``total`` and ``size``, are DynamoDB reserved words).
_JOB_ATTRIBUTES = (
    "state",
    "attempt",
    "done",
    "total",
    "message",
    "size",
    "started_at",
    "ends_at",
    "finished_at",
)


class ArchiveJobStore:
    """The archive jobs' records, in the submissions' table."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _job_key(self, job_id: str) -> dict[str, Any]:
        return to_item({"pk": f"ARCHIVE#{job_id}", "sk": "JOB"})

    def save_job(self, job: ArchiveJob) -> None:
        """Record a new job; DynamoDB's TTL forgets it a week later (its zip is gone after a day)."""
        # Imported here: the archive module loads zipfile, which no other use of the store needs.
        from cfp.archive import JOB_RECORD_KEEP

        values = {
            "id": job.id,
            "include_late": job.include_late,
            "requested_by": job.requested_by,
            "requested_at": iso(job.requested_at),
            "state": job.state,
            "attempt": job.attempt,
            "done": job.done,
            "message": job.message,
            "contents": job.contents,
            "expires_epoch": int((job.requested_at + JOB_RECORD_KEEP).timestamp()),
        }
        self._client.put_item(
            TableName=self._table,
            Item={**self._job_key(job.id), **to_item(values)},
            ConditionExpression="attribute_not_exists(pk)",
        )

    def job(self, job_id: str) -> ArchiveJob | None:
        item = self._client.get_item(TableName=self._table, Key=self._job_key(job_id), ConsistentRead=True)
        if "Item" not in item:
            return None
        values = from_item(item["Item"])
        return ArchiveJob(
            id=str(values["id"]),
            include_late=bool(values["include_late"]),
            requested_by=str(values["requested_by"]),
            requested_at=datetime.fromisoformat(str(values["requested_at"])),
            state=str(values["state"]),
            attempt=int(values["attempt"]),
            done=int(values["done"]),
            total=int(values["total"]) if "total" in values else None,
            size=int(values["size"]) if "size" in values else None,
            finished_at=datetime.fromisoformat(str(values["finished_at"]))
            if "finished_at" in values
            else None,
            message=str(values.get("message", "")),
            ends_at=datetime.fromisoformat(str(values["ends_at"])) if "ends_at" in values else None,
            contents=str(values.get("contents", "first")),
        )

    def _update_job(
        self, job_id: str, update: str, condition: str, values: dict[str, Any]
    ) -> dict[str, Any] | None:
        """One conditional update of a job; None when its condition does not hold. Every attribute is
        written ``#name`` (``total``, ``size`` and others are DynamoDB reserved words)."""
        expressions = f"{update} {condition}"
        names = {f"#{n}": n for n in _JOB_ATTRIBUTES if f"#{n}" in expressions.replace(",", " ").split()}
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=self._job_key(job_id),
                UpdateExpression=update,
                ConditionExpression=f"attribute_exists(pk) AND ({condition})",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(values),
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as error:
            if condition_failed(error):
                return None
            raise
        return from_item(response.get("Attributes", {}))

    def claim_job(self, job_id: str, now: datetime, ends_at: datetime) -> int | None:
        """A new build's claim on a job that is not done: progress starts again from nothing."""
        updated = self._update_job(
            job_id,
            "SET #state = :building, #attempt = #attempt + :one, #done = :zero, #message = :none,"
            " #started_at = :now, #ends_at = :ends REMOVE #total, #finished_at",
            "#state <> :done",
            {
                ":building": "building",
                ":one": 1,
                ":zero": 0,
                ":none": "",
                ":now": iso(now),
                ":ends": iso(ends_at),
                ":done": "done",
            },
        )
        return int(updated["attempt"]) if updated is not None else None

    def job_progress(self, job_id: str, attempt: int, done: int, total: int, message: str = "") -> bool:
        return (
            self._update_job(
                job_id,
                "SET #done = :done_files, #total = :total, #message = :message",
                "#attempt = :attempt AND #state = :building",
                {
                    ":done_files": done,
                    ":total": total,
                    ":message": message,
                    ":attempt": attempt,
                    ":building": "building",
                },
            )
            is not None
        )

    def finish_job(self, job_id: str, attempt: int, size: int, now: datetime) -> bool:
        return (
            self._update_job(
                job_id,
                "SET #state = :done, #size = :size, #finished_at = :now, #message = :none",
                "#attempt = :attempt AND #state = :building",
                {
                    ":done": "done",
                    ":size": size,
                    ":now": iso(now),
                    ":none": "",
                    ":attempt": attempt,
                    ":building": "building",
                },
            )
            is not None
        )

    def fail_job(self, job_id: str, attempt: int, message: str, now: datetime) -> bool:
        return (
            self._update_job(
                job_id,
                "SET #state = :failed, #message = :message, #finished_at = :now",
                "#attempt = :attempt AND #state <> :done",
                {
                    ":failed": "failed",
                    ":message": message,
                    ":now": iso(now),
                    ":attempt": attempt,
                    ":done": "done",
                },
            )
            is not None
        )
