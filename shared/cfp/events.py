"""Messages on the notification queue: facts that happened, each named by a stable id.

The id names the fact, not the message, so the notifier can send each mail once even when SQS delivers
the message twice or the producer retries after a partial failure.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class EventKind(StrEnum):
    SUBMITTED = "submitted"
    VERDICT = "verdict"
    LATE_UPLOAD = "late_upload"
    WITHDRAWN = "withdrawn"
    REMINDER = "reminder"
    ON_RECORD = "on_record"
    CALL_CLOSED = "call_closed"
    ATTENTION = "attention"
    DECISION = "decision"
    MAIL_FEEDBACK = "mail_feedback"
    REVIEWED = "reviewed"
    FINAL_VERDICT = "final_verdict"
    FINAL_REMINDER = "final_reminder"
    FINALS_CLOSED = "finals_closed"


class NotificationEvent(BaseModel):
    kind: EventKind
    event_id: str = Field(min_length=1)
    occurred_at: datetime
    submission_id: str | None = None
    version: int | None = None
    object_id: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


def submitted(submission_id: str, at: datetime, sealed_token: str) -> NotificationEvent:
    """Carries the token, sealed (``cfp.sealing``), so the receipt can hold the manage link: it is the
    authors' only copy besides the API's answer, and the store keeps only a hash."""
    return NotificationEvent(
        kind=EventKind.SUBMITTED,
        event_id=f"submitted:{submission_id}",
        occurred_at=at,
        submission_id=submission_id,
        detail={"sealed_token": sealed_token},
    )


def withdrawn(submission_id: str, at: datetime) -> NotificationEvent:
    return NotificationEvent(
        kind=EventKind.WITHDRAWN,
        event_id=f"withdrawn:{submission_id}",
        occurred_at=at,
        submission_id=submission_id,
    )


def verdict(
    submission_id: str, version: int, object_id: str, at: datetime, late: bool, measured_again: int = 0
) -> NotificationEvent:
    """The verdict on one upload; ``measured_again`` names the measurer whose new verdict changed the
    outcome of one an older measurer made, so its mail is a new one rather than the first one's replay."""
    kind = EventKind.LATE_UPLOAD if late else EventKind.VERDICT
    again = f":measured{measured_again}" if measured_again else ""
    return NotificationEvent(
        kind=kind,
        event_id=f"{kind}:{submission_id}:v{version}:{object_id}{again}",
        occurred_at=at,
        submission_id=submission_id,
        version=version,
        object_id=object_id,
    )


def final_verdict(
    submission_id: str,
    kind: str,
    version: int,
    object_id: str,
    at: datetime,
    late: bool,
    outcome: str,
    codes: list[str],
) -> NotificationEvent:
    """The check of a final abstract or a poster; the detail carries what the digest says of it."""
    return NotificationEvent(
        kind=EventKind.FINAL_VERDICT,
        event_id=f"final_verdict:{submission_id}:{kind}{version}:{object_id}",
        occurred_at=at,
        submission_id=submission_id,
        version=version,
        object_id=object_id,
        detail={"kind": kind, "late": late, "outcome": outcome, "codes": codes},
    )


def final_reminder(
    submission_id: str, at: datetime, missing: str, send_id: str = "", by: str = "", hours: int = 0
) -> NotificationEvent:
    """A reminder of what the final phase still misses: before the final deadline (``hours``), or asked
    for by an organizer (``by``) in the send ``send_id``, which names it so it is mailed once."""
    name = f"{hours}h" if hours else f"{send_id}:{missing}"
    return NotificationEvent(
        kind=EventKind.FINAL_REMINDER,
        event_id=f"final_reminder:{submission_id}:{name}",
        occurred_at=at,
        submission_id=submission_id,
        detail={"missing": missing, "hours": hours, "sent_by": by},
    )


def finals_closed(deadline: datetime, at: datetime) -> NotificationEvent:
    """The final deadline has passed and every final upload made in time is checked: the organizers'
    final-phase digest."""
    return NotificationEvent(
        kind=EventKind.FINALS_CLOSED,
        event_id=f"finals_closed:{deadline.isoformat()}",
        occurred_at=at,
        detail={"deadline": deadline.isoformat()},
    )


