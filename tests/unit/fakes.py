"""In-memory stand-ins for the ports the use cases need (``cfp.ports``), with the adapters' semantics:
conditional writes, once-only markers, the outbox, idempotency records, counters and limits. Fast enough
that every rule can be tested against them; moto tests the real adapters."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cfp.errors import (
    LimitReached,
    PublishFailed,
    RequestRecord,
    RequestSeen,
    SubmissionNotFound,
    SubmissionWithdrawn,
)
from cfp.events import NotificationEvent
from cfp.model import Author, Submission, Version, upload_order
from cfp.ports import PresignedPost, Snapshot, StoredObject


@dataclass
class _Record:
    submission: Submission
    slots: dict[int, Version] = field(default_factory=dict)
    objects: dict[tuple[int, str], Version] = field(default_factory=dict)


class FakeStore:
    """The submissions table as dictionaries."""

    def __init__(self) -> None:
        self.records: dict[str, _Record] = {}
        self.outbox: dict[tuple[str, str], tuple[datetime, NotificationEvent]] = {}
        self.requests: dict[str, RequestRecord] = {}
        self.markers: dict[str, set[str]] = {}
        self.counters: dict[tuple[str, datetime], int] = {}

    def create(
        self, submission: Submission, outbox: NotificationEvent, request: RequestRecord | None = None
    ) -> None:
        if submission.id in self.records:
            raise AssertionError(f"submission {submission.id} already exists")
        if request is not None:
            seen = self.requests.get(request.key_hash)
            if seen is not None and seen.expires_at > submission.created_at:
                raise RequestSeen(seen)
            self.requests[request.key_hash] = request
        self.records[submission.id] = _Record(submission)
        self.outbox[(submission.id, outbox.event_id)] = (outbox.occurred_at, outbox)

    def find_request(self, key_hash: str) -> RequestRecord | None:
        return self.requests.get(key_hash)

    def clear_outbox(self, submission_id: str, event_id: str) -> None:
        self.outbox.pop((submission_id, event_id), None)

    def _record(self, submission_id: str) -> _Record:
        if submission_id not in self.records:
            raise SubmissionNotFound(submission_id)
        return self.records[submission_id]

    def _live(self, submission_id: str) -> _Record:
        record = self._record(submission_id)
        if record.submission.withdrawn:
            raise SubmissionWithdrawn(f"submission {submission_id} is withdrawn")
        return record

    def get(self, submission_id: str) -> tuple[Submission, list[Version]]:
        record = self._record(submission_id)
        versions: list[Version] = []
        for number in sorted(record.slots):
            stored = [v for (n, _), v in record.objects.items() if n == number]
            versions.extend(sorted(stored, key=upload_order) or [record.slots[number]])
        return record.submission, versions

    def all(self) -> list[tuple[Submission, list[Version]]]:
        return self.snapshot().records

    def snapshot(self) -> Snapshot:
        records = [self.get(i) for i in self.records]
        records.sort(key=lambda pair: (pair[0].created_at, pair[0].id))
        outbox = sorted(self.outbox.values(), key=lambda pair: pair[0])
        return Snapshot(records, {k: set(v) for k, v in self.markers.items()}, outbox)

    def update_metadata(self, submission_id: str, changes: dict[str, Any], now: datetime) -> Submission:
        record = self._live(submission_id)
        values = dict(changes)
        if "authors" in values:
            values["authors"] = [Author.model_validate(a) for a in values["authors"]]
        record.submission = record.submission.model_copy(update={**values, "updated_at": now})
        return record.submission

    def withdraw(self, submission_id: str, now: datetime, outbox: NotificationEvent) -> None:
        record = self._live(submission_id)
        record.submission = record.submission.model_copy(update={"withdrawn_at": now, "updated_at": now})
        self.outbox[(submission_id, outbox.event_id)] = (outbox.occurred_at, outbox)

    def issue_version(
        self,
        submission_id: str,
        key_for: Callable[[int], str],
        issued_at: datetime,
        expires_at: datetime,
        most: int = 0,
    ) -> Version:
        record = self._live(submission_id)
        if most and record.submission.versions_issued >= most:
            raise LimitReached(f"submission {submission_id} has reached its limit")
        number = record.submission.versions_issued + 1
        record.submission = record.submission.model_copy(
            update={"versions_issued": number, "updated_at": issued_at}
        )
        slot = Version(number=number, key=key_for(number), issued_at=issued_at, expires_at=expires_at)
        record.slots[number] = slot
        return slot

    def _object_of(self, upload: Version) -> Version:
        return upload.model_copy(update={"verdict": None, "validated_at": None, "attention": None})

    def record_upload(self, submission_id: str, upload: Version) -> None:
        assert upload.object_id is not None
        objects = self._record(submission_id).objects
        objects.setdefault((upload.number, upload.object_id), self._object_of(upload))

    def record_verdict(self, submission_id: str, upload: Version) -> bool:
        assert upload.object_id is not None and upload.verdict is not None
        objects = self._record(submission_id).objects
        stored = objects.get((upload.number, upload.object_id))
        if stored is not None and stored.verdict is not None:
            return False
        objects[(upload.number, upload.object_id)] = upload.model_copy(update={"attention": None})
        return True

    def mark_attention(self, submission_id: str, upload: Version, reason: str) -> None:
        assert upload.object_id is not None
        objects = self._record(submission_id).objects
        stored = objects.get((upload.number, upload.object_id), self._object_of(upload))
        objects[(upload.number, upload.object_id)] = stored.model_copy(update={"attention": reason})

    def record_bounce(self, submission_id: str, address: str) -> None:
        record = self._record(submission_id)
        bounced = sorted({*record.submission.bounced, address})
        record.submission = record.submission.model_copy(update={"bounced": bounced})

    def grant_extension(self, submission_id: str, until: datetime, granted_by: str, now: datetime) -> None:
        record = self._record(submission_id)
        record.submission = record.submission.model_copy(
            update={
                "extension_until": until,
                "extension_granted_by": granted_by,
                "extension_granted_at": now,
                "updated_at": now,
            }
        )

    def count_once_more(self, counter: str, window_start: datetime, window_end: datetime, most: int) -> None:
        key = (counter, window_start)
        if self.counters.get(key, 0) >= most:
            raise LimitReached(counter)
        self.counters[key] = self.counters.get(key, 0) + 1

    def mark_once(self, marker: str, now: datetime, submission_id: str | None = None) -> bool:
        done = self.markers.setdefault(submission_id or "", set())
        if marker in done:
            return False
        done.add(marker)
        return True


class FakeBucket:
    """The uploads bucket: objects by key, each with its versions in upload order."""

    def __init__(self, name: str = "uploads") -> None:
        self.name = name
        self.objects: list[StoredObject] = []
        self.data: dict[tuple[str, str | None], bytes] = {}
        self.reads: list[str] = []
        self.signed: list[tuple[str, datetime, datetime]] = []

    def put(self, key: str, data: bytes, at: datetime) -> StoredObject:
        stored = StoredObject(key, f"v{len(self.objects) + 1}", at, len(data), f"etag{len(self.objects) + 1}")
        self.objects.append(stored)
        self.data[(key, stored.version_id)] = data
        return stored

    def presign_post(self, key: str, max_bytes: int, now: datetime, expires_at: datetime) -> PresignedPost:
        self.signed.append((key, now, expires_at))
        return PresignedPost(f"https://{self.name}.example", {"key": key, "policy": f"until {expires_at}"})

    def read(self, key: str, version_id: str | None, max_bytes: int) -> bytes:
        self.reads.append(key)
        return self.data[(key, version_id)][: max_bytes + 1]

    def list_uploads(self, prefix: str) -> list[StoredObject]:
        return [o for o in self.objects if o.key.startswith(prefix)]


class FakeQueue:
    """A queue that keeps what it was given; ``down`` makes it refuse, as SQS in a bad minute."""

    def __init__(self) -> None:
        self.events: list[NotificationEvent] = []
        self.bodies: list[str] = []
        self.down = False

    def publish(self, event: NotificationEvent) -> None:
        if self.down:
            raise PublishFailed("the queue did not answer")
        self.events.append(event)

    def send(self, body: str) -> None:
        self.bodies.append(body)

    def kinds(self) -> list[str]:
        return [str(e.kind) for e in self.events]


class FakeDeadLetters:
    def __init__(self, bodies: list[str] | None = None) -> None:
        self.held = list(bodies or [])

    def bodies(self, limit: int = 1000) -> list[str]:
        return self.held[:limit]


class FakeSealer:
    """Seals by wrapping, bound to the submission id as KMS's encryption context binds it."""

    def seal(self, token: str, submission_id: str) -> str:
        return json.dumps({"sealed": token[::-1], "for": submission_id})

    def open(self, sealed: str, submission_id: str) -> str:
        parsed = json.loads(sealed)
        assert parsed["for"] == submission_id, "a sealed token opened for another submission"
        return str(parsed["sealed"])[::-1]
