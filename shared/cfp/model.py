"""The submission as the service knows it, and the pure rules that derive its state from its versions.

A submission's status is never stored: it is worked out from its versions every time, so verdicts that
arrive out of order, twice, or after a newer upload can never leave a stale status behind.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from cfp.formatcheck.models import Verdict

_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _single_line(value: str) -> str:
    """Collapse runs of white space; refuse control characters, which would break mail headers."""
    if _CONTROL.search(value.replace("\t", " ")):
        raise ValueError("must be a single line without control characters")
    return " ".join(value.split())


def _email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.match(value):
        raise ValueError("must be an e-mail address such as name@example.org")
    return value.lower()


def _text(value: str) -> str:
    value = value.replace("\r\n", "\n").strip()
    if _CONTROL.search(value.replace("\n", " ").replace("\t", " ")):
        raise ValueError("must not contain control characters")
    return value


Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
Line = Annotated[str, AfterValidator(_single_line)]


class Status(StrEnum):
    """Where a submission stands, as authors and organizers see it."""

    AWAITING_UPLOAD = "awaiting_upload"
    VALIDATING = "validating"
    PASS = "pass"  # noqa: S105 - a status, not a password
    WARN = "warn"
    FAIL = "fail"
    LATE = "late"
    WITHDRAWN = "withdrawn"


class Author(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[Line, Field(min_length=1, max_length=200)]
    email: Email | None = None
    affiliation: Annotated[Line, Field(max_length=300)] = ""


Title = Annotated[Line, Field(min_length=1, max_length=300)]
Abstract = Annotated[str, Field(min_length=1, max_length=5000), AfterValidator(_text)]
Authors = Annotated[list[Author], Field(min_length=1, max_length=50)]


class Version(BaseModel):
    """One upload slot: issued with a presigned POST, filled when S3 records the object."""

    number: int
    key: str
    issued_at: datetime
    expires_at: datetime
    uploaded_at: datetime | None = None
    size: int | None = None
    etag: str | None = None
    late: bool = False
    verdict: Verdict | None = None
    validated_at: datetime | None = None
    attention: str | None = None

    @property
    def uploaded(self) -> bool:
        return self.uploaded_at is not None


class Submission(BaseModel):
    """A poster abstract's record: what the authors told us, and the secret that guards it (as a hash)."""

    id: str
    title: str
    authors: list[Author]
    contact_email: str
    abstract: str
    token_hash: str
    created_at: datetime
    updated_at: datetime
    withdrawn_at: datetime | None = None
    versions_issued: int = 0
    extension_until: datetime | None = None
    extension_granted_by: str | None = None
    bounced: list[str] = Field(default_factory=list)

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


def _upload_order(version: Version) -> tuple[datetime, int]:
    assert version.uploaded_at is not None
    return (version.uploaded_at, version.number)


def current_version(versions: list[Version]) -> Version | None:
    """The version that stands for the submission: the newest on-time upload.

    Newest means recorded last by S3 (then highest number), so the order in which events are processed
    does not matter. A late upload never replaces an on-time one.
    """
    on_time = [v for v in versions if v.uploaded and not v.late]
    return max(on_time, key=_upload_order) if on_time else None


def late_versions(versions: list[Version]) -> list[Version]:
    """Uploads recorded after the deadline: kept and shown to organizers, never counted as the submission."""
    return sorted((v for v in versions if v.uploaded and v.late), key=_upload_order)


def status_of(submission: Submission, versions: list[Version]) -> Status:
    """Derive the status from the record and its versions."""
    if submission.withdrawn:
        return Status.WITHDRAWN
    current = current_version(versions)
    if current is None:
        return Status.LATE if late_versions(versions) else Status.AWAITING_UPLOAD
    if current.verdict is None:
        return Status.VALIDATING
    return Status(current.verdict.outcome)


def needs_reminder(submission: Submission, versions: list[Version]) -> bool:
    """True when the authors have nothing acceptable on record yet: no upload, or the last one failed."""
    return status_of(submission, versions) in {Status.AWAITING_UPLOAD, Status.FAIL, Status.LATE}
