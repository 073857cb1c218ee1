"""Deadline rules to the second, without AWS."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from cfp import deadline as rules

# The rules are tested on one instant of their own, spelled as AoE's last second of a day.
AOE_LAST_SECOND = rules.parse_deadline("2017-08-31T23:59:59-12:00")


@pytest.mark.parametrize(
    "text",
    ["2017-08-31T23:59:59-12:00", "2017-08-31T23:59:59 AoE", "2017-08-31 AoE", "2017-09-01T11:59:59Z"],
)
def test_the_same_instant_in_every_spelling(text: str) -> None:
    assert rules.parse_deadline(text) == AOE_LAST_SECOND


@pytest.mark.parametrize("text", ["2017-08-31T23:59:59", "tomorrow", "2017-08-31T23:59:59+02:00 AoE"])
def test_ambiguous_deadlines_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        rules.parse_deadline(text)


def test_an_offset_with_aoe_is_refused_saying_why() -> None:
    with pytest.raises(ValueError, match="either an offset or AoE"):
        rules.parse_deadline("2017-08-31T23:59:59+02:00 AoE")


def test_open_at_235959_closed_at_000000_aoe() -> None:
    assert rules.is_open(AOE_LAST_SECOND, AOE_LAST_SECOND)
    assert not rules.is_open(AOE_LAST_SECOND + timedelta(seconds=1), AOE_LAST_SECOND)
    assert rules.is_open(AOE_LAST_SECOND + timedelta(milliseconds=999), AOE_LAST_SECOND)
    assert not rules.is_open(AOE_LAST_SECOND + timedelta(seconds=1, microseconds=1), AOE_LAST_SECOND)
    assert rules.is_open(AOE_LAST_SECOND + timedelta(microseconds=999_999), AOE_LAST_SECOND)


def test_an_extension_moves_the_deadline_for_one_submission_only_forward() -> None:
    later = AOE_LAST_SECOND + timedelta(days=2)
    assert rules.is_open(AOE_LAST_SECOND + timedelta(days=1), AOE_LAST_SECOND, later)
    assert rules.effective_deadline(AOE_LAST_SECOND, AOE_LAST_SECOND - timedelta(days=1)) == AOE_LAST_SECOND


def test_an_extension_to_the_deadline_itself_leaves_the_call_deadline_as_written() -> None:
    same_instant_in_utc = datetime(2017, 9, 1, 11, 59, 59, tzinfo=UTC)
    effective = rules.effective_deadline(AOE_LAST_SECOND, same_instant_in_utc)
    assert effective.utcoffset() == timedelta(hours=-12)


def test_upload_expiry_is_capped_by_the_end_of_the_deadlines_last_second() -> None:
    now = AOE_LAST_SECOND - timedelta(minutes=5)
    first_closed_second = datetime(2017, 9, 1, 12, 0, 0, tzinfo=UTC)
    assert rules.upload_expiry(now, timedelta(minutes=15), AOE_LAST_SECOND) == first_closed_second
    grace = timedelta(minutes=10)
    assert rules.upload_expiry(now, timedelta(minutes=30), AOE_LAST_SECOND, grace) == datetime(
        2017, 9, 1, 12, 10, 0, tzinfo=UTC
    )


def test_an_upload_url_issued_in_the_last_second_lives_through_it() -> None:
    issued = datetime(2017, 9, 1, 11, 59, 59, 400_000, tzinfo=UTC)
    expiry = rules.upload_expiry(issued, timedelta(minutes=15), AOE_LAST_SECOND)
    assert expiry == datetime(2017, 9, 1, 12, 0, 0, tzinfo=UTC)
    assert expiry > datetime(2017, 9, 1, 11, 59, 59, 999_999, tzinfo=UTC)


def test_the_cutoff_is_the_last_microsecond_of_the_deadline_plus_grace() -> None:
    assert rules.cutoff(AOE_LAST_SECOND) == datetime(2017, 9, 1, 11, 59, 59, 999_999, tzinfo=UTC)
    assert rules.cutoff(AOE_LAST_SECOND, timedelta(seconds=30)) == datetime(
        2017, 9, 1, 12, 0, 29, 999_999, tzinfo=UTC
    )
    early = AOE_LAST_SECOND - timedelta(days=3)
    assert rules.upload_expiry(early, timedelta(minutes=15), AOE_LAST_SECOND) == early + timedelta(minutes=15)


def test_late_is_judged_at_the_grace_boundary() -> None:
    grace = timedelta(seconds=30)
    assert not rules.is_late(AOE_LAST_SECOND + grace, AOE_LAST_SECOND, grace)
    assert rules.is_late(AOE_LAST_SECOND + grace + timedelta(seconds=1), AOE_LAST_SECOND, grace)
    assert not rules.is_late(AOE_LAST_SECOND, AOE_LAST_SECOND)
    assert not rules.is_late(AOE_LAST_SECOND + timedelta(milliseconds=300), AOE_LAST_SECOND)
    assert rules.is_late(AOE_LAST_SECOND + timedelta(seconds=1), AOE_LAST_SECOND)
    assert not rules.is_late(AOE_LAST_SECOND + timedelta(microseconds=999_999), AOE_LAST_SECOND)


def test_describe_shows_aoe_and_utc() -> None:
    assert rules.describe(AOE_LAST_SECOND) == "2017-08-31 23:59:59 AoE (2017-09-01 11:59:59 UTC)"


def test_describe_writes_utc_whatever_the_machines_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert rules.describe(AOE_LAST_SECOND) == "2017-08-31 23:59:59 AoE (2017-09-01 11:59:59 UTC)"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_time_left() -> None:
    now = datetime(2017, 9, 1, 11, 59, 59, tzinfo=UTC) - timedelta(days=1, hours=2, minutes=3)
    assert rules.time_left(now, AOE_LAST_SECOND) == "1 d 2 h 3 min left"
    assert rules.time_left(AOE_LAST_SECOND + timedelta(seconds=1), AOE_LAST_SECOND) == "the call is closed"
    assert rules.time_left(AOE_LAST_SECOND, AOE_LAST_SECOND) == "the call is closed"
    assert rules.time_left(AOE_LAST_SECOND - timedelta(seconds=1), AOE_LAST_SECOND) == "0 min left"
