"""Bounces and complaints SES reports after it accepted a mail: recorded, reported, and obeyed.

SES accepts a mail and only later learns that the receiving server refused it (a bounce) or that its reader
marked it as spam (a complaint); the configuration set's event destination reports each. An address that
bounced for good (``Permanent``) or complained is suppressed: no author mail goes to it again, since AWS
pauses the sending of an account whose bounce or complaint rate climbs. A transient bounce (a full
mailbox, a server that was down) or one SES could not classify is recorded and reported, and suppresses
nothing: the next mail may well arrive.

Each feedback is recorded on every submission whose contact or copied co-author it names, and each such
submission gets a notification event, so the organizers' next digest lists it. Organizer addresses are
never held back by the call: a sign-in link or digest dropped in silence would lock organizers out of
their own call, and the operator chose those addresses. A bounce or complaint from one is logged as an
error and counted (``OrganizerMailFeedback``), which raises an alarm for the operator to fix the address.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from cfp.events import mail_feedback
from cfp.model import Submission
from cfp.observability import logger, metrics
from cfp.ports import EventPublisher, SubmissionRepository, SuppressionList

if TYPE_CHECKING:
    # Only the notifier, which renders mail, holds mail back; the feedback function loads no mail module.
    from cfp.mail.message import Mail


class FeedbackKind(StrEnum):
    HARD_BOUNCE = "hard bounce"
    SOFT_BOUNCE = "soft bounce"
    COMPLAINT = "complaint"


def normalised(address: str) -> str:
    """An address as suppressions are kept: trimmed and lower-cased (providers treat the local part's case
    alike; a ``+tag`` is kept, since another tag of the same mailbox may still be wanted)."""
    return address.strip().lower()


@dataclass(frozen=True)
class Feedback:
    """One recipient's bounce or complaint, as SES reported it; ``feedback_id`` is SES's, so the same
    report delivered twice is recognised."""

    kind: FeedbackKind
    address: str
    at: datetime
    feedback_id: str
    detail: str = ""

    @property
    def suppresses(self) -> bool:
        return self.kind is not FeedbackKind.SOFT_BOUNCE

    def describe(self) -> str:
        """One line for the submission's record, the console and the digest."""
        detail = f" ({self.detail})" if self.detail else ""
        consequence = "no more mail goes to it" if self.suppresses else "later mail is still sent"
        when = self.at.strftime("%Y-%m-%d %H:%M UTC")
        return f"{normalised(self.address)}: {self.kind}{detail} on {when}; {consequence}"


def names(submission: Submission, address: str, copy_all_authors: bool) -> bool:
    """Whether mail about ``submission`` goes to ``address``: its contact, or a co-author copied on it."""
    if normalised(submission.contact_email) == address:
        return True
    return copy_all_authors and any(a.email and normalised(a.email) == address for a in submission.authors)


@dataclass(frozen=True, kw_only=True)
class MailFeedback:
    """Records SES feedback: suppressions, each named submission's bounce, one digest event each."""

    store: SubmissionRepository
    suppressions: SuppressionList
    queue: EventPublisher
    organizers: tuple[str, ...]
    copy_all_authors: bool

    def record(self, reports: Iterable[Feedback]) -> int:
        """Record every report; returns how many submissions they were recorded on."""
        reports = list(reports)
        if not reports:
            return 0
        organizers = {normalised(a) for a in self.organizers}
        everything = [submission for submission, _ in self.store.all()]
        # A report delivered again finds its line recorded (it is recorded only once its digest event is
        # queued) and adds nothing, so a digest names each report once.
        recorded = 0
        for report in reports:
            address = normalised(report.address)
            if report.suppresses:
                self.suppressions.suppress(address, report.describe(), report.at)
            if address in organizers:
                logger.error(
                    "SES reported an organizer's address: fix it in OrganizerEmails",
                    extra={"kind": str(report.kind), "feedback_id": report.feedback_id},
                )
                metrics.add_metric(name="OrganizerMailFeedback", unit="Count", value=1)
            line = report.describe()
            for submission in everything:
                if names(submission, address, self.copy_all_authors) and line not in submission.bounced:
                    self.queue.publish(mail_feedback(submission.id, line, report.feedback_id, report.at))
                    self.store.record_bounce(submission.id, line)
                    recorded += 1
            metrics.add_metric(name="MailFeedback", unit="Count", value=1)
        return recorded


def without_suppressed(mail: Mail, suppressed: set[str]) -> tuple[Mail | None, list[str]]:
    """The mail addressed only to recipients not suppressed (None when none is left), and those held back."""
    held = [a for a in mail.recipients() if normalised(a) in suppressed]
    if not held:
        return mail, []
    return mail.without(set(held)), held


def held_for_suppression(mail: Mail, suppressions: SuppressionList | None) -> tuple[Mail | None, list[str]]:
    """``without_suppressed`` against the suppression list (one look-up for the mail's recipients)."""
    if suppressions is None:
        return mail, []
    found = suppressions.suppressed({normalised(a) for a in mail.recipients()})
    mail_left, held = without_suppressed(mail, found)
    if held:
        metrics.add_metric(name="MailSuppressed", unit="Count", value=len(held))
    return mail_left, held
