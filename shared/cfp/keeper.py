"""The deadline keeper: which reminders and closing messages are due at an instant.

It runs on a schedule that may fire late, twice, or not at all for a while, so it never asks "what should
happen now?" but "what is due by now that was not done yet?". Each reminder threshold is marked once per
submission; when several thresholds were missed, only the nearest one is sent and all are marked.

Closing waits for the call to have settled: ``SETTLE`` after a submission's own cutoff (its deadline or
extension, plus grace), so that uploads S3 recorded in the last seconds have been checked, and never while
one of its uploads still awaits a verdict. Each author then gets one confirmation of what is on record, and
the organizers one final digest once the general cutoff has settled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from cfp import events
from cfp.archive import ArchiveDeadLetterSweep
from cfp.clock import Clock
from cfp.deadline import SETTLE, thresholds_passed
from cfp.events import NotificationEvent
from cfp.final_keeper import FinalKeeping
from cfp.model import (
    Submission,
    Version,
    Window,
    current_version,
    needs_reminder,
    status_of,
)
from cfp.observability import logger
from cfp.ports import (
    ArchiveJobs,
    Bookkeeping,
    CheckRequeue,
    DeadLetterReader,
    EventPublisher,
    FinalRepository,
    StoredObject,
    SubmissionRepository,
    UploadStorage,
)
from cfp.reconciling import unrecorded_objects
from cfp.remeasure import measured_by_older
from cfp.settings import Settings
from cfp.validation import DeadLetterSweep, s3_event_body

# The API queues its own events at once; what is still in the outbox after this was not queued.
OUTBOX_PATIENCE = timedelta(minutes=1)


def reminder_due(
    now: datetime,
    window: Window,
    hours: Sequence[int],
    submission: Submission,
    versions: list[Version],
    already_sent: set[int],
) -> tuple[int | None, list[int]]:
    """The threshold to remind for now (or None) and every threshold to mark as done."""
    if submission.withdrawn or not needs_reminder(submission, versions, window):
        return None, []
    effective = window.deadline_for(submission)
    passed = [h for h in thresholds_passed(now, effective, hours) if h not in already_sent]
    if not passed:
        return None, []
    return min(passed), passed


def awaiting_verdict(
    window: Window, submission: Submission, versions: list[Version], unrecorded: bool
) -> bool:
    """True while an upload S3 recorded in time for this submission has no verdict and was not given up on:
    one judged later (``pending``) or one whose event has not reached the validator yet (``unrecorded``)."""
    cutoff = window.closes_for(submission)
    return unrecorded or any(
        v.pending and v.uploaded_at is not None and v.uploaded_at <= cutoff for v in versions
    )


def confirmation_due(
    now: datetime, window: Window, submission: Submission, versions: list[Version], unrecorded: bool = False
) -> bool:
    """True once this submission's own cutoff has settled and none of its on-time uploads awaits a verdict."""
    if submission.withdrawn:
        return False
    settled = now > window.closes_for(submission) + SETTLE
    return settled and not awaiting_verdict(window, submission, versions, unrecorded)


def final_digest_due(
    now: datetime,
    window: Window,
    everything: list[tuple[Submission, list[Version]]],
    unrecorded: Set[str] = frozenset(),
) -> bool:
    """True once the general cutoff has settled and no upload S3 recorded before it awaits a verdict."""
    cutoff = window.cutoff
    if now <= cutoff + SETTLE:
        return False
    return not any(
        submission.id in unrecorded
        or any(v.pending and v.uploaded_at is not None and v.uploaded_at <= cutoff for v in versions)
        for submission, versions in everything
    )


def on_record_fingerprint(window: Window, submission: Submission, versions: list[Version]) -> str:
    """A short name for what is on record (status, version, object, outcome): a confirmation was sent for
    one fingerprint, and a different one later means the author needs a corrected confirmation."""
    current = current_version(submission, versions, window)
    parts = [status_of(submission, versions, window).value]
    if current is not None:
        parts += [
            str(current.number),
            current.object_id or "",
            current.verdict.outcome if current.verdict else "",
        ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True, kw_only=True)
