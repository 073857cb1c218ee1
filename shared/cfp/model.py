"""The submission as the service knows it, and the pure rules that derive its state from its versions.

A submission's status is never stored: it is worked out from its versions every time, so verdicts that
arrive out of order, twice, or after a newer upload can never leave a stale status behind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from cfp import deadline as rules
from cfp.formatcheck.models import Outcome, Verdict
from cfp.instants import readable
from cfp.request_guard import UNENCODABLE, encodable

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _storable(value: str) -> str:
    """Refuse a lone surrogate (JSON can carry ``\\ud800``): no store, mail or file can encode it."""
    if not encodable(value):
        raise ValueError(UNENCODABLE)
    return value


def _single_line(value: str) -> str:
    """Collapse runs of white space; refuse control characters, which would break mail headers."""
    _storable(value)
    if _CONTROL.search(value.replace("\t", " ")):
        raise ValueError("must be a single line without control characters")
    return " ".join(value.split())


def _email(value: str) -> str:
    """An address SES can deliver to, in the ASCII form it is sent with, lower-cased.

    ``email-validator`` applies RFC 5321's syntax and length limits (``strict``) without DNS look-ups.
    The local part must be ASCII: SES cannot send to internationalised local parts (that needs SMTPUTF8),
    so ``jörg@uni.de`` is refused with a message saying so. An internationalised domain is kept in its
    ASCII (punycode) form, which every mail server accepts. The library (and the dnspython it loads) is
    imported here, on the first address validated, not by every function that imports the models.
    """
    from email_validator import EmailNotValidError, validate_email

    value = _storable(value).strip()
    try:
        address = validate_email(value, check_deliverability=False, allow_smtputf8=False, strict=True)
    except EmailNotValidError as error:
        raise ValueError(f"must be an e-mail address such as name@example.org: {error}") from None
    return (address.ascii_email or address.normalized).lower()


def _text(value: str) -> str:
    """Checked before stripping, since ``str.strip`` would silently drop separators such as \\x1c."""
    value = _storable(value).replace("\r\n", "\n")
    if _CONTROL.search(value.replace("\n", " ").replace("\t", " ")):
        raise ValueError("must not contain control characters")
    return value.strip()


# The API's field limits; the authors' page shows and checks the same numbers (``cfp.call``).
TITLE_MAX = 300
NAME_MAX = 200
AFFILIATION_MAX = 300
EMAIL_MAX = 254
ABSTRACT_MAX = 5000
AUTHORS_MAX = 50

# The rule as the OpenAPI document states it: an ASCII dot-atom local part of at most 64 characters and a
# domain of dot-separated labels (internationalised ones allowed), not one of the special-use top-level
# domains. ``_email`` is the authority; the pattern lets clients check most addresses before sending.
# It is written so a generator (schemathesis's) can draw from it quickly: the local part's limit as "not 65
# characters before the @" rather than "1 to 64, then an @" (the same strings; the positive form cannot be
# drawn at all), and a label's characters as the complement of what they exclude (ASCII other than letters,
# digits and hyphens, controls and no-break space) rather than as the range up to U+FFFF, which takes 200 ms
# to build each time; the two differ only beyond U+FFFF, which IDNA also allows and ``_email`` judges.
_LABEL_START = r"[^\x00-/:-@\[-`{-\xa0]"
_LABEL_MIDDLE = r"[^\x00-,./:-@\[-`{-\xa0]"
_TOP_LEVEL_START = r"[^\x00-@\[-`{-\xa0]"
EMAIL_PATTERN = (
    r"^(?![^@]{65})[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?!(?:[^@]*\.)?(?:arpa|invalid|local|localhost|onion|test)$)"
    rf"(?:{_LABEL_START}(?:{_LABEL_MIDDLE}{{0,61}}{_LABEL_START})?\.)+"
    rf"{_TOP_LEVEL_START}(?:{_LABEL_MIDDLE}{{0,61}}{_LABEL_START})?$"
)
Email = Annotated[
    str,
    Field(
        max_length=EMAIL_MAX,
        json_schema_extra={"format": "idn-email", "pattern": EMAIL_PATTERN},
        description="An e-mail address SES can deliver to: ASCII before the @; an internationalised domain "
        "is accepted and stored in its ASCII (punycode) form.",
    ),
    AfterValidator(_email),
]
# The rules of ``_single_line`` and ``_text`` as the OpenAPI document states them: no control characters,
# except tabs in a line and tabs, line feeds and CR LF pairs in a text.
LINE_PATTERN = r"^[^\x00-\x08\x0a-\x1f\x7f]*$"
TEXT_PATTERN = r"^(?:[^\x00-\x08\x0b-\x1f\x7f]|\r\n)*$"
# What Python's str.strip removes; a required field made only of it is blank.
_BLANK = r"[\t\n\x0b\x0c\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
REQUIRED_LINE_PATTERN = rf"^(?!{_BLANK}*$)[^\x00-\x08\x0a-\x1f\x7f]*$"
REQUIRED_TEXT_PATTERN = rf"^(?!{_BLANK}*$)(?:[^\x00-\x08\x0b-\x1f\x7f]|\r\n)*$"


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be blank")
    return value


Line = Annotated[str, Field(json_schema_extra={"pattern": LINE_PATTERN}), AfterValidator(_single_line)]
RequiredLine = Annotated[
    str,
    Field(json_schema_extra={"pattern": REQUIRED_LINE_PATTERN}),
    AfterValidator(_single_line),
    AfterValidator(_not_blank),
]


class Status(StrEnum):
    """Where a submission stands, as authors and organizers see it."""

    AWAITING_UPLOAD = "awaiting_upload"
    VALIDATING = "validating"
    PASS = "pass"  # noqa: S105 - a status, not a password
    WARN = "warn"
    FAIL = "fail"
    LATE = "late"
    NEEDS_ATTENTION = "needs_attention"
    WITHDRAWN = "withdrawn"


class Decision(StrEnum):
    """What the organizers decided; authors hear of it only when the decisions are released."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Author(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[RequiredLine, Field(min_length=1, max_length=NAME_MAX)]
    email: Email | None = None
    affiliation: Annotated[Line, Field(max_length=AFFILIATION_MAX)] = ""


