"""What authors send and get back, independent of HTTP and of the use cases: the requests and answers of
the submissions API, the errors it speaks of, and the submission's bearer token.

Authorisation is per submission: a random bearer token is returned once at creation and only its SHA-256
is stored (the token carries 256 random bits, so a plain hash is as strong as a slow one), compared in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cfp import deadline as rules
from cfp.finals import FinalView
from cfp.formatcheck.models import Verdict
from cfp.model import (
    Abstract,
    Author,
    Authors,
    Email,
    Status,
    Submission,
    Title,
    Version,
    Window,
    current_version,
    late_versions,
    status_of,
)
from cfp.program import PublicListing
from cfp.upload_views import UploadTicket, VersionView

_ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class SubmissionCreate(BaseModel):
    """What authors send to open a submission."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    authors: Authors
    contact_email: Email
    abstract: Abstract


def _present_and_not_null(schema: dict[str, Any]) -> None:
    """What ``SubmissionPatch`` checks, stated in its JSON schema: at least one field, none of them null."""
    schema["minProperties"] = 1
    for prop in schema["properties"].values():
        branches = [branch for branch in prop.pop("anyOf", []) if branch.get("type") != "null"]
        if branches:
            prop.update(branches[0])


class SubmissionPatch(BaseModel):
    """An edit of the metadata; only the fields present change."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_present_and_not_null)

    title: Title | None = None
    authors: Authors | None = None
    contact_email: Email | None = None
    abstract: Abstract | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> SubmissionPatch:
        if not self.model_fields_set:
            raise ValueError("give at least one of title, authors, contact_email, abstract")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class SubmissionFacts(BaseModel):
    """What authors and organizers alike see of a submission."""

    id: str
    status: Status
    title: str
    authors: list[Author]
    contact_email: str
    abstract: str
    created_at: datetime
    updated_at: datetime
    withdrawn_at: datetime | None
    deadline: datetime


class SubmissionView(SubmissionFacts):
    current_version: int | None
    verdict: Verdict | None
    versions: list[VersionView]
    public_listing: PublicListing | None = Field(
        default=None,
        description="Once the poster's acceptance was mailed: what the public program shows about it (or "
        "will, at the organizers' next publication). Null otherwise.",
    )
    final: FinalView | None = Field(
        default=None,
        description="Once the poster's acceptance was mailed: the final phase (final abstract, poster, "
        "presenter, consent, what is missing and by when). Null otherwise.",
    )


class SubmissionCreated(SubmissionView):
    token: str = Field(
        description="Bearer token for every later call about this submission; shown only once."
    )
    upload: UploadTicket
    manage_url: str = Field(
        default="",
        description="The authors' page opened on this submission (the token in the fragment): the link the "
        "receipt mail carries, which may be held back when the address has had its hourly share of mail.",
    )


def manage_link(page: str, submission_id: str, token: str) -> str:
    """The authors' page opened on one submission: id and token in the fragment, which browsers never send."""
    return f"{page.rstrip('/')}/#id={submission_id}&token={quote(token)}"


class CallClosed(Exception):
    """The deadline has passed for this submission."""

    def __init__(self, closed_at: datetime) -> None:
        super().__init__(f"the call closed at {rules.describe(closed_at)}")
        self.closed_at = closed_at


class NotAuthorized(Exception):
    """Missing or wrong bearer token."""


class IdempotencyKeyReused(Exception):
    """An ``Idempotency-Key`` already used for a different request."""


# How long an Idempotency-Key is remembered: long enough for any client's retries, as payment APIs do.
IDEMPOTENCY_LIFETIME = timedelta(hours=24)


def request_fingerprint(request: SubmissionCreate) -> str:
    return hashlib.sha256(request.model_dump_json().encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, token_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), token_hash)


def new_submission_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))


def facts_of(submission: Submission, versions: list[Version], window: Window) -> dict[str, Any]:
    """The fields of ``SubmissionFacts`` for ``submission``: where the authors' view and the console's
    detail both start."""
    facts = SubmissionFacts(
        id=submission.id,
        status=status_of(submission, versions, window),
        title=submission.title,
        authors=submission.authors,
        contact_email=submission.contact_email,
        abstract=submission.abstract,
        created_at=submission.created_at,
        updated_at=submission.updated_at,
        withdrawn_at=submission.withdrawn_at,
        deadline=window.deadline_for(submission),
    )
    return dict(facts)


def view_of(submission: Submission, versions: list[Version], window: Window) -> SubmissionView:
    """The submission as the API shows it; ``verdict`` is the current version's (null while pending)."""
    current = current_version(submission, versions, window)
    return SubmissionView(
        **facts_of(submission, versions, window),
        current_version=current.number if current else None,
        verdict=current.verdict
        if current
        else (late[-1].verdict if (late := late_versions(submission, versions, window)) else None),
        versions=[
            VersionView(
                version=v.number,
                kind=v.kind,
                issued_at=v.issued_at,
                uploaded_at=v.uploaded_at,
                size=v.size,
                late=window.is_late(submission, v),
                verdict=v.verdict,
                attention=v.attention,
                after_withdrawal=submission.uploaded_after_withdrawal(v),
            )
            for v in versions
        ],
    )
