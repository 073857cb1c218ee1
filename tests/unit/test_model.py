"""Status derivation, reminders and closing: pure functions of a submission's uploads and the window."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from cfp.formatcheck.models import Facts, Verdict
from cfp.keeper import confirmation_due, final_digest_due, reminder_due, thresholds_passed
from cfp.model import (
    EMAIL_PATTERN,
    Author,
    Status,
    Submission,
    Version,
    Window,
    current_version,
    late_versions,
    status_of,
)

# The call settles 15 minutes after its cutoff before it closes (stated here, not imported).
SETTLE = timedelta(minutes=15)

DEADLINE = datetime(2017, 9, 1, 11, 59, 59, tzinfo=UTC)
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
    verdict = Verdict(outcome=outcome, pages=1, body_pages=1, problems=[], facts=Facts()) if outcome else None  # type: ignore[arg-type]
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


def test_status_follows_the_newest_on_time_upload() -> None:
    record = submission()
    assert status_of(record, [], WINDOW) is Status.AWAITING_UPLOAD
    assert status_of(record, [upload(1, None)], WINDOW) is Status.AWAITING_UPLOAD
    assert status_of(record, [upload(1, T0)], WINDOW) is Status.VALIDATING
    newer_first = [upload(1, T0 + timedelta(minutes=5), "fail"), upload(2, T0, "pass")]
    assert current_version(record, newer_first, WINDOW) == newer_first[0]
    assert status_of(record, newer_first, WINDOW) is Status.FAIL
    assert status_of(record.model_copy(update={"withdrawn_at": T0}), newer_first, WINDOW) is Status.WITHDRAWN


def test_a_late_object_never_replaces_an_on_time_one_even_in_the_same_slot() -> None:
    record = submission()
    on_time = upload(1, DEADLINE, "pass", object_id="a")
    late = upload(1, DEADLINE + timedelta(seconds=1), "fail", object_id="b")
    assert current_version(record, [on_time, late], WINDOW) == on_time
    assert late_versions(record, [on_time, late], WINDOW) == [late]
    assert status_of(record, [late], WINDOW) is Status.LATE


def test_lateness_follows_a_moved_deadline_or_an_extension() -> None:
    late = upload(1, DEADLINE + timedelta(days=1), "pass")
    assert status_of(submission(), [late], WINDOW) is Status.LATE
    assert status_of(submission(), [late], Window(DEADLINE + timedelta(days=2))) is Status.PASS
    extended = submission(extension_until=DEADLINE + timedelta(days=2))
    assert status_of(extended, [late], WINDOW) is Status.PASS
    assert status_of(submission(), [late], Window(DEADLINE, grace=timedelta(days=1))) is Status.PASS


def test_same_instant_uploads_are_ordered_by_sequencer() -> None:
    first = upload(1, T0, "fail", object_id="a", sequencer="0055AED6DCD90281E5")
    second = upload(1, T0, "pass", object_id="b", sequencer="0055AED6DCD90281E6")
    assert current_version(submission(), [second, first], WINDOW) == second


def test_uploads_given_up_on_need_attention() -> None:
    stuck = upload(1, T0).model_copy(update={"attention": "could not be checked"})
    assert status_of(submission(), [stuck], WINDOW) is Status.NEEDS_ATTENTION
    assert not stuck.pending


def test_thresholds() -> None:
    assert thresholds_passed(DEADLINE - timedelta(hours=100), DEADLINE, (72, 24, 3)) == []
    assert thresholds_passed(DEADLINE - timedelta(hours=72), DEADLINE, (72, 24, 3)) == [72]
    assert thresholds_passed(DEADLINE - timedelta(hours=1), DEADLINE, (72, 24, 3)) == [3, 24, 72]
    assert thresholds_passed(DEADLINE + timedelta(seconds=1), DEADLINE, (72, 24, 3)) == []


def test_reminders_skip_passing_and_withdrawn_submissions() -> None:
    now = DEADLINE - timedelta(hours=2)
    hours = (72, 24, 3)
    assert reminder_due(now, WINDOW, hours, submission(), [], set()) == (3, [3, 24, 72])
    assert reminder_due(now, WINDOW, hours, submission(), [], {3, 24, 72}) == (None, [])
    assert reminder_due(now, WINDOW, hours, submission(), [upload(1, T0, "fail")], set())[0] == 3
    assert reminder_due(now, WINDOW, hours, submission(), [upload(1, T0, "pass")], set()) == (None, [])
    assert reminder_due(now, WINDOW, hours, submission(withdrawn_at=T0), [], set()) == (None, [])
    extended = submission(extension_until=DEADLINE + timedelta(days=5))
    assert reminder_due(now, WINDOW, hours, extended, [], set()) == (None, [])


def test_closing_waits_for_the_call_to_settle_and_for_pending_checks() -> None:
    record = submission()
    settled = DEADLINE + SETTLE + timedelta(seconds=1)
    assert not confirmation_due(DEADLINE + timedelta(seconds=1), WINDOW, record, [])
    assert confirmation_due(settled, WINDOW, record, [])
    last_second = [upload(1, DEADLINE)]
    assert not confirmation_due(settled, WINDOW, record, last_second)
    assert not final_digest_due(settled, WINDOW, [(record, last_second)])
    assert final_digest_due(settled, WINDOW, [(record, [upload(1, DEADLINE, "pass")])])
    extended = submission(extension_until=DEADLINE + timedelta(days=1))
    assert not confirmation_due(settled, WINDOW, extended, [])
    assert final_digest_due(settled, WINDOW, [(extended, [upload(1, DEADLINE + timedelta(hours=1))])])


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Ada@Example.org", "ada@example.org"),
        (" ada+cfp@uni.example ", "ada+cfp@uni.example"),
        ("ada@münchen.de", "ada@xn--mnchen-3ya.de"),
    ],
)
def test_addresses_are_stored_in_the_form_ses_sends_to(given: str, stored: str) -> None:
    assert Author(name="A", email=given).email == stored
    assert re.match(EMAIL_PATTERN, given.strip())


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("jörg@uni.de", "Internationalized characters before the @-sign"),
        ("a..b@x.org", "two periods in a row"),
        (".a@x.org", "cannot start with a period"),
        ("a@x.-org", "period and a hyphen"),
        ("a@localhost", "should have a period"),
        ("a@mail.test", "special-use or reserved name"),
        (f"{'a' * 65}@x.org", "too long before the @-sign"),
        ('"a b"@x.org', "Quoting"),
    ],
)
def test_undeliverable_addresses_are_refused_with_the_reason(given: str, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Author(name="A", email=given)
    message = refused.value.errors()[0]["msg"]
    assert "e-mail address such as name@example.org" in message and reason in message
    assert not re.match(EMAIL_PATTERN, given)
