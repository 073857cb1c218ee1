"""Status derivation and reminder rules: pure functions of a submission's versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cfp.formatcheck.models import Facts, Verdict
from cfp.keeper import reminder_due, thresholds_passed
from cfp.model import Author, Status, Submission, Version, current_version, status_of

T0 = datetime(2017, 8, 20, tzinfo=UTC)
DEADLINE = datetime(2017, 9, 1, 11, 59, 59, tzinfo=UTC)


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


def version(number: int, minutes: int | None, outcome: str | None = None, late: bool = False) -> Version:
    verdict = Verdict(outcome=outcome, pages=1, body_pages=1, problems=[], facts=Facts()) if outcome else None
    return Version(
        number=number,
        key=f"uploads/abcdefghjk/v{number}.pdf",
        issued_at=T0,
        expires_at=T0 + timedelta(minutes=15),
        uploaded_at=T0 + timedelta(minutes=minutes) if minutes is not None else None,
        etag=f"e{number}",
        late=late,
        verdict=verdict,
    )


def test_status_follows_the_newest_on_time_upload() -> None:
    assert status_of(submission(), []) is Status.AWAITING_UPLOAD
    assert status_of(submission(), [version(1, None)]) is Status.AWAITING_UPLOAD
    assert status_of(submission(), [version(1, 1)]) is Status.VALIDATING
    versions = [version(1, 5, "fail"), version(2, 1, "pass")]
    assert current_version(versions) == versions[0]
    assert status_of(submission(), versions) is Status.FAIL
    assert status_of(submission(), [version(1, 1, "pass"), version(2, 9, "fail", late=True)]) is Status.PASS
    assert status_of(submission(), [version(1, 9, "pass", late=True)]) is Status.LATE
    assert status_of(submission(withdrawn_at=T0), [version(1, 1, "pass")]) is Status.WITHDRAWN


def test_thresholds() -> None:
    assert thresholds_passed(DEADLINE - timedelta(hours=100), DEADLINE, (72, 24, 3)) == []
    assert thresholds_passed(DEADLINE - timedelta(hours=72), DEADLINE, (72, 24, 3)) == [72]
    assert thresholds_passed(DEADLINE - timedelta(hours=1), DEADLINE, (72, 24, 3)) == [3, 24, 72]
    assert thresholds_passed(DEADLINE + timedelta(seconds=1), DEADLINE, (72, 24, 3)) == []


def test_reminders_skip_passing_and_withdrawn_submissions() -> None:
    now = DEADLINE - timedelta(hours=2)
    assert reminder_due(now, DEADLINE, (72, 24, 3), submission(), [], set()) == (3, [3, 24, 72])
    assert reminder_due(now, DEADLINE, (72, 24, 3), submission(), [], {3, 24, 72}) == (None, [])
    assert reminder_due(now, DEADLINE, (72, 24, 3), submission(), [version(1, 1, "fail")], set())[0] == 3
    assert reminder_due(now, DEADLINE, (72, 24, 3), submission(), [version(1, 1, "pass")], set()) == (
        None,
        [],
    )
    assert reminder_due(now, DEADLINE, (72, 24, 3), submission(withdrawn_at=T0), [], set()) == (None, [])
    extended = submission(extension_until=DEADLINE + timedelta(days=5))
    assert reminder_due(now, DEADLINE, (72, 24, 3), extended, [], set()) == (None, [])