Title = Annotated[RequiredLine, Field(min_length=1, max_length=TITLE_MAX)]
Abstract = Annotated[
    str,
    Field(min_length=1, max_length=ABSTRACT_MAX, json_schema_extra={"pattern": REQUIRED_TEXT_PATTERN}),
    AfterValidator(_text),
    AfterValidator(_not_blank),
]
Authors = Annotated[list[Author], Field(min_length=1, max_length=AUTHORS_MAX)]


# What an upload is: the abstract submitted to the call, or after acceptance the final abstract or the poster.
UploadKind = Literal["abstract", "final", "poster"]
FINAL_KINDS: tuple[UploadKind, ...] = ("final", "poster")


class Version(BaseModel):
    """One upload: an object S3 stored in a version slot, or a slot issued but not used yet.

    A presigned POST can be used more than once before it expires, so one slot (``number``) may hold
    several objects, told apart by ``object_id`` (S3's version id). One upload URL stands for one upload:
    the first object recorded in a slot is judged; each further one is kept and flagged ``reused_url``,
    never checked, mailed about or counted as the submission (``cfp.validation``).
    """

    number: int
    key: str
    kind: UploadKind = "abstract"
    issued_at: datetime
    expires_at: datetime
    object_id: str | None = None
    version_id: str | None = None
    uploaded_at: datetime | None = None
    sequencer: str | None = None
    size: int | None = None
    etag: str | None = None
    verdict: Verdict | None = None
    validated_at: datetime | None = None
    attention: str | None = None
    reused_url: bool = False
    # The outcome of the verdict an older measurer made, when this one replaced it (``cfp.validation``).
    remeasured_from: Outcome | None = None

    @property
    def uploaded(self) -> bool:
        return self.uploaded_at is not None

    @property
    def counted(self) -> bool:
        """Uploaded with its own upload URL: one that may stand for the submission."""
        return self.uploaded and not self.reused_url

    @property
    def pending(self) -> bool:
        """Uploaded, not judged yet, and not given up on."""
        return self.uploaded and self.verdict is None and self.attention is None


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
    extension_granted_at: datetime | None = None
    bounced: list[str] = Field(default_factory=list)
    decision: Decision | None = None
    decision_note: str = ""
    decided_by: str | None = None
    decided_at: datetime | None = None
    # Counts every change of decision or note: a release mails one version, and a later one is a correction.
    decision_version: int = 0
    # The final phase (``cfp.finals``): its uploads' slots are counted apart from the first versions'.
    finals_issued: int = 0
    presenter: str = ""
    publish_abstract: bool = False
    publish_poster: bool = False
    final_confirmed_at: datetime | None = None
    final_extension_until: datetime | None = None

    @field_validator("extension_until")
    @classmethod
    def _within_range(cls, value: datetime | None) -> datetime | None:
        """An extension stored before its range was enforced must not overflow whoever reads it."""
        return readable(value)

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def uploaded_after_withdrawal(self, version: Version) -> bool:
        """Whether S3 recorded ``version`` after the submission was withdrawn (kept, never judged)."""
        return bool(self.withdrawn_at and version.uploaded_at and version.uploaded_at > self.withdrawn_at)


def upload_key(prefix: str, submission_id: str, number: int) -> str:
    return f"{prefix}{submission_id}/v{number}.pdf"


