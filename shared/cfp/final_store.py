"""DynamoDB adapter for the final phase: final upload slots (``FIN#``) beside a submission's first versions,
and the presenter and publication consent on its record.

The slots are counted apart (``finals_issued``), so the first phase's limits and reminders never see them;
their objects are written by the same conditional writes as first versions (``SubmissionStore``), which
pick the ``FIN#`` key from the upload's kind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cfp.model import Submission, UploadKind, Version
from cfp.store import SubmissionStore
from cfp.submission_items import slot_sk, versions_from
from cfp.table_items import partition_items

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_FINALS = "FIN#"


class FinalStore:
    """Reads and writes what the final phase adds to a submission's partition."""

    def __init__(self, client: DynamoDBClient, table_name: str, store: SubmissionStore) -> None:
        self._client = client
        self._table = table_name
        self._store = store

    def finals(self, submission_id: str) -> list[Version]:
        """The submission's final uploads and unused final slots, in slot order."""
        items = list(partition_items(self._client, self._table, f"SUB#{submission_id}", under=_FINALS))
        return versions_from(items, slots_under=_FINALS)

    def issue_final(
        self,
        submission_id: str,
        kind: UploadKind,
        key_for: Callable[[int], str],
        issued_at: datetime,
        expires_at: datetime,
        most: int = 0,
    ) -> Version:
        """Reserve the next final slot atomically and record it; with ``most``, raise LimitReached rather
        than issue more than that many."""
        values: dict[str, Any] = {":one": {"N": "1"}, ":now": {"S": issued_at.isoformat()}}
        if most:
            values[":most"] = {"N": str(most)}
        meta = self._store.update_live(
            submission_id,
            "ADD finals_issued :one SET updated_at = :now",
            {},
            values,
            "attribute_not_exists(finals_issued) OR finals_issued < :most" if most else "",
        )
        number = int(meta["finals_issued"])
        version = Version(
            number=number, kind=kind, key=key_for(number), issued_at=issued_at, expires_at=expires_at
        )
        self._client.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"SUB#{submission_id}"},
                "sk": {"S": slot_sk(version)},
                "number": {"N": str(number)},
                "kind": {"S": kind},
                "key": {"S": version.key},
                "issued_at": {"S": issued_at.isoformat()},
                "expires_at": {"S": expires_at.isoformat()},
            },
        )
        return version

    def save_details(
        self, submission_id: str, presenter: str, publish_abstract: bool, publish_poster: bool, now: datetime
    ) -> Submission:
        """Record who presents and what may be published, confirmed now; returns the record as stored."""
        changes = {
            "presenter": presenter,
            "publish_abstract": publish_abstract,
            "publish_poster": publish_poster,
            "final_confirmed_at": now.isoformat(),
        }
        return self._store.update_metadata(submission_id, changes, now)

    def extend_final(self, submission_id: str, until: datetime, now: datetime) -> Submission:
        """Give one submission until ``until`` for its final versions."""
        return self._store.update_metadata(submission_id, {"final_extension_until": until.isoformat()}, now)
