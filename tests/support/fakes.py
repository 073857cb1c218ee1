"""In-memory stand-ins for the ports the use cases need (``cfp.ports``), with the adapters' semantics:
conditional writes, once-only markers, the outbox, idempotency records, counters and limits. Fast enough
that every rule can be tested against them; moto tests the real adapters."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cfp.adapters import Adapters
from cfp.clock import Clock
from cfp.errors import (
    LimitReached,
    ObjectUnreadable,
    PublishFailed,
    RequestRecord,
    RequestSeen,
    SubmissionNotFound,
    SubmissionWithdrawn,
)
from cfp.events import NotificationEvent
from cfp.model import Author, Submission, UploadKind, Version, upload_order
from cfp.ports import ArchiveJob, AuditEntry, DeadLetter, PresignedPost, Snapshot, StoredObject
from cfp.program import BoardTaken
from cfp.reviews import Comment, Review, ReviewConflict, ReviewRecords
from cfp.settings import Settings


@dataclass
class _Record:
    """One submission's partition: its record, its first versions' slots and the final uploads' slots, and
    every object stored in either, by phase (as the table keys them under ``VER#`` and ``FIN#``)."""

    submission: Submission
    slots: dict[int, Version] = field(default_factory=dict)
    objects: dict[tuple[int, str], Version] = field(default_factory=dict)
    final_slots: dict[int, Version] = field(default_factory=dict)
    final_objects: dict[tuple[int, str], Version] = field(default_factory=dict)

    def objects_of(self, upload: Version) -> dict[tuple[int, str], Version]:
        return self.objects if upload.kind == "abstract" else self.final_objects

    def versions(self, final: bool = False) -> list[Version]:
        """Every object in slot order, upload order within a slot, and each slot not used yet."""
        slots, objects = (self.final_slots, self.final_objects) if final else (self.slots, self.objects)
        versions: list[Version] = []
        for number in sorted(slots):
            stored = [v for (n, _), v in objects.items() if n == number]
            versions.extend(sorted(stored, key=upload_order) or [slots[number]])
        return versions

    def change(self, **fields: Any) -> Submission:
        """The submission with ``fields`` set, as an update expression leaves the item."""
        self.submission = self.submission.model_copy(update=fields)
        return self.submission


class FakeStore:
    """The submissions table as dictionaries."""

    def __init__(self) -> None:
        self.records: dict[str, _Record] = {}
        self.outbox: dict[tuple[str, str], tuple[datetime, NotificationEvent]] = {}
        self.requests: dict[str, RequestRecord] = {}
        self.marked: dict[str, set[str]] = {}
        self.counters: dict[tuple[str, datetime], int] = {}
        self.audited: list[tuple[str | None, AuditEntry]] = []

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
        return record.submission, record.versions()

    def all(self) -> list[tuple[Submission, list[Version]]]:
        return self.snapshot().records

    def snapshot(self) -> Snapshot:
        records = [self.get(i) for i in self.records]
        records.sort(key=lambda pair: (pair[0].created_at, pair[0].id))
        outbox = sorted(self.outbox.values(), key=lambda pair: pair[0])
        audit: dict[str, list[AuditEntry]] = {}
        for owner, entry in sorted(self.audited, key=lambda pair: pair[1].at):
            audit.setdefault(owner or "", []).append(entry)
        finals = {i: record.versions(final=True) for i, record in self.records.items()}
        markers = {k: set(v) for k, v in self.marked.items()}
        return Snapshot(records, markers, outbox, audit, {}, finals)

    def update_metadata(self, submission_id: str, changes: dict[str, Any], now: datetime) -> Submission:
        record = self._live(submission_id)
        values = dict(changes)
        if "authors" in values:
            values["authors"] = [Author.model_validate(a) for a in values["authors"]]
        return record.change(**values, updated_at=now)

    def withdraw(self, submission_id: str, now: datetime, outbox: NotificationEvent) -> None:
        record = self._live(submission_id)
        record.change(withdrawn_at=now, updated_at=now)
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
        record.change(versions_issued=number, updated_at=issued_at)
        slot = Version(number=number, key=key_for(number), issued_at=issued_at, expires_at=expires_at)
        record.slots[number] = slot
        return slot

    def _object_of(self, upload: Version) -> Version:
        return upload.model_copy(update={"verdict": None, "validated_at": None, "attention": None})

    def record_upload(self, submission_id: str, upload: Version) -> None:
        assert upload.object_id is not None
        objects = self._record(submission_id).objects_of(upload)
        objects.setdefault((upload.number, upload.object_id), self._object_of(upload))

    def record_verdict(self, submission_id: str, upload: Version) -> bool:
        assert upload.object_id is not None and upload.verdict is not None
        objects = self._record(submission_id).objects_of(upload)
        stored = objects.get((upload.number, upload.object_id))
        if stored is not None and stored.verdict is not None:
            return False
        objects[(upload.number, upload.object_id)] = upload.model_copy(update={"attention": None})
        return True

    def replace_stale_verdict(
        self, submission_id: str, upload: Version, outbox: NotificationEvent | None = None
    ) -> bool:
        assert upload.object_id is not None and upload.verdict is not None
        objects = self._record(submission_id).objects_of(upload)
        stored = objects.get((upload.number, upload.object_id))
        if stored is None or stored.verdict is None:
            return False
        if stored.verdict.facts.measurer >= upload.verdict.facts.measurer:
            return False
        objects[(upload.number, upload.object_id)] = upload.model_copy(update={"attention": None})
        if outbox is not None:
            self.outbox[(submission_id, outbox.event_id)] = (outbox.occurred_at, outbox)
        return True

    def mark_attention(self, submission_id: str, upload: Version, reason: str) -> None:
        assert upload.object_id is not None
        objects = self._record(submission_id).objects_of(upload)
        stored = objects.get((upload.number, upload.object_id), self._object_of(upload))
        objects[(upload.number, upload.object_id)] = stored.model_copy(update={"attention": reason})

    def record_bounce(self, submission_id: str, address: str) -> None:
        record = self._record(submission_id)
        bounced = sorted({*record.submission.bounced, address})
        record.change(bounced=bounced)

    def grant_extension(self, submission_id: str, until: datetime, granted_by: str, now: datetime) -> None:
        self._record(submission_id).change(
            extension_until=until, extension_granted_by=granted_by, extension_granted_at=now, updated_at=now
        )


class FakeBookkeeping:
    """Counters, once-only markers and the audit trail, kept in the fake table's dictionaries so its
    snapshot reads them as the real Scan does."""

    def __init__(self, table: FakeStore) -> None:
        self.table = table

    def count_once_more(self, counter: str, window_start: datetime, window_end: datetime, most: int) -> None:
        key = (counter, window_start)
        if self.table.counters.get(key, 0) >= most:
            raise LimitReached(counter)
        self.table.counters[key] = self.table.counters.get(key, 0) + 1

    def mark_once(self, marker: str, now: datetime, submission_id: str | None = None) -> bool:
        done = self.table.marked.setdefault(submission_id or "", set())
        if marker in done:
            return False
        done.add(marker)
        return True

    def markers(self, submission_id: str) -> set[str]:
        return set(self.table.marked.get(submission_id, set()))

    def audit(
        self, by: str, action: str, detail: str, now: datetime, submission_id: str | None = None
    ) -> None:
        self.table.audited.append((submission_id, AuditEntry(now, by, action, detail)))

    def history(self, submission_id: str | None = None) -> list[AuditEntry]:
        """Oldest first, as the table's sort keys order them."""
        entries = [entry for owner, entry in self.table.audited if owner == submission_id]
        return sorted(entries, key=lambda entry: entry.at)


class FakeJobs:
    """Archive job records, with the store's conditions on each build's claim."""

    def __init__(self) -> None:
        self.jobs: dict[str, ArchiveJob] = {}
        self.progress: list[tuple[int, int, int]] = []  # every accepted write: attempt, done, total

    def save_job(self, job: ArchiveJob) -> None:
        assert job.id not in self.jobs
        self.jobs[job.id] = job

    def job(self, job_id: str) -> ArchiveJob | None:
        return self.jobs.get(job_id)

    def _change(self, job_id: str, **values: Any) -> None:
        self.jobs[job_id] = dataclasses.replace(self.jobs[job_id], **values)

    def claim_job(self, job_id: str, now: datetime, ends_at: datetime) -> int | None:
        job = self.jobs.get(job_id)
        if job is None or job.state == "done":
            return None
        attempt = job.attempt + 1
        self._change(
            job_id,
            state="building",
            attempt=attempt,
            done=0,
            total=None,
            message="",
            finished_at=None,
            ends_at=ends_at,
        )
        return attempt

    def _holds(self, job_id: str, attempt: int) -> bool:
        job = self.jobs.get(job_id)
        return job is not None and job.attempt == attempt and job.state == "building"

    def job_progress(self, job_id: str, attempt: int, done: int, total: int, message: str = "") -> bool:
        if not self._holds(job_id, attempt):
            return False
        self._change(job_id, done=done, total=total, message=message)
        self.progress.append((attempt, done, total))
        return True

    def finish_job(self, job_id: str, attempt: int, size: int, now: datetime) -> bool:
        if not self._holds(job_id, attempt):
            return False
        self._change(job_id, state="done", size=size, finished_at=now, message="")
        return True

    def fail_job(self, job_id: str, attempt: int, message: str, now: datetime) -> bool:
        job = self.jobs.get(job_id)
        if job is None or job.attempt != attempt or job.state == "done":
            return False
        self._change(job_id, state="failed", message=message, finished_at=now)
        return True


class FakeWriter:
    def __init__(self, archives: FakeArchives, key: str, filename: str) -> None:
        self.archives, self.key, self.filename = archives, key, filename
        self.data = bytearray()
        self.aborted = False

    def write(self, data: bytes) -> int:
        self.data += data
        self.archives.largest_write = max(self.archives.largest_write, len(data))
        return len(data)

    def complete(self) -> int:
        self.archives.objects.append((self.key, self.filename, bytes(self.data)))
        return len(self.data)

    def abort(self) -> None:
        self.aborted = True


class FakeArchives:
    """Where zips land: every completed object in order (a second build of a job would be a second)."""

    def __init__(self) -> None:
        self.objects: list[tuple[str, str, bytes]] = []
        self.opened: list[FakeWriter] = []
        self.largest_write = 0

    def open_archive(self, key: str, filename: str) -> FakeWriter:
        writer = FakeWriter(self, key, filename)
        self.opened.append(writer)
        return writer


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

    def stream(self, key: str, version_id: str | None) -> Iterator[bytes]:
        """The object in chunks of 1 KiB; an object that is not there cannot be read."""
        self.reads.append(key)
        if (key, version_id) not in self.data:
            raise ObjectUnreadable(f"{key}: NoSuchVersion")
        data = self.data[(key, version_id)]
        for start in range(0, len(data), 1024):
            yield data[start : start + 1024]

    def download_link(self, key: str, version_id: str | None, lifetime_seconds: int) -> str:
        return f"https://{self.name}.example/{key}?expires={lifetime_seconds}"


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
    def __init__(self, bodies: list[str] | None = None, sent_at: list[datetime] | None = None) -> None:
        self.held = list(bodies or [])
        self.sent_at = list(sent_at or [])
        self.moved_to: list[tuple[str, str]] = []

    def bodies(self, limit: int = 1000) -> list[str]:
        return self.held[:limit]

    def count(self) -> int:
        return len(self.held)

    def peek(self, limit: int) -> list[DeadLetter]:
        return [
            DeadLetter(f"m{n}", self.sent_at[n] if n < len(self.sent_at) else None, 5, body)
            for n, body in enumerate(self.held[:limit])
        ]

    def redrive(self, target_url: str) -> int:
        moved = len(self.held)
        self.moved_to += [(target_url, body) for body in self.held]
        self.held.clear()
        return moved


class FakeSealer:
    """Seals by wrapping, bound to the submission id as KMS's encryption context binds it."""

    def seal(self, token: str, submission_id: str) -> str:
        return json.dumps({"sealed": token[::-1], "for": submission_id})

    def open(self, sealed: str, submission_id: str) -> str:
        parsed = json.loads(sealed)
        assert parsed["for"] == submission_id, "a sealed token opened for another submission"
        return str(parsed["sealed"])[::-1]


class FakeMailCounts:
    """``cfp.ports.MailboxCounter`` in memory."""

    def __init__(self) -> None:
        self.admitted: set[tuple[str, str]] = set()
        self.admissions: dict[tuple[str, datetime], set[str]] = {}
        self.mails: dict[tuple[str, str, datetime], set[str]] = {}

    def admit(self, mailbox: str, submission: str, hour: datetime, end: datetime, most: int) -> bool:
        if (mailbox, submission) in self.admitted:
            return True
        if not _counted(self.admissions.setdefault((mailbox, hour), set()), submission, most):
            return False
        self.admitted.add((mailbox, submission))
        return True

    def count_mail(
        self, mailbox: str, submission: str, event_id: str, hour: datetime, end: datetime, most: int
    ) -> bool:
        return _counted(self.mails.setdefault((mailbox, submission, hour), set()), event_id, most)


def _counted(seen: set[str], name: str, most: int) -> bool:
    if name in seen:
        return True
    if len(seen) >= most:
        return False
    seen.add(name)
    return True


class FakeSuppressions:
    """The suppression list, in memory."""

    def __init__(self) -> None:
        self.reasons: dict[str, str] = {}

    def suppress(self, address: str, reason: str, at: datetime) -> None:
        self.reasons[address] = reason

    def suppressed(self, addresses: set[str]) -> set[str]:
        return addresses & set(self.reasons)


class FakeReviews:
    """Reviews, conflicts and comments as dictionaries, with the audit entries each change writes."""

    def __init__(self) -> None:
        self.by_submission: dict[str, ReviewRecords] = {}
        self.audited: list[tuple[str, AuditEntry]] = []
        self.outbox: list[NotificationEvent] = []

    def review_records(self, submission_id: str) -> ReviewRecords:
        records = self.by_submission.get(submission_id, ReviewRecords())
        return ReviewRecords(dict(records.reviews), dict(records.conflicts), list(records.comments))

    def _records(self, submission_id: str) -> ReviewRecords:
        return self.by_submission.setdefault(submission_id, ReviewRecords())

    def save_review(
        self,
        submission_id: str,
        review: Review,
        before: Review | None,
        action: str,
        detail: str,
        outbox: NotificationEvent | None = None,
    ) -> None:
        stored = self._records(submission_id).reviews.get(review.organizer)
        if stored != before:
            raise ReviewConflict("your review changed meanwhile")
        self._records(submission_id).reviews[review.organizer] = review
        if outbox is not None:
            self.outbox.append(outbox)
        self.audited.append((submission_id, AuditEntry(review.updated_at, review.organizer, action, detail)))

    def delete_review(self, submission_id: str, before: Review, detail: str, now: datetime) -> None:
        del self._records(submission_id).reviews[before.organizer]
        self.audited.append((submission_id, AuditEntry(now, before.organizer, "review withdrawn", detail)))

    def set_conflict(
        self, submission_id: str, organizer: str, state: str | None, action: str, now: datetime
    ) -> None:
        conflicts = self._records(submission_id).conflicts
        if state is None:
            conflicts.pop(organizer, None)
        else:
            conflicts[organizer] = state
        self.audited.append((submission_id, AuditEntry(now, organizer, action, "")))

    def add_comment(self, submission_id: str, comment: Comment) -> None:
        self._records(submission_id).comments.append(comment)

    def from_snapshot(self, snapshot: Snapshot) -> dict[str, ReviewRecords]:
        return {i: self.review_records(i) for i in self.by_submission}

    def declared_conflicts(self, organizer: str, ids: list[str]) -> set[str]:
        return {i for i in ids if self.review_records(i).conflicted(organizer)}


class FakeSignInRecords:
    """Sign-in links, sessions and the last link mailed to each mailbox, as dictionaries."""

    def __init__(self) -> None:
        self.links: dict[str, tuple[str, datetime]] = {}
        self.sessions: dict[str, tuple[str, datetime]] = {}
        self.mailed: dict[str, datetime] = {}

    def save_link(self, secret_hash: str, email: str, expires_at: datetime) -> None:
        self.links[secret_hash] = (email, expires_at)

    def redeem_link(self, secret_hash: str, now: datetime) -> str | None:
        """The address, once: the link is gone after it, and an expired one gives nothing."""
        email, expires_at = self.links.pop(secret_hash, ("", now))
        return email if email and expires_at > now else None

    def open_session(self, session_hash: str, email: str, expires_at: datetime) -> None:
        self.sessions[session_hash] = (email, expires_at)

    def session_is_open(self, session_hash: str, now: datetime) -> bool:
        kept = self.sessions.get(session_hash)
        return kept is not None and kept[1] > now

    def close_session(self, session_hash: str) -> None:
        self.sessions.pop(session_hash, None)

    def claim_link_mail(self, mailbox: str, now: datetime, mailed_before: datetime, until: datetime) -> bool:
        last = self.mailed.get(mailbox)
        if last is not None and last > mailed_before:
            return False
        self.mailed[mailbox] = now
        return True

    def release_link_mail(self, mailbox: str) -> None:
        self.mailed.pop(mailbox, None)


class FakeFinals:
    """The final phase's slots beside the fake table's submissions: issued one after another per
    submission, as the table's conditional counter issues them; the presenter, consent and extension are
    fields of the submission, as in the table."""

    def __init__(self, table: FakeStore) -> None:
        self.table = table

    def finals(self, submission_id: str) -> list[Version]:
        record = self.table.records.get(submission_id)
        return record.versions(final=True) if record is not None else []

    def issue_final(
        self,
        submission_id: str,
        kind: UploadKind,
        key_for: Callable[[int], str],
        issued_at: datetime,
        expires_at: datetime,
        most: int = 0,
    ) -> Version:
        slots = self.table._live(submission_id).final_slots
        if most and len(slots) >= most:
            raise LimitReached(f"submission {submission_id} has reached its limit")
        number = len(slots) + 1
        version = Version(
            number=number, kind=kind, key=key_for(number), issued_at=issued_at, expires_at=expires_at
        )
        slots[number] = version
        self.table._record(submission_id).change(updated_at=issued_at)
        return version

    def save_details(
        self, submission_id: str, presenter: str, publish_abstract: bool, publish_poster: bool, now: datetime
    ) -> Submission:
        changes = {
            "presenter": presenter,
            "publish_abstract": publish_abstract,
            "publish_poster": publish_poster,
            "final_confirmed_at": now,
        }
        return self.table.update_metadata(submission_id, changes, now)

    def extend_final(self, submission_id: str, until: datetime, now: datetime) -> Submission:
        return self.table.update_metadata(submission_id, {"final_extension_until": until}, now)


class FakeBoards:
    """Every poster's board, written only over the boards read before, as the table's condition does."""

    def __init__(self) -> None:
        self.kept: dict[str, str] = {}

    def boards(self) -> dict[str, str]:
        return dict(self.kept)

    def assign(self, wanted: Mapping[str, str], before: Mapping[str, str]) -> None:
        if dict(before) != self.kept:
            raise BoardTaken("the boards changed meanwhile; try again")
        self.kept = {**before, **wanted}


def fake_adapters(
    settings: Settings, clock: Clock, table: FakeStore | None = None, **given: object
) -> Adapters:
    """A stack's adapters made of these fakes, over one fake table (``table``, or a new one), for the
    builders every service is made by; any adapter can be replaced by name in ``given``."""
    store = table or FakeStore()
    bucket = FakeBucket()
    fakes: dict[str, Any] = {
        "store": store,
        "bookkeeping": FakeBookkeeping(store),
        "finals": FakeFinals(store),
        "bucket": bucket,
        "archives": FakeArchives(),
        "notification_queue": FakeQueue(),
        "validation_queue": FakeQueue(),
        "validation_dead_letters": FakeDeadLetters(),
        "archive_jobs": FakeJobs(),
        "archive_queue": FakeQueue(),
        "archive_dead_letters": FakeDeadLetters(),
        "dead_letter_queues": (),
        "reviews": FakeReviews(),
        "suppressions": FakeSuppressions(),
        "mail_counts": FakeMailCounts(),
        "sign_in_records": FakeSignInRecords(),
        "boards": FakeBoards(),
        "sealer": FakeSealer(),
    }
    return Adapters(settings=settings, clock=clock, **(fakes | given))
