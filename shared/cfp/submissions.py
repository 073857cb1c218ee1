"""What the submissions API does, independent of HTTP: the request and response shapes and the use cases.

Authorisation is per submission: a random bearer token is returned once at creation and only its SHA-256
is stored (the token carries 256 random bits, so a plain hash is as strong as a slow one), compared in
constant time. The deadline rules come from ``cfp.deadline``; the adapters are passed in.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cfp import deadline as rules
from cfp import events
from cfp.clock import Clock
from cfp.errors import (
    LimitReached,
    PublishFailed,
    RateLimited,
    RequestRecord,
    RequestSeen,
    SubmissionNotFound,
)
from cfp.events import NotificationEvent
from cfp.finals import FinalPhase, FinalView
from cfp.formatcheck.models import Verdict
from cfp.model import (
    Abstract,
    Author,
    Authors,
    Decision,
    Email,
    Status,
    Submission,
    Title,
    Version,
    Window,
    current_version,
    late_versions,
    status_of,
    upload_key,
)
from cfp.observability import logger
from cfp.ports import Bookkeeping, EventPublisher, SubmissionRepository, TokenSealer, UploadStorage
from cfp.program import Boards, PublicListing
from cfp.settings import Settings
from cfp.upload_views import UploadIssued, UploadTicket, VersionView

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


@dataclass(frozen=True, kw_only=True)
class SubmissionService:
    """The API's use cases, with the store, bucket, queue and clock passed in."""

    settings: Settings
    store: SubmissionRepository
    bookkeeping: Bookkeeping
    bucket: UploadStorage
    queue: EventPublisher
    clock: Clock
    sealer: TokenSealer
    boards: Boards | None = None
    final_phase: FinalPhase | None = None

    def _require_open(self, now: datetime, submission: Submission | None = None) -> None:
        window = self.settings.window
        if not window.is_open(now, submission):
            raise CallClosed(window.deadline_for(submission))

    def create(
        self, request: SubmissionCreate, idempotency_key: str | None = None, client: str | None = None
    ) -> SubmissionCreated:
        """Open a submission. The record and the event that mails its receipt are written together, so
        neither depends on the other's luck; with an ``idempotency_key``, a retry of the same request
        answers with the same submission and token instead of making a second one."""
        now = self.clock.now()
        self._require_open(now)
        key_hash = hash_token(idempotency_key) if idempotency_key else None
        if key_hash is not None:
            seen = self.store.find_request(key_hash)
            if seen is not None and seen.expires_at > now:
                return self._replay(seen, request, now)
        self._count_creation(client, now)
        token = new_token()
        submission = Submission(
            id=new_submission_id(),
            title=request.title,
            authors=request.authors,
            contact_email=request.contact_email,
            abstract=request.abstract,
            token_hash=hash_token(token),
            created_at=now,
            updated_at=now,
        )
        sealed = self.sealer.seal(token, submission.id)
        event = events.submitted(submission.id, now, sealed)
        remembered = (
            RequestRecord(
                key_hash, request_fingerprint(request), submission.id, sealed, now + IDEMPOTENCY_LIFETIME
            )
            if key_hash is not None
            else None
        )
        try:
            self.store.create(submission, event, remembered)
        except RequestSeen as race:
            return self._replay(race.record, request, now)
        version, ticket = self._issue_upload(submission, now)
        self._deliver(event)
        view = view_of(submission, [version], self.settings.window)
        return SubmissionCreated(**view.model_dump(), token=token, upload=ticket)

    def _count_creation(self, client: str | None, now: datetime) -> None:
        """Count this creation against the hourly limit per client. There is none per contact address:
        anyone may type a rival's address, so such a limit would let a stranger lock its owner out; the
        mail an address gets is limited instead (``cfp.mailbox``), and the creator always gets the token."""
        hour = now.replace(minute=0, second=0, microsecond=0)
        end = hour + timedelta(hours=1)
        most = self.settings.max_submissions_per_client_per_hour
        if not most or not client:
            return
        try:
            self.bookkeeping.count_once_more(f"client#{hash_token(client)}", hour, end, most)
        except LimitReached as error:
            raise RateLimited(
                f"one client has opened {most} submissions this hour, the most the call allows; "
                "try again later or write to the organizers",
                retry_after=math.ceil((end - now).total_seconds()),
            ) from error

    def _replay(self, seen: RequestRecord, request: SubmissionCreate, now: datetime) -> SubmissionCreated:
        """The answer to a retried create: the same submission and token, and an upload URL that works."""
        if seen.request_hash != request_fingerprint(request):
            raise IdempotencyKeyReused("this Idempotency-Key was already used for a different request")
        submission, versions = self.store.get(seen.submission_id)
        token = self.sealer.open(seen.sealed_token, submission.id)
        first = next((v for v in versions if v.number == 1), None)
        if first is not None and not first.uploaded and first.expires_at > now:
            presigned = self.bucket.presign_post(
                first.key, self.settings.max_upload_bytes, self.clock.now(), first.expires_at
            )
            ticket = UploadTicket(
                version=first.number,
                url=presigned.url,
                fields=presigned.fields,
                expires_at=first.expires_at,
                max_bytes=self.settings.max_upload_bytes,
            )
        else:
            self._require_open(now, submission)
            version, ticket = self._issue_upload(submission, now)
            versions = [*versions, version]
        view = view_of(submission, versions, self.settings.window)
        return SubmissionCreated(**view.model_dump(), token=token, upload=ticket)

    def _deliver(self, event: NotificationEvent) -> None:
        """Queue an event already written to the outbox; if SQS fails now, the deadline keeper queues it
        later, and the author's answer does not depend on it."""
        assert event.submission_id is not None
        try:
            self.queue.publish(event)
        except PublishFailed:
            logger.warning(
                "event left in the outbox for the deadline keeper", extra={"event_id": event.event_id}
            )
            return
        self.store.clear_outbox(event.submission_id, event.event_id)

    def authorize(self, submission_id: str, token: str | None) -> tuple[Submission, list[Version]]:
        """The submission, if the token opens it; the same error for a wrong id and a wrong token."""
        if not token:
            raise NotAuthorized("send the submission's token as 'Authorization: Bearer <token>'")
        try:
            submission, versions = self.store.get(submission_id)
        except SubmissionNotFound as error:
            raise NotAuthorized("no submission with this id accepts this token") from error
        if not token_matches(token, submission.token_hash):
            raise NotAuthorized("no submission with this id accepts this token")
        return submission, versions

    def read(self, submission_id: str, token: str | None) -> SubmissionView:
        """The submission, and for an accepted one what the public program shows of it (read only then)."""
        submission, versions = self.authorize(submission_id, token)
        return self._after_acceptance(view_of(submission, versions, self.settings.window), submission)

    def _after_acceptance(self, view: SubmissionView, submission: Submission) -> SubmissionView:
        """For an accepted submission: what the public program shows of it and its final phase."""
        if submission.decision is not Decision.ACCEPTED:
            return view
        markers = self.bookkeeping.markers(submission.id)
        if self.boards is not None:
            from cfp.program import parse_sessions, public_listing

            view.public_listing = public_listing(
                submission, markers, self.boards.boards(), parse_sessions(self.settings.poster_sessions)
            )
        if self.final_phase is not None:
            view.final, pdfs = self.final_phase.view_and_pdfs(submission, markers)
            if view.public_listing is not None:
                view.public_listing.pdfs = pdfs
        return view

    def new_upload(self, submission_id: str, token: str | None) -> UploadIssued:
        submission, _ = self.authorize(submission_id, token)
        now = self.clock.now()
        self._require_open(now, submission)
        return UploadIssued(upload=self._issue_upload(submission, now)[1])

    def update(self, submission_id: str, token: str | None, patch: SubmissionPatch) -> SubmissionView:
        """Edit the metadata while the call is open for the submission, and for an accepted poster while
        its final phase is: the program shows its title, authors and affiliations as they are."""
        submission, versions = self.authorize(submission_id, token)
        now = self.clock.now()
        phase = self.final_phase
        if not (phase is not None and phase.open_now(submission)):
            self._require_open(now, submission)
        changes: dict[str, Any] = patch.model_dump(mode="json", include=patch.model_fields_set)
        edited = self.store.update_metadata(submission_id, changes, now)
        return self._after_acceptance(view_of(edited, versions, self.settings.window), edited)

    def withdraw(self, submission_id: str, token: str | None) -> SubmissionView:
        """Withdraw; allowed after the deadline too. Files and verdicts are kept for the organizers."""
        submission, versions = self.authorize(submission_id, token)
        now = self.clock.now()
        event = events.withdrawn(submission_id, now)
        self.store.withdraw(submission_id, now, event)
        self._deliver(event)
        withdrawn = submission.model_copy(update={"withdrawn_at": now, "updated_at": now})
        return view_of(withdrawn, versions, self.settings.window)

    def _issue_upload(self, submission: Submission, now: datetime) -> tuple[Version, UploadTicket]:
        """A new version slot and the presigned POST that fills it."""
        expires_at = self.settings.window.upload_expiry(
            now, timedelta(seconds=self.settings.upload_url_ttl_seconds), submission
        )
        prefix = self.settings.upload_prefix
        most = self.settings.max_uploads_per_submission
        try:
            version = self.store.issue_version(
                submission.id, lambda n: upload_key(prefix, submission.id, n), now, expires_at, most
            )
        except LimitReached as error:
            raise RateLimited(
                f"this submission has been given {most} upload URLs, the most the call allows; "
                "write to the organizers if you need another"
            ) from error
        # The clock is read again just before signing: S3 counts the policy's lifetime from the signing
        # instant, and a gap that crosses a second boundary would let the URL outlive the deadline.
        presigned = self.bucket.presign_post(
            version.key, self.settings.max_upload_bytes, self.clock.now(), expires_at
        )
        ticket = UploadTicket(
            version=version.number,
            url=presigned.url,
            fields=presigned.fields,
            expires_at=expires_at,
            max_bytes=self.settings.max_upload_bytes,
        )
        return version, ticket
