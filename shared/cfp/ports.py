"""What the use cases need from the outside world, declared by the core.

The adapters (``store``, ``bookkeeping_store``, ``uploads``, ``queues``, ``sealing``, ...) implement these
with boto3; the tests' in-memory fakes (``tests/support/fakes.py``) implement them with dictionaries, and one
contract suite (``tests/contract``) holds both to the same behaviour. No use case imports an adapter: each
is given objects that have these shapes by ``cfp.bootstrap``, from ``cfp.adapters``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from cfp.errors import RequestRecord
from cfp.events import NotificationEvent
from cfp.formatcheck.models import Verdict
from cfp.model import Submission, UploadKind, Version

# A stored verdict judged again under the rules in force: measured facts are kept, so moving a rule (the
# body-page limit, say) re-judges every stored upload without opening a PDF (``cfp.rejudge``).
Rejudge = Callable[[Verdict], Verdict]


@dataclass(frozen=True)
class AuditEntry:
    """One change an organizer made."""

    at: datetime
    by: str
    action: str
    detail: str


@dataclass(frozen=True)
class Snapshot:
    """Everything the deadline keeper reads at once: every submission with its versions (oldest first), every
    once-only marker by submission id ('' for the whole call), every event still in the outbox."""

    records: list[tuple[Submission, list[Version]]]
    markers: dict[str, set[str]]
    outbox: list[tuple[datetime, NotificationEvent]]
    audit: dict[str, list[AuditEntry]] = field(default_factory=dict)
    # Each submission's reviewing items (reviews, conflicts, comments) as stored, for ``cfp.review_store``.
    reviewing: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Each submission's final uploads (final abstracts and posters), in slot order.
    finals: dict[str, list[Version]] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredObject:
    """One object version the bucket holds under the uploads prefix, as a listing reports it."""

    key: str
    version_id: str | None
    last_modified: datetime
    size: int
    etag: str


@dataclass(frozen=True)
class PresignedPost:
    """Where to POST the file and the form fields (policy and signature) to send with it."""

    url: str
    fields: dict[str, str]


@dataclass(frozen=True)
class ArchiveJob:
    """One request for a zip of the PDFs: who asked and when, and how far its build has come.

    ``attempt`` counts the builds that claimed the job; only the build holding the latest claim may record
    progress or finish it, so a redelivered message cannot corrupt what another build reports. ``ends_at``
    is when the latest claim's invocation is cut off: no build of the job runs past it.
    """

    id: str
    include_late: bool
    requested_by: str
    requested_at: datetime
    state: str = "queued"  # queued, building, done or failed
    attempt: int = 0
    done: int = 0
    total: int | None = None
    size: int | None = None
    finished_at: datetime | None = None
    message: str = ""
    ends_at: datetime | None = None
    # What the zip holds: the first versions, the final abstracts or the posters (``cfp.archive``).
    contents: str = "first"


@dataclass(frozen=True)
class DeadLetter:
    """One message waiting in a dead-letter queue, as SQS reports it."""

    message_id: str
    sent_at: datetime | None
    receive_count: int
    body: str


class SubmissionRepository(Protocol):
    """Submissions, their versions, the objects uploaded to them and the events their changes cause;
    every write that must not race is conditional, and the errors are ``cfp.errors``'."""

    def create(
        self, submission: Submission, outbox: NotificationEvent, request: RequestRecord | None = None
    ) -> None: ...

    def find_request(self, key_hash: str) -> RequestRecord | None: ...

    def clear_outbox(self, submission_id: str, event_id: str) -> None: ...

    def get(self, submission_id: str) -> tuple[Submission, list[Version]]: ...

    def all(self) -> list[tuple[Submission, list[Version]]]: ...

    def snapshot(self) -> Snapshot: ...

    def update_metadata(self, submission_id: str, changes: dict[str, Any], now: datetime) -> Submission: ...

    def withdraw(self, submission_id: str, now: datetime, outbox: NotificationEvent) -> None: ...

    def issue_version(
        self,
        submission_id: str,
        key_for: Callable[[int], str],
        issued_at: datetime,
        expires_at: datetime,
        most: int = 0,
    ) -> Version: ...

    def record_upload(self, submission_id: str, upload: Version) -> None: ...

    def record_verdict(self, submission_id: str, upload: Version) -> bool: ...

    def replace_stale_verdict(
        self, submission_id: str, upload: Version, outbox: NotificationEvent | None = None
    ) -> bool: ...

    def mark_attention(self, submission_id: str, upload: Version, reason: str) -> None: ...

    def record_bounce(self, submission_id: str, address: str) -> None: ...

    def grant_extension(
        self, submission_id: str, until: datetime, granted_by: str, now: datetime
    ) -> None: ...


class Bookkeeping(Protocol):
    """What the call counts per time window, what it does once only, and who changed what."""

    def count_once_more(self, counter: str, window_start: datetime, window_end: datetime, most: int) -> None:
        """Add one to the window's counter; raise LimitReached instead when it already stands at ``most``."""
        ...

    def mark_once(self, marker: str, now: datetime, submission_id: str | None = None) -> bool:
        """Record that something was done, on a submission or the call; False when it already was."""
        ...

    def markers(self, submission_id: str) -> set[str]: ...

    def audit(
        self, by: str, action: str, detail: str, now: datetime, submission_id: str | None = None
    ) -> None: ...

    def history(self, submission_id: str | None = None) -> list[AuditEntry]:
        """A submission's (or, without one, the call's) recorded changes, oldest first."""
        ...


