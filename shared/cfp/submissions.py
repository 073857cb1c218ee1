"""What the submissions API does, independent of HTTP: the authors' use cases. Their requests, answers and
errors are ``cfp.submission_views``'; the deadline rules come from ``cfp.deadline``; the adapters are
passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

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
from cfp.finals import FinalPhase
from cfp.model import (
    Decision,
    Submission,
    Version,
    upload_key,
)
from cfp.observability import logger
from cfp.ports import Bookkeeping, EventPublisher, SubmissionRepository, TokenSealer, UploadStorage
from cfp.program import Boards
from cfp.settings import Settings
from cfp.submission_views import (
    IDEMPOTENCY_LIFETIME,
    CallClosed,
    IdempotencyKeyReused,
    NotAuthorized,
    SubmissionCreate,
    SubmissionCreated,
    SubmissionPatch,
    SubmissionView,
    hash_token,
    new_submission_id,
    new_token,
    request_fingerprint,
    token_matches,
    view_of,
)
from cfp.upload_views import UploadIssued, UploadTicket


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
    boards: Boards
    final_phase: FinalPhase

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
        from cfp.program import parse_sessions, public_listing

        view.public_listing = public_listing(
            submission, markers, self.boards.boards(), parse_sessions(self.settings.poster_sessions)
        )
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
