"""What operators and organizers run to keep the call whole, from the console and ``cfp admin``: the
archive of every PDF, reconciling the bucket with the records, the dead-letter queues."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cfp.archive import (
    ARCHIVE_KEEP,
    JOB_RECORD_KEEP,
    ArchiveView,
    archive_key,
    job_message,
    view_of,
)
from cfp.clock import Clock
from cfp.console_views import (
    DEAD_LETTERS_SHOWN,
    ArchiveRequest,
    DeadLetterListing,
    DeadLetterQueue,
    DeadLetterView,
    Reconciliation,
    describe_dead_letter,
)
from cfp.errors import (
    ArchiveNotFound,
    ArchiveNotReady,
    PublishFailed,
    QueueNotFound,
    QueueUnavailable,
)
from cfp.ports import (
    ArchiveJob,
    ArchiveJobs,
    Bookkeeping,
    CheckRequeue,
    JobQueue,
    SubmissionRepository,
    UploadStorage,
)
from cfp.reconciling import unrecorded_objects
from cfp.remeasure import measured_by_older
from cfp.settings import Settings
from cfp.upload_views import PDF_LINK_SECONDS, PdfLink


@dataclass(frozen=True, kw_only=True)
class Operations:
    """What keeps the call running: the zip of every PDF, the bucket reconciled with the records, the
    dead-letter queues read and moved back. Every queue is required: an operation never silently does
    nothing for want of one."""

    settings: Settings
    store: SubmissionRepository
    bookkeeping: Bookkeeping
    bucket: UploadStorage
    clock: Clock
    validation_queue: CheckRequeue
    dead_letter_queues: tuple[DeadLetterQueue, ...]
    archive_jobs: ArchiveJobs
    archive_queue: JobQueue

    def start_archive(self, request: ArchiveRequest, by: str) -> ArchiveView:
        """Record a job and queue it for the archiver; the console follows it with ``archive``."""
        now = self.clock.now()
        job = ArchiveJob(secrets.token_hex(8), request.include_late, by, now, contents=request.contents)
        self.archive_jobs.save_job(job)
        kind = {"first": "PDFs", "finals": "final abstracts", "posters": "posters"}[request.contents]
        what = f"on-time and late {kind}" if request.include_late else f"on-time {kind}"
        self.bookkeeping.audit(by, "archive requested", f"{job.id}: {what}", now)
        try:
            self.archive_queue.send(job_message(job.id))
        except (PublishFailed, QueueUnavailable):
            self.archive_jobs.fail_job(job.id, 0, "The archive could not be queued; start it again.", now)
            raise
        return view_of(job, now)

    def _job(self, job_id: str) -> ArchiveJob:
        job = self.archive_jobs.job(job_id)
        if job is None or job.requested_at + JOB_RECORD_KEEP < self.clock.now():
            raise ArchiveNotFound(f"no archive {job_id}")
        return job

    def archive(self, job_id: str) -> ArchiveView:
        """How far the job has come (ArchiveNotFound for an unknown or forgotten one)."""
        return view_of(self._job(job_id), self.clock.now())

    def archive_link(self, job_id: str) -> PdfLink:
        """A link to the finished zip, presigned now for a few minutes (ArchiveNotReady before it is
        done, ArchiveNotFound once the zip has expired)."""
        job = self._job(job_id)
        if job.state != "done" or job.finished_at is None:
            raise ArchiveNotReady(f"the archive {job_id} is {job.state}, not ready to download")
        if job.finished_at + ARCHIVE_KEEP < self.clock.now():
            raise ArchiveNotFound(f"the archive {job_id} has expired; start a new one")
        key = archive_key(self.settings.archive_prefix, job_id)
        url = self.bucket.download_link(key, None, PDF_LINK_SECONDS)
        return PdfLink(url=url, expires_at=self.clock.now() + timedelta(seconds=PDF_LINK_SECONDS))

    def reconcile(self, requeue: bool = True) -> Reconciliation:
        """Compare the bucket with the records, first versions and final uploads alike: re-queue the check
        of every object with no record or no verdict or with facts an older checker measured, and name
        every record whose object is gone. Nothing is ever deleted. The validator's module (with the S3
        event's models) loads here, not with the API."""
        from cfp.validation import s3_event_body

        snapshot = self.store.snapshot()
        everything = snapshot.records
        listing = self.bucket.list_uploads(self.settings.upload_prefix)
        unrecorded = unrecorded_objects(self.settings.upload_prefix, everything, listing, snapshot.finals)
        in_bucket = {(o.key, name) for o in listing for name in (o.version_id, o.etag) if name}
        unjudged, missing = [], []
        stored_by_key = {(o.key, o.version_id or o.etag): o for o in listing}
        for submission, versions in everything:
            for v in [*versions, *snapshot.finals.get(submission.id, [])]:
                if not v.uploaded:
                    continue
                names = {(v.key, name) for name in (v.version_id, v.etag) if name}
                if not names & in_bucket:
                    what = f"v{v.number}" if v.kind == "abstract" else f"{v.kind} {v.number}"
                    missing.append(f"{submission.id} {what} ({v.key})")
                elif v.verdict is None and v.attention is None:
                    stored = stored_by_key.get((v.key, v.version_id or v.etag or ""))
                    if stored is not None:
                        unjudged.append(stored)
        stale = [o for _, o in measured_by_older(everything, listing)]
        requeued = 0
        if requeue:
            for stored in [o for _, o in unrecorded] + unjudged + stale:
                self.validation_queue.send(s3_event_body(self.settings.bucket_name, stored))
                requeued += 1
        return Reconciliation(
            unrecorded=[o.key for _, o in unrecorded],
            unjudged=[o.key for o in unjudged],
            missing_files=missing,
            requeued=requeued,
            measured_by_older=[o.key for o in stale],
        )

    def dead_letters(self) -> dict[str, int]:
        """How many messages wait in each dead-letter queue."""
        return {q.name: q.dead_letters.count() for q in self.dead_letter_queues}

    def _dead_letter_queue(self, name: str) -> DeadLetterQueue:
        queue = next((q for q in self.dead_letter_queues if q.name == name), None)
        if queue is None:
            names = ", ".join(q.name for q in self.dead_letter_queues)
            raise QueueNotFound(f"no dead-letter queue {name!r}; there are: {names}")
        return queue

    def dead_letter_messages(self, name: str) -> DeadLetterListing:
        """What waits in one dead-letter queue: how many, and what the oldest are about; nothing moves."""
        queue = self._dead_letter_queue(name)
        count = queue.dead_letters.count()
        peeked = queue.dead_letters.peek(DEAD_LETTERS_SHOWN) if count else []
        earliest = datetime.max.replace(tzinfo=self.clock.now().tzinfo)
        shown = sorted(
            (
                DeadLetterView(
                    message_id=m.message_id,
                    sent_at=m.sent_at,
                    deliveries=m.receive_count,
                    about=describe_dead_letter(m.body, self.settings.upload_prefix),
                )
                for m in peeked
            ),
            key=lambda view: (view.sent_at or earliest, view.message_id),
        )
        return DeadLetterListing(queue=name, count=max(count, len(shown)), shown=shown)

    def redrive(self, name: str, by: str) -> int:
        """Move a dead-letter queue's messages back to their queue; returns how many moved."""
        queue = self._dead_letter_queue(name)
        moved = queue.dead_letters.redrive(queue.source_url)
        self.bookkeeping.audit(by, "redrove", f"{moved} messages from {name}", self.clock.now())
        return moved
