"""The deadline keeper's rules: which reminders and closing steps are due, pure functions of the time."""

from __future__ import annotations

from datetime import timedelta

from cfp.deadline import SETTLE, thresholds_passed
from cfp.keeper import confirmation_due, final_digest_due, reminder_due
from tests.support.records import DEADLINE, T0, WINDOW, submission, upload


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


def test_an_upload_in_the_deadlines_last_second_holds_the_final_digest() -> None:
    settled = DEADLINE + SETTLE + timedelta(seconds=1)
    in_the_last_second = [upload(1, DEADLINE + timedelta(milliseconds=300))]
    assert not final_digest_due(settled, WINDOW, [(submission(), in_the_last_second)])
    just_late = [upload(1, DEADLINE + timedelta(seconds=1))]
    assert final_digest_due(settled, WINDOW, [(submission(), just_late)])
