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


def verdict(submission_id: str, version: int, object_id: str, at: datetime, late: bool) -> NotificationEvent:
    kind = EventKind.LATE_UPLOAD if late else EventKind.VERDICT
    return NotificationEvent(
        kind=kind,
        event_id=f"{kind}:{submission_id}:v{version}:{object_id}",
        occurred_at=at,
        submission_id=submission_id,
        version=version,
        object_id=object_id,
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