def attention(
    submission_id: str, version: int, object_id: str, reason: str, at: datetime
) -> NotificationEvent:
    return NotificationEvent(
        kind=EventKind.ATTENTION,
        event_id=f"attention:{submission_id}:v{version}:{object_id}",
        occurred_at=at,
        submission_id=submission_id,
        version=version,
        object_id=object_id,
        detail={"reason": reason},
    )


def reminder(submission_id: str, hours: int, at: datetime) -> NotificationEvent:
    return NotificationEvent(
        kind=EventKind.REMINDER,
        event_id=f"reminder:{submission_id}:{hours}h",
        occurred_at=at,
        submission_id=submission_id,
        detail={"hours": hours},
    )


def on_record(submission_id: str, at: datetime, correction: str | None = None) -> NotificationEvent:
    """The closing confirmation; ``correction`` names what is on record now when an earlier confirmation
    said something else."""
    return NotificationEvent(
        kind=EventKind.ON_RECORD,
        event_id=f"on_record:{submission_id}" + (f":{correction}" if correction else ""),
        occurred_at=at,
        submission_id=submission_id,
        detail={"corrected": True} if correction else {},
    )


def call_closed(deadline: datetime, at: datetime) -> NotificationEvent:
    return NotificationEvent(
        kind=EventKind.CALL_CLOSED,
        event_id=f"call_closed:{deadline.isoformat()}",
        occurred_at=at,
        detail={"deadline": deadline.isoformat()},
    )


def decision(
    submission_id: str,
    outcome: str,
    note: str,
    at: datetime,
    version: int = 0,
    corrected: bool = False,
    comments: list[str] | None = None,
) -> NotificationEvent:
    """A released decision; the id names the submission and the decision's version, so releasing it again
    sends nothing new, while a decision changed after its release is a new fact with a mail of its own
    (``corrected``: it replaces one the authors were sent). Version 0 is a decision recorded before
    versions were counted, named by its outcome as it was then. ``comments`` are the reviews' comments for
    the authors, when the release carries them."""
    return NotificationEvent(
        kind=EventKind.DECISION,
        event_id=f"decision:{submission_id}:" + (f"v{version}" if version else outcome),
        occurred_at=at,
        submission_id=submission_id,
        detail={
            "decision": outcome,
            "note": note,
            **({"corrected": True} if corrected else {}),
            **({"comments": comments} if comments else {}),
        },
    )


def reviewed(submission_id: str, at: datetime, review_key: str) -> NotificationEvent:
    """A first review of a submission by one organizer, for the digest's count: it names neither the
    organizer nor the scores (``review_key`` only tells one organizer's review from another's)."""
    return NotificationEvent(
        kind=EventKind.REVIEWED,
        event_id=f"reviewed:{submission_id}:{review_key}:{at.isoformat()}",
        occurred_at=at,
        submission_id=submission_id,
    )


def resent(
    what: str,
    submission_id: str,
    at: datetime,
    by: str,
    version: int | None = None,
    object_id: str | None = None,
) -> NotificationEvent:
    """An organizer's request to mail the authors their receipt (without the token) or verdict again:
    a new fact each time, so its id carries the instant; ``resent_by`` keeps it out of the digest."""
    kind = EventKind.VERDICT if what == "verdict" else EventKind.SUBMITTED
    return NotificationEvent(
        kind=kind,
        event_id=f"resent:{what}:{submission_id}:{at.isoformat()}",
        occurred_at=at,
        submission_id=submission_id,
        version=version,
        object_id=object_id,
        detail={"resent_by": by},
    )


def mail_feedback(submission_id: str, line: str, feedback_id: str, at: datetime) -> NotificationEvent:
    """A bounce or complaint SES reported for an address the submission's mail goes to (``line`` says
    which and what follows); for the digest only, no author mail."""
    address = line.partition(":")[0]
    return NotificationEvent(
        kind=EventKind.MAIL_FEEDBACK,
        event_id=f"mail_feedback:{submission_id}:{feedback_id}:{address}",
        occurred_at=at,
        submission_id=submission_id,
        detail={"line": line},
    )
