"""What can go wrong, as the core names it.

The use cases raise and catch these; the adapters translate what AWS answers into them, so no use case
(and no handler) ever sees a boto3 exception or imports an adapter to catch one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class SubmissionNotFound(Exception):
    """No submission with that id."""


class SubmissionWithdrawn(Exception):
    """The submission was withdrawn, so it can no longer be changed."""


class LimitReached(Exception):
    """A count that the service caps has reached its cap."""


@dataclass(frozen=True)
class RequestRecord:
    """A create request made with an ``Idempotency-Key``: what it asked for and what it made."""

    key_hash: str
    request_hash: str
    submission_id: str
    sealed_token: str
    expires_at: datetime


class RequestSeen(Exception):
    """A create request with this idempotency key was made before; ``record`` says what it made."""

    def __init__(self, record: RequestRecord) -> None:
        super().__init__(f"request already made: submission {record.submission_id}")
        self.record = record


class PublishFailed(Exception):
    """The queue did not take the message (after the client's own retries)."""


class SealingFailed(Exception):
    """KMS could not seal or open a token (a passing failure: the caller retries or defers)."""


class RecipientRejected(Exception):
    """SES refused the message for good (for example, a malformed or suppressed address)."""


class SendInProgress(Exception):
    """Another invocation is sending this mail right now: hand the message back, to be looked at again in
    a few seconds (sent by then, or free to send)."""


class SendingBlocked(Exception):
    """SES refuses every mail from this account or sender until an operator fixes it."""


class NotSignedIn(Exception):
    """No organizer session, or one that is forged, tampered with or expired."""


class SignInLinkInvalid(Exception):
    """A sign-in link that is unknown, already used or expired (the three are told apart to no one)."""


class UploadNotFound(Exception):
    """No upload with that version (and object) on the submission."""


class SecretUnavailable(Exception):
    """The session key could not be read from Secrets Manager."""


class QueueUnavailable(Exception):
    """A queue could not be read or written just now."""


class ObjectUnreadable(Exception):
    """An object in the bucket could not be read (gone, or S3 refused or failed)."""


class ArchiveNotFound(Exception):
    """No archive job with that id, or its zip has expired."""


class ArchiveNotReady(Exception):
    """The archive job has not finished (or failed), so there is nothing to download."""


class QueueNotFound(ValueError):
    """No dead-letter queue of that name."""


class SignInUnavailable(Exception):
    """The sign-in records (links, sessions) could not be read or written just now."""


class TableUnavailable(Exception):
    """The table could not be read or written just now; nothing was changed."""


class RateLimited(Exception):
    """A limit on what one address, client or submission may cause was reached; ``retry_after`` seconds
    until it lifts (0 when it does not lift by itself)."""

    def __init__(self, message: str, retry_after: int = 0) -> None:
        super().__init__(message)
        self.retry_after = retry_after
