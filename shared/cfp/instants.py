"""The range of instants the service takes and reads back.

Python's datetimes end at years 1 and 9999, and the deadline rules add grace, a second, and convert to AoE
and UTC: an extension to 9999-12-31 or from 0001-01-01T00:00:00+14:00 overflows in every reader (the
console, the authors' page, the digest). So an extension is taken only after the call's deadline and
within a year of it, and a value already stored outside a wide safe range is read back as its nearest bound.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cfp.deadline import describe

# How far past the call's deadline an extension may reach.
EXTENSION_REACH = timedelta(days=365)
# Stored instants are read back within these bounds (years 2 to 9997), far from the datetime's own ends.
EARLIEST = datetime(2, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 1, 1, tzinfo=UTC)


class InstantOutOfRange(ValueError):
    """An instant given to the API outside the range it accepts; ``field`` names where it was given."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _in_utc(instant: datetime) -> datetime | None:
    """The instant in UTC, or None when that falls outside the years a datetime can hold."""
    try:
        return instant.astimezone(UTC)
    except OverflowError:
        return None


def check_extension(until: datetime, deadline: datetime, name: str = "the call's deadline") -> datetime:
    """``until`` if it is after ``deadline`` (``name`` says which) and at most ``EXTENSION_REACH`` past it."""
    latest = deadline + EXTENSION_REACH
    utc = _in_utc(until)
    if utc is None or not deadline < utc <= latest:
        raise InstantOutOfRange(
            "until",
            f"must be after {name} ({describe(deadline)}) and no later than "
            f"{describe(latest)}, a year after it",
        )
    return until


def readable(instant: datetime | None) -> datetime | None:
    """A stored instant as the rules can use it: one outside the safe range is read as its nearest bound,
    so no reader overflows on a value written before the range was enforced."""
    if instant is None:
        return None
    utc = _in_utc(instant)
    if utc is None:
        return EARLIEST if instant.year < 5000 else LATEST
    if utc < EARLIEST:
        return EARLIEST
    if utc > LATEST:
        return LATEST
    return instant
