"""What organizers change on submissions from the console and ``cfp admin``: an extension of the
deadline, a receipt or verdict mailed again. Each change names who made it and is audited."""

from __future__ import annotations

from dataclasses import dataclass

from cfp import deadline as rules
from cfp import events
from cfp.clock import Clock
from cfp.console_views import (
    ExtensionRequest,
)
from cfp.errors import (
    SubmissionNotFound,
    UploadNotFound,
)
from cfp.instants import check_extension
from cfp.model import (
    Submission,
    Version,
    current_version,
)
from cfp.ports import (
    Bookkeeping,
    EventPublisher,
    SubmissionRepository,
)
from cfp.settings import Settings


@dataclass(frozen=True, kw_only=True)
class ConsoleChanges:
    """What organizers change on submissions from the console: more time, a mail sent again."""

    settings: Settings
    store: SubmissionRepository
    bookkeeping: Bookkeeping
    queue: EventPublisher
    clock: Clock

    def _all_exist(self, ids: list[str]) -> list[tuple[Submission, list[Version]]]:
        """Every named submission, or SubmissionNotFound naming the unknown ones (and nothing changes)."""
        found, missing = [], []
        for submission_id in dict.fromkeys(ids):
            try:
                found.append(self.store.get(submission_id))
            except SubmissionNotFound:
                missing.append(submission_id)
        if missing:
            raise SubmissionNotFound(", ".join(missing))
        return found

    def extend(self, request: ExtensionRequest, by: str) -> list[str]:
        """Give submissions until ``request.until`` (all or, for an unknown id, none): an instant after the
        call's deadline and within a year of it (``cfp.instants``)."""
        records = self._all_exist(request.ids)
        check_extension(request.until, self.settings.deadline)
        now = self.clock.now()
        for submission, _ in records:
            self.store.grant_extension(submission.id, request.until, by, now)
            self.bookkeeping.audit(
                by, "extended", f"until {rules.describe(request.until)}", now, submission.id
            )
        return [s.id for s, _ in records]

    def resend(self, submission_id: str, what: str, by: str) -> str:
        """Send the authors their receipt (without the token, which only they hold) or the verdict of
        what is on record again; returns the event id."""
        submission, versions = self.store.get(submission_id)
        now = self.clock.now()
        current = current_version(submission, versions, self.settings.window)
        if what == "verdict" and (current is None or current.verdict is None or current.object_id is None):
            raise UploadNotFound(f"submission {submission_id} has no verdict on record")
        event = events.resent(
            what,
            submission_id,
            now,
            by,
            current.number if current and what == "verdict" else None,
            current.object_id if current and what == "verdict" else None,
        )
        self.queue.publish(event)
        self.bookkeeping.audit(by, "resent", what, now, submission_id)
        return event.event_id