class FinalRepository(Protocol):
    """The final phase's records (``cfp.final_store``)."""

    def finals(self, submission_id: str) -> list[Version]: ...

    def issue_final(
        self,
        submission_id: str,
        kind: UploadKind,
        key_for: Callable[[int], str],
        issued_at: datetime,
        expires_at: datetime,
        most: int = 0,
    ) -> Version: ...

    def save_details(
        self, submission_id: str, presenter: str, publish_abstract: bool, publish_poster: bool, now: datetime
    ) -> Submission: ...

    def extend_final(self, submission_id: str, until: datetime, now: datetime) -> Submission: ...


class UploadStorage(Protocol):
    """The uploads bucket, through the few calls the service makes."""

    def presign_post(
        self, key: str, max_bytes: int, now: datetime, expires_at: datetime
    ) -> PresignedPost: ...

    def read(self, key: str, version_id: str | None, max_bytes: int) -> bytes: ...

    def list_uploads(self, prefix: str) -> list[StoredObject]: ...

    def download_link(self, key: str, version_id: str | None, lifetime_seconds: int) -> str: ...

    def stream(self, key: str, version_id: str | None) -> Iterator[bytes]:
        """The object's bytes in chunks, never all of it in memory at once."""
        ...


class ArchiveWriter(Protocol):
    """A zip being written to the bucket: bytes go out in parts as they come."""

    def write(self, data: bytes) -> int: ...

    def complete(self) -> int:
        """Make the object whole in the bucket; returns its size."""
        ...

    def abort(self) -> None: ...


class ArchiveStorage(Protocol):
    """Where zips of the PDFs are written, apart from the authors' uploads."""

    def open_archive(self, key: str, filename: str) -> ArchiveWriter: ...


class ArchiveJobs(Protocol):
    """The archive jobs' records; every change after the first is conditional on the build's claim."""

    def save_job(self, job: ArchiveJob) -> None: ...

    def job(self, job_id: str) -> ArchiveJob | None: ...

    def claim_job(self, job_id: str, now: datetime, ends_at: datetime) -> int | None:
        """Start a build that will be cut off at ``ends_at``: the new attempt number, or None when the job
        is done already (a failed one may be built again, when its message is moved back)."""
        ...

    def job_progress(self, job_id: str, attempt: int, done: int, total: int, message: str = "") -> bool:
        """Record progress; False when another build has claimed the job since."""
        ...

    def finish_job(self, job_id: str, attempt: int, size: int, now: datetime) -> bool: ...

    def fail_job(self, job_id: str, attempt: int, message: str, now: datetime) -> bool: ...


class JobQueue(Protocol):
    """A queue that takes one plain message body (an archive job to build, a sign-in request)."""

    def send(self, body: str) -> None: ...


class MailboxCounter(Protocol):
    """Submissions admitted to a mailbox per hour, and each one's mails per hour (``cfp.mailbox``)."""

    def admit(self, mailbox: str, submission: str, hour: datetime, end: datetime, most: int) -> bool:
        """Whether mail about ``submission`` may go to ``mailbox``: True once it was admitted (in any hour);
        otherwise it is admitted now if fewer than ``most`` others were in the hour from ``hour`` to ``end``
        (once however often it is asked), and False (nothing counted) if not."""
        ...

    def count_mail(
        self, mailbox: str, submission: str, event_id: str, hour: datetime, end: datetime, most: int
    ) -> bool:
        """Count the mail about ``event_id`` to ``mailbox`` about ``submission`` in the hour, once however
        often it is asked; False (and nothing counted) when that pair already had ``most`` others."""
        ...


class SuppressionList(Protocol):
    """Addresses no author mail may go to: they bounced for good or complained (``cfp.mail_feedback``)."""

    def suppress(self, address: str, reason: str, at: datetime) -> None: ...

    def suppressed(self, addresses: set[str]) -> set[str]:
        """Those of ``addresses`` (normalised) that are suppressed."""
        ...


class EventPublisher(Protocol):
    """The notification queue: facts the notifier turns into mails."""

    def publish(self, event: NotificationEvent) -> None: ...


class CheckRequeue(Protocol):
    """The validation queue, for an upload whose S3 event never arrived."""

    def send(self, body: str) -> None: ...


class DeadLetterReader(Protocol):
    """A dead-letter queue, read without taking anything out of it (and emptied back only on request)."""

    def bodies(self, limit: int = 1000) -> list[str]: ...

    def count(self) -> int: ...

    def peek(self, limit: int) -> list[DeadLetter]:
        """Up to ``limit`` waiting messages, left in the queue and visible again at once."""
        ...

    def redrive(self, target_url: str) -> int: ...


class TokenSealer(Protocol):
    """Seals the receipt's token for the queue and opens it for the mail (``cfp.sealing``)."""

    def seal(self, token: str, submission_id: str) -> str: ...

    def open(self, sealed: str, submission_id: str) -> str: ...


class SignInRecords(Protocol):
    """One-time sign-in links by their secret's hash; organizer sessions kept on the server by their id's
    hash, so one ends wherever its cookie went; and when each organizer's mailbox last got a sign-in link,
    so requests for it are coalesced."""

    def save_link(self, secret_hash: str, email: str, expires_at: datetime) -> None: ...

    def redeem_link(self, secret_hash: str, now: datetime) -> str | None:
        """The address the link went to, once; None for an unknown, used or expired link."""
        ...

    def open_session(self, session_hash: str, email: str, expires_at: datetime) -> None: ...

    def session_is_open(self, session_hash: str, now: datetime) -> bool: ...

    def close_session(self, session_hash: str) -> None: ...

    def claim_link_mail(self, mailbox: str, now: datetime, mailed_before: datetime, until: datetime) -> bool:
        """Record a link mailed now, unless one was mailed after ``mailed_before`` and not used since;
        False then. The record lasts ``until`` the link expires."""
        ...

    def release_link_mail(self, mailbox: str) -> None:
        """Forget the last link mailed (it was used, or its mail failed), so the next request mails one."""
        ...
