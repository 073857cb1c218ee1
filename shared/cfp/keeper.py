"""The deadline keeper: which reminders and closing messages are due at an instant.

It runs on a schedule that may fire late, twice, or not at all for a while, so it never asks "what should
happen now?" but "what is due by now that was not done yet?". Each reminder threshold is marked once per
submission; when several thresholds were missed, only the nearest one is sent and all are marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cfp import deadline as rules
from cfp import events
from cfp.clock import Clock
from cfp.model import Submission, Version, needs_reminder
from cfp.observability import logger
from cfp.queues import NotificationQueue
from cfp.settings import Settings
from cfp.store import SubmissionStore


def thresholds_passed(now: datetime, deadline: datetime, hours: Sequence[int]) -> list[int]:
    """The reminder thresholds (hours before the deadline) that have been reached while the call is open."""
    if now > deadline:
        return []
    return sorted(h for h in hours if deadline - timedelta(hours=h) <= now)


def reminder_due(
    now: datetime,
    deadline: datetime,
    hours: Sequence[int],
    submission: Submission,
    versions: list[Version],
    already_sent: set[int],
) -> tuple[int | None, list[int]]:
    """The threshold to remind for now (or None) and every threshold to mark as done."""
    if submission.withdrawn or not needs_reminder(submission, versions):
        return None, []
    effective = rules.effective_deadline(deadline, submission.extension_until)
    passed = [h for h in thresholds_passed(now, effective, hours) if h not in already_sent]
    if not passed:
        return None, []
    return min(passed), passed


@dataclass(frozen=True)
class DeadlineKeeper:
    settings: Settings
    store: SubmissionStore
    queue: NotificationQueue
    clock: Clock

    def run(self) -> dict[str, int]:
        """Publish every reminder and closing event that is due; returns counts for the log."""
        now = self.clock.now()
        reminders = 0
        for submission, versions in self.store.all():
            hours = self.settings.reminder_hours
            threshold, _ = reminder_due(now, self.settings.deadline, hours, submission, versions, set())
            if threshold is None:
                continue
            sent = {int(h) for h in self.store.markers(submission.id, "reminder:")}
            threshold, to_mark = reminder_due(now, self.settings.deadline, hours, submission, versions, sent)
            if threshold is None:
                continue
            self.queue.publish(events.reminder(submission.id, threshold, now))
            for passed in to_mark:
                self.store.mark_once(f"reminder:{passed}", now, submission.id)
            reminders += 1
        closed = 0
        deadline = self.settings.deadline
        if now > deadline and not self.store.markers(None, f"call_closed:{deadline.isoformat()}"):
            self.queue.publish(events.call_closed(deadline, now))
            self.store.mark_once(f"call_closed:{deadline.isoformat()}", now)
            closed = 1
        logger.info(
            "deadline keeper ran", extra={"at": now.isoformat(), "reminders": reminders, "closed": closed}
        )
        return {"reminders": reminders, "call_closed": closed}