class DeadlineKeeper:
    """Reminders and closing; at closing also the safety nets that make S3 the truth: uploads whose event
    never reached the validator are put back on its queue, and uploads whose messages were dead-lettered are
    flagged, so the call never closes over an upload nobody judged. At every run, too, archive jobs whose
    message was dead-lettered by a killed build are marked failed, so no zip waits forever."""

    settings: Settings
    store: SubmissionRepository
    bookkeeping: Bookkeeping
    finals: FinalRepository
    queue: EventPublisher
    clock: Clock
    bucket: UploadStorage
    validation_queue: CheckRequeue
    dead_letters: DeadLetterReader
    archive_jobs: ArchiveJobs
    archive_dead_letters: DeadLetterReader

    def run(self) -> dict[str, int]:
        """Publish every reminder and closing event that is due; returns counts for the log."""
        now = self.clock.now()
        window = self.settings.window
        counts = {"reminders": 0, "confirmations": 0, "call_closed": 0}
        sweep = DeadLetterSweep(
            settings=self.settings, store=self.store, queue=self.queue, clock=self.clock, finals=self.finals
        )
        flagged = sweep.run(self.dead_letters.bodies())
        snapshot = self.store.snapshot()
        everything, sent = snapshot.records, snapshot.markers
        requeued_events = self._drain_outbox(now, snapshot.outbox)
        # The bucket is listed once a run, for whichever deadline's closing needs it first.
        listing = cache(lambda: self.bucket.list_uploads(self.settings.upload_prefix))
        unrecorded = (
            self._requeue_unrecorded(now, everything, sent, listing)
            if now > window.cutoff + SETTLE
            else set()
        )
        for submission, versions in everything:
            done = sent.get(submission.id, set())
            reminded = {int(m.removeprefix("reminder:")) for m in done if m.startswith("reminder:")}
            threshold, to_mark = reminder_due(
                now, window, self.settings.reminder_hours, submission, versions, reminded
            )
            if threshold is not None:
                self.queue.publish(events.reminder(submission.id, threshold, now))
                for passed in to_mark:
                    self.bookkeeping.mark_once(f"reminder:{passed}", now, submission.id)
                counts["reminders"] += 1
            if confirmation_due(now, window, submission, versions, submission.id in unrecorded):
                counts["confirmations"] += self._confirm(now, submission, versions, done)
        closed_marker = f"call_closed:{window.deadline.isoformat()}"
        if closed_marker not in sent.get("", set()) and final_digest_due(now, window, everything, unrecorded):
            self.queue.publish(events.call_closed(window.deadline, now))
            self.bookkeeping.mark_once(closed_marker, now)
            counts["call_closed"] = 1
        counts.update(
            FinalKeeping(
                settings=self.settings,
                bookkeeping=self.bookkeeping,
                queue=self.queue,
                validation_queue=self.validation_queue,
            ).run(now, snapshot, listing)
        )
        # Last, so that a dead-letter queue that cannot be read fails the run (the schedule retries it)
        # only after every reminder and closing event is queued.
        stopped_archives = ArchiveDeadLetterSweep(self.archive_jobs, self.clock).run(
            self.archive_dead_letters.bodies()
        )
        logger.info(
            "deadline keeper ran",
            extra={
                "at": now.isoformat(),
                "dead_lettered_flagged": flagged,
                "stopped_archives": stopped_archives,
                "unrecorded": len(unrecorded),
                "queued_from_outbox": requeued_events,
                **counts,
            },
        )
        return counts

    def _drain_outbox(self, now: datetime, outbox: list[tuple[datetime, NotificationEvent]]) -> int:
        """Queue the events the API wrote but could not queue itself (SQS failed at that moment)."""
        queued = 0
        for written_at, event in outbox:
            if now - written_at < OUTBOX_PATIENCE or event.submission_id is None:
                continue
            self.queue.publish(event)
            self.store.clear_outbox(event.submission_id, event.event_id)
            queued += 1
        return queued

    def _confirm(self, now: datetime, submission: Submission, versions: list[Version], done: set[str]) -> int:
        """One confirmation of what is on record, and a corrected one whenever that changes afterwards."""
        fingerprint = on_record_fingerprint(self.settings.window, submission, versions)
        confirmed = {m.removeprefix("on_record:") for m in done if m.startswith("on_record:")}
        if fingerprint in confirmed:
            return 0
        self.queue.publish(events.on_record(submission.id, now, fingerprint if confirmed else None))
        self.bookkeeping.mark_once(f"on_record:{fingerprint}", now, submission.id)
        return 1

    def _requeue_unrecorded(
        self,
        now: datetime,
        everything: list[tuple[Submission, list[Version]]],
        sent: dict[str, set[str]],
        listed: Callable[[], list[StoredObject]],
    ) -> set[str]:
        """Ids of submissions with an on-time object in S3 that the store has never seen, each such object
        put back on the validation queue. Listed only while some closing step is still to come; uploads
        whose facts an older measurer produced are queued to be measured again then too, but nothing
        waits for them: their stored verdicts stand, and a changed outcome brings a corrected
        confirmation."""
        window = self.settings.window
        closed_marker = f"call_closed:{window.deadline.isoformat()}"
        still_to_close = closed_marker not in sent.get("", set()) or any(
            not s.withdrawn and not any(m.startswith("on_record:") for m in sent.get(s.id, set()))
            for s, _ in everything
        )
        if not still_to_close:
            return set()
        unrecorded: set[str] = set()
        prefix, listing = self.settings.upload_prefix, listed()
        for _, stored in measured_by_older(everything, listing):
            logger.info(
                "an upload was measured by an older checker; queueing its check", extra={"key": stored.key}
            )
            self.validation_queue.send(s3_event_body(self.settings.bucket_name, stored))
        for submission, stored in unrecorded_objects(prefix, everything, listing):
            if stored.last_modified > window.closes_for(submission):
                continue
            logger.warning(
                "an on-time upload never reached the validator; queueing its check", extra={"key": stored.key}
            )
            self.validation_queue.send(s3_event_body(self.settings.bucket_name, stored))
            unrecorded.add(submission.id)
        return unrecorded
