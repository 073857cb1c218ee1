"""Status derivation and the submission's fields: pure functions of a submission's uploads and the window."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from pydantic import ValidationError

from cfp.model import (
    EMAIL_PATTERN,
    Author,
    Status,
    Window,
    current_version,
    late_versions,
    status_of,
)
from tests.support.records import DEADLINE, T0, WINDOW, submission, upload


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


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Ada@Example.org", "ada@example.org"),
        (" ada+cfp@uni.example ", "ada+cfp@uni.example"),
        ("ada@münchen.de", "ada@xn--mnchen-3ya.de"),
        (f"{'a' * 64}@x.org", f"{'a' * 64}@x.org"),
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