def parse_upload_key(prefix: str, key: str) -> tuple[str, int] | None:
    """The submission id and version number a key belongs to, or None for a key the service never issued."""
    if not key.startswith(prefix):
        return None
    match = re.fullmatch(r"([a-z0-9]{4,40})/v([1-9][0-9]{0,5})\.pdf", key[len(prefix) :])
    if match is None:
        return None
    return match.group(1), int(match.group(2))


def final_key(prefix: str, submission_id: str, kind: UploadKind, number: int) -> str:
    """Where a final upload goes: beside the first versions, named by what it is."""
    return f"{prefix}{submission_id}/{kind}-v{number}.pdf"


def parse_final_key(prefix: str, key: str) -> tuple[str, int] | None:
    """The submission id and final slot number a final upload's key belongs to, or None."""
    if not key.startswith(prefix):
        return None
    match = re.fullmatch(r"([a-z0-9]{4,40})/(?:final|poster)-v([1-9][0-9]{0,5})\.pdf", key[len(prefix) :])
    if match is None:
        return None
    return match.group(1), int(match.group(2))


def find_upload(versions: list[Version], number: int | None, object_id: str | None) -> Version | None:
    """The upload an event speaks of: its slot and, where given, its object."""
    for version in versions:
        if version.number == number and (object_id is None or version.object_id == object_id):
            return version
    return None


@dataclass(frozen=True)
class Window:
    """The deadline and grace period in force, and the one place they are combined with a submission's
    extension: when the call is open, how long an upload URL lives, what is late. Lateness is worked out
    from these every time, so moving the deadline or granting an extension re-judges what is stored. The
    final phase has a window of its own (``final``), with its own deadline and extensions."""

    deadline: datetime
    grace: timedelta = timedelta(0)
    final: bool = False

    def _extension(self, submission: Submission | None) -> datetime | None:
        if submission is None:
            return None
        return submission.final_extension_until if self.final else submission.extension_until

    def deadline_for(self, submission: Submission | None = None) -> datetime:
        """The deadline that applies to one submission: its extension when that is later."""
        return rules.effective_deadline(self.deadline, self._extension(submission))

    def is_open(self, now: datetime, submission: Submission | None = None) -> bool:
        """Whether submissions may be created (no submission) or this one changed, at ``now``."""
        return rules.is_open(now, self.deadline, self._extension(submission))

    def upload_expiry(self, now: datetime, lifetime: timedelta, submission: Submission) -> datetime:
        """When an upload URL issued now for this submission stops working."""
        return rules.upload_expiry(now, lifetime, self.deadline, self.grace, self._extension(submission))

    @property
    def cutoff(self) -> datetime:
        """The last instant at which an upload counts as on time for a submission without an extension."""
        return rules.cutoff(self.deadline, self.grace)

    def closes_for(self, submission: Submission) -> datetime:
        """The last instant at which an upload by this submission counts as on time."""
        return rules.cutoff(self.deadline, self.grace, self._extension(submission))

    def is_late(self, submission: Submission, version: Version) -> bool:
        if version.uploaded_at is None:
            return False
        return rules.is_late(version.uploaded_at, self.deadline, self.grace, self._extension(submission))


def upload_order(version: Version) -> tuple[datetime, str, int]:
    """Recorded last by S3 is newest; S3's sequencer orders objects written to one key in the same instant."""
    assert version.uploaded_at is not None
    return (version.uploaded_at, (version.sequencer or "").rjust(32, "0"), version.number)


def current_version(submission: Submission, versions: list[Version], window: Window) -> Version | None:
    """The upload that stands for the submission: the newest on-time one, whatever order events came in.

    A late upload never replaces an on-time one, even when it was written to the same slot.
    """
    on_time = [v for v in versions if v.counted and not window.is_late(submission, v)]
    return max(on_time, key=upload_order) if on_time else None


def late_versions(submission: Submission, versions: list[Version], window: Window) -> list[Version]:
    """Uploads recorded after the deadline: kept and shown to organizers, never counted as the submission."""
    late = [v for v in versions if v.counted and window.is_late(submission, v)]
    return sorted(late, key=upload_order)


def status_of(submission: Submission, versions: list[Version], window: Window) -> Status:
    """Derive the status from the record and its versions."""
    if submission.withdrawn:
        return Status.WITHDRAWN
    current = current_version(submission, versions, window)
    if current is None:
        return Status.LATE if late_versions(submission, versions, window) else Status.AWAITING_UPLOAD
    if current.verdict is None:
        return Status.NEEDS_ATTENTION if current.attention else Status.VALIDATING
    return Status(current.verdict.outcome)


def needs_reminder(submission: Submission, versions: list[Version], window: Window) -> bool:
    """True when the authors have nothing acceptable on record yet: no upload, or the last one failed."""
    return status_of(submission, versions, window) in {Status.AWAITING_UPLOAD, Status.FAIL, Status.LATE}
