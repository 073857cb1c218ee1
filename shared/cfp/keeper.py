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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cfp import deadline as rules
from cfp import events
from cfp.clock import Clock
from cfp.model import Submission, Version, Window, needs_reminder
from cfp.observability import logger
from cfp.queues import NotificationQueue
from cfp.settings import Settings
from cfp.store import SubmissionStore

SETTLE = timedelta(minutes=15)


def thresholds_passed(now: datetime, deadline: datetime, hours: Sequence[int]) -> list[int]:
    """The reminder thresholds (hours before the deadline) that have been reached while the call is open."""
    if not rules.is_open(now, deadline):
        return []
    return sorted(h for h in hours if deadline - timedelta(hours=h) <= now)


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
    effective = rules.effective_deadline(window.deadline, submission.extension_until)
    passed = [h for h in thresholds_passed(now, effective, hours) if h not in already_sent]
    if not passed:
        return None, []
    return min(passed), passed


def confirmation_due(now: datetime, window: Window, submission: Submission, versions: list[Version]) -> bool:
    """True once this submission's own cutoff has settled and none of its uploads awaits a verdict."""
    if submission.withdrawn:
        return False
    return now > window.closes_for(submission) + SETTLE and not any(v.pending for v in versions)


def final_digest_due(
    now: datetime, window: Window, everything: list[tuple[Submission, list[Version]]]
) -> bool:
    """True once the general cutoff has settled and no upload made before it awaits a verdict."""
    cutoff = window.cutoff
    if now <= cutoff + SETTLE:
        return False
    return not any(
        v.pending and v.uploaded_at is not None and v.uploaded_at <= cutoff
        for _, vs in everything
        for v in vs
    )


@dataclass(frozen=True)
class DeadlineKeeper:
    settings: Settings
    store: SubmissionStore
    queue: NotificationQueue
    clock: Clock

    def run(self) -> dict[str, int]:
        """Publish every reminder and closing event that is due; returns counts for the log."""
        now = self.clock.now()
        window = self.settings.window
        everything, sent = self.store.snapshot()
        counts = {"reminders": 0, "confirmations": 0, "call_closed": 0}
        for submission, versions in everything:
            done = sent.get(submission.id, set())
            reminded = {int(m.removeprefix("reminder:")) for m in done if m.startswith("reminder:")}
            threshold, to_mark = reminder_due(
                now, window, self.settings.reminder_hours, submission, versions, reminded
            )
            if threshold is not None:
                self.queue.publish(events.reminder(submission.id, threshold, now))
                for passed in to_mark:
                    self.store.mark_once(f"reminder:{passed}", now, submission.id)
                counts["reminders"] += 1
            if "on_record" not in done and confirmation_due(now, window, submission, versions):
                self.queue.publish(events.on_record(submission.id, now))
                self.store.mark_once("on_record", now, submission.id)
                counts["confirmations"] += 1
        closed_marker = f"call_closed:{window.deadline.isoformat()}"
        if closed_marker not in sent.get("", set()) and final_digest_due(now, window, everything):
            self.queue.publish(events.call_closed(window.deadline, now))
            self.store.mark_once(closed_marker, now)
            counts["call_closed"] = 1
        logger.info("deadline keeper ran", extra={"at": now.isoformat(), **counts})
        return counts
