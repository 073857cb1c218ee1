"""Pure deadline rules: when the call is open, how long an upload URL lives, and what counts as late.

The deadline is the last instant at which the call is open: with ``2017-08-31T23:59:59-12:00`` a request at
23:59:59 AoE is accepted and one at 00:00:00 AoE is refused. A deadline given to the second covers that
whole second (clocks and S3 event times carry milliseconds: 23:59:59.300 is still on time). Uploads are
judged by the time S3 recorded them, against the deadline plus an optional grace period. An extension
granted to one submission replaces the deadline for that submission when it is later than the general one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

AOE = timezone(timedelta(hours=-12), "AoE")

_AOE_SUFFIX = re.compile(r"\s*(AoE|anywhere on earth)\s*$", re.IGNORECASE)


def parse_deadline(text: str) -> datetime:
    """Parse an ISO 8601 instant with an offset, or a local time followed by ``AoE`` (UTC-12).

    A bare date with ``AoE`` means the end of that day, which is how calls for papers state it.
    """
    raw = text.strip()
    aoe = _AOE_SUFFIX.search(raw)
    if aoe:
        local = raw[: aoe.start()].strip()
        parsed = datetime.fromisoformat(local)
        if parsed.tzinfo is not None:
            raise ValueError(f"deadline {text!r}: give either an offset or AoE, not both")
        if len(local) == 10:
            parsed = parsed.replace(hour=23, minute=59, second=59)
        return parsed.replace(tzinfo=AOE)
    parsed = datetime.fromisoformat(raw)
    if parsed.tzinfo is None:
        raise ValueError(
            f"deadline {text!r} has no offset: write e.g. 2017-08-31T23:59:59-12:00 or append AoE"
        )
    return parsed


def effective_deadline(deadline: datetime, extension: datetime | None = None) -> datetime:
    """The deadline that applies to one submission: its extension when that is later."""
    if extension is not None and extension > deadline:
        return extension
    return deadline


def _last_instant(instant: datetime) -> datetime:
    """The end of the second an instant names, when it is given to the second."""
    if instant.microsecond:
        return instant
    return instant + timedelta(seconds=1) - timedelta(microseconds=1)


def is_open(now: datetime, deadline: datetime, extension: datetime | None = None) -> bool:
    """True while submissions may be created, edited and given upload URLs."""
    return now <= _last_instant(effective_deadline(deadline, extension))


def cutoff(
    deadline: datetime, grace: timedelta = timedelta(0), extension: datetime | None = None
) -> datetime:
    """The last instant at which S3 may record an on-time upload: the whole last second of the deadline
    (or extension) plus grace. Every comparison of an upload with the deadline goes through this."""
    return _last_instant(effective_deadline(deadline, extension) + grace)


def upload_expiry(
    now: datetime,
    lifetime: timedelta,
    deadline: datetime,
    grace: timedelta = timedelta(0),
    extension: datetime | None = None,
) -> datetime:
    """When a presigned upload issued now stops working: ``lifetime`` from now, but never past the cutoff.

    A POST policy's expiry is written in whole seconds, so the cap is the first whole second after the
    cutoff: an upload started at 23:59:59.900 AoE is still accepted by S3 (and judged on time or late by
    the instant S3 records it).
    """
    last = cutoff(deadline, grace, extension)
    first_closed = last.replace(microsecond=0) + timedelta(seconds=1)
    return min(now + lifetime, first_closed)


def is_late(
    uploaded_at: datetime,
    deadline: datetime,
    grace: timedelta = timedelta(0),
    extension: datetime | None = None,
) -> bool:
    """True when S3 recorded the upload after the deadline and its grace period."""
    return uploaded_at > cutoff(deadline, grace, extension)


def describe(instant: datetime) -> str:
    """The instant as authors read it: in AoE and in UTC."""
    aoe = instant.astimezone(AOE).strftime("%Y-%m-%d %H:%M:%S AoE")
    utc = instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{aoe} ({utc})"


def time_left(now: datetime, deadline: datetime) -> str:
    """A short human phrase for the time until the deadline, for mails and digests."""
    remaining = deadline - now
    if remaining.total_seconds() <= 0:
        return "the call is closed"
    days, rest = divmod(int(remaining.total_seconds()), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days} d"] if days else []
    if hours or days:
        parts.append(f"{hours} h")
    parts.append(f"{minutes} min")
    return " ".join(parts) + " left"


# How long the keeper waits after a cutoff before closing: the last seconds' uploads get checked.
SETTLE = timedelta(minutes=15)


def thresholds_passed(now: datetime, deadline: datetime, hours: Sequence[int]) -> list[int]:
    """The reminder thresholds (hours before the deadline) that have been reached while the call is open."""
    if not is_open(now, deadline):
        return []
    return sorted(h for h in hours if deadline - timedelta(hours=h) <= now)
