"""Submissions and uploads for the pure rules' tests, with the deadline they are judged against."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cfp.formatcheck.models import Facts, Verdict
from cfp.model import Author, Submission, Version, Window
from tests.support.call import DEADLINE_AT

DEADLINE = DEADLINE_AT.astimezone(UTC)
WINDOW = Window(DEADLINE)
T0 = DEADLINE - timedelta(days=2)


def submission(**changes: object) -> Submission:
    base = Submission(
        id="abcdefghjk",
        title="T",
        authors=[Author(name="A")],
        contact_email="a@example.org",
        abstract="x",
        token_hash="0" * 64,
        created_at=T0,
        updated_at=T0,
    )
    return base.model_copy(update=changes)


def upload(
    number: int,
    at: datetime | None,
    outcome: str | None = None,
    object_id: str = "o",
    sequencer: str | None = None,
) -> Version:
    verdict = Verdict(outcome=outcome, pages=1, body_pages=1, problems=[], facts=Facts()) if outcome else None
    return Version(
        number=number,
        key=f"uploads/abcdefghjk/v{number}.pdf",
        issued_at=T0,
        expires_at=T0 + timedelta(minutes=15),
        object_id=object_id if at else None,
        uploaded_at=at,
        sequencer=sequencer,
        verdict=verdict,
    )
