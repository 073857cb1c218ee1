"""The final phase's share of the deadline keeper: reminders before the final deadline to the authors
still missing something (naming it), and once the final deadline has settled with every upload made in
time checked, the organizers' final-phase digest.

As with the first deadline, the question is "what is due by now that was not done yet?": each reminder
threshold is marked once per submission (only the nearest of several missed is sent), the digest once per
final deadline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cfp import events
from cfp.deadline import SETTLE, thresholds_passed
from cfp.finals import missing_of
from cfp.model import parse_final_key
from cfp.observability import logger
from cfp.ports import Bookkeeping, CheckRequeue, EventPublisher, Snapshot, StoredObject
from cfp.reconciling import unrecorded_objects
from cfp.release_records import in_program
from cfp.settings import Settings

_REMINDED = "final_reminder:"


@dataclass(frozen=True, kw_only=True)
class FinalKeeping:
    settings: Settings
    bookkeeping: Bookkeeping
    queue: EventPublisher
    validation_queue: CheckRequeue

    def run(
        self, now: datetime, snapshot: Snapshot, listed: Callable[[], list[StoredObject]]
    ) -> dict[str, int]:
        """Reminders and the final-phase digest that are due; ``listed`` gives the uploads bucket's
        listing, read only when the final deadline's closing needs it."""
        counts = {"final_reminders": 0, "finals_closed": 0}
        deadline = self.settings.final_deadline
        if deadline is None:
            return counts
        window = self.settings.final_window
        pending = False
        for submission, _ in snapshot.records:
            done = snapshot.markers.get(submission.id, set())
            if submission.withdrawn or not in_program(submission, done):
                continue
            finals = snapshot.finals.get(submission.id, [])
            cutoff = window.closes_for(submission)
            pending |= any(
                v.pending and v.uploaded_at is not None and v.uploaded_at <= cutoff for v in finals
            )
            if not missing_of(submission, finals, window):
                continue
            reminded = {int(m.removeprefix(_REMINDED)) for m in done if m.startswith(_REMINDED)}
            effective = window.deadline_for(submission)
            passed = [
                h
                for h in thresholds_passed(now, effective, self.settings.reminder_hours)
                if h not in reminded
            ]
            if passed:
                self.queue.publish(events.final_reminder(submission.id, now, "anything", hours=min(passed)))
                for hours in passed:
                    self.bookkeeping.mark_once(f"{_REMINDED}{hours}", now, submission.id)
                counts["final_reminders"] += 1
        marker = f"finals_closed:{deadline.isoformat()}"
        closing = marker not in snapshot.markers.get("", set()) and now > window.cutoff + SETTLE
        if closing and self._requeue_lost(snapshot, listed()):
            pending = True
        if closing and not pending:
            self.queue.publish(events.finals_closed(deadline, now))
            self.bookkeeping.mark_once(marker, now)
            counts["finals_closed"] = 1
        return counts

    def _requeue_lost(self, snapshot: Snapshot, listing: list[StoredObject]) -> int:
        """Put back on the validation queue every on-time final upload S3 holds whose event never reached
        the validator, so the final digest waits for its verdict instead of calling it missing; how many."""
        from cfp.validation import s3_event_body

        prefix, window = self.settings.upload_prefix, self.settings.final_window
        finals_listed = [o for o in listing if parse_final_key(prefix, o.key)]
        lost = 0
        for submission, stored in unrecorded_objects(
            prefix, snapshot.records, finals_listed, snapshot.finals
        ):
            if submission.withdrawn or stored.last_modified > window.closes_for(submission):
                continue
            logger.warning(
                "an on-time final upload never reached the validator; queueing its check",
                extra={"key": stored.key},
            )
            self.validation_queue.send(s3_event_body(self.settings.bucket_name, stored))
            lost += 1
        return lost
