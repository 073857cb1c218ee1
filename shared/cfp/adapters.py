"""The adapters of one stack: every port the services need, made from one set of settings, one way to make
AWS clients and one clock, each on first use.

A function makes one ``Adapters`` of its own environment (``wiring.adapters``); ``cfp admin`` makes one of
the stack it works on; the tests make one over moto, or give fakes in place of any adapter by its name
(``Adapters(settings=..., clock=..., store=FakeStore())``). The builders of ``cfp.bootstrap`` take it, so
every service is put together in one place whoever uses it. Each adapter's module is imported when that
adapter is first used, which keeps a function's cold start to what it uses.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from cfp.clock import Clock
from cfp.settings import Settings

if TYPE_CHECKING:
    from cfp.bookkeeping_store import DynamoBookkeeping
    from cfp.console_views import DeadLetterQueue
    from cfp.final_store import FinalStore
    from cfp.job_store import ArchiveJobStore
    from cfp.mail.render import MailRenderer
    from cfp.mail_counts import MailCounts
    from cfp.mailer import Mailer
    from cfp.program_store import BoardTable, ProgramFiles
    from cfp.queues import DeadLetters, JobQueue, NotificationQueue, ValidationQueue
    from cfp.release_store import ReleaseStore
    from cfp.review_store import ReviewStore
    from cfp.sealing import KmsTokenSealer
    from cfp.signin_store import DynamoSignInRecords
    from cfp.store import SubmissionStore
    from cfp.suppression_store import DynamoSuppressions
    from cfp.uploads import UploadBucket

# Makes a boto3 client for a service name: a function's own (``wiring.client``), or an operator tool's.
Clients = Callable[[str], Any]


class NoClients(RuntimeError):
    """An adapter was asked of an ``Adapters`` made without clients and not given it."""


class Adapters:
    """Every adapter of one stack, made on first use from ``settings``, ``clients`` and ``clock``; any of
    them may be given instead, by name (a fake, or one already made)."""

    def __init__(
        self,
        *,
        settings: Settings,
        clock: Clock,
        clients: Clients | None = None,
        **given: object,
    ) -> None:
        unknown = sorted(
            name for name in given if not isinstance(getattr(type(self), name, None), cached_property)
        )
        if unknown:
            raise TypeError(f"Adapters has no adapter named {', '.join(unknown)}")
        self.settings = settings
        self.clock = clock
        self._clients = clients
        # A cached property reads the instance's own value first, so a given adapter stands in for one made.
        self.__dict__.update(given)

    def client(self, service: str) -> Any:
        if self._clients is None:
            raise NoClients(
                f"these adapters were made without AWS clients and were not given one for {service}"
            )
        return self._clients(service)

    def session_key(self) -> bytes:
        """The key that signs organizer sessions, read when a session is first signed or verified."""
        return self.session_secret

    @cached_property
    def session_secret(self) -> bytes:
        """Read from Secrets Manager once for these adapters (once per container for a function's own)."""
        from cfp.secrets import read_secret

        return read_secret(self.client("secretsmanager"), self.settings.session_key_secret_arn)

    # ---- the table -------------------------------------------------------------------------------------

    @cached_property
    def store(self) -> SubmissionStore:
        """The submissions, their verdicts read as the rules in force judge them."""
        from cfp.rejudge import under
        from cfp.store import SubmissionStore

        return SubmissionStore(
            self.client("dynamodb"), self.settings.table_name, under(self.settings.format_spec)
        )

    @cached_property
    def bookkeeping(self) -> DynamoBookkeeping:
        from cfp.bookkeeping_store import DynamoBookkeeping

        return DynamoBookkeeping(self.client("dynamodb"), self.settings.table_name)

    @cached_property
    def finals(self) -> FinalStore:
        from cfp.final_store import FinalStore

        return FinalStore(self.client("dynamodb"), self.settings.table_name, self.store)

    @cached_property
    def reviews(self) -> ReviewStore:
        from cfp.review_store import ReviewStore

        return ReviewStore(self.client("dynamodb"), self.settings.table_name)

    @cached_property
    def decisions(self) -> ReleaseStore:
        from cfp.release_store import ReleaseStore

        return ReleaseStore(self.client("dynamodb"), self.settings.table_name)

    @cached_property
    def archive_jobs(self) -> ArchiveJobStore:
        from cfp.job_store import ArchiveJobStore

        return ArchiveJobStore(self.client("dynamodb"), self.settings.table_name)

    @cached_property
    def boards(self) -> BoardTable:
        from cfp.program_store import BoardTable

        return BoardTable(self.client("dynamodb"), self.settings.table_name)

    @cached_property
    def sign_in_records(self) -> DynamoSignInRecords:
        from cfp.signin_store import DynamoSignInRecords

        return DynamoSignInRecords(self.client("dynamodb"), self.settings.table_name)

    @cached_property
    def suppressions(self) -> DynamoSuppressions:
        from cfp.suppression_store import DynamoSuppressions

        return DynamoSuppressions(self.client("dynamodb"), self.settings.table_name)

    @cached_property
    def mail_counts(self) -> MailCounts:
        from cfp.mail_counts import MailCounts

        return MailCounts(self.client("dynamodb"), self.settings.table_name)

    # ---- the bucket ------------------------------------------------------------------------------------

    @cached_property
    def bucket(self) -> UploadBucket:
        from cfp.uploads import UploadBucket

        return UploadBucket(self.client("s3"), self.settings.bucket_name)

    @cached_property
    def archives(self) -> UploadBucket:
        """Where the zips of every PDF are written: the uploads' bucket, under its archive prefix."""
        return self.bucket

    @cached_property
    def program_files(self) -> ProgramFiles:
        from cfp.program_store import ProgramFiles

        return ProgramFiles(self.client("s3"), self.settings.bucket_name)

    # ---- the queues ------------------------------------------------------------------------------------

    @cached_property
    def notification_queue(self) -> NotificationQueue:
        from cfp.queues import NotificationQueue

        return NotificationQueue(self.client("sqs"), self.settings.notification_queue_url)

    @cached_property
    def validation_queue(self) -> ValidationQueue:
        from cfp.queues import ValidationQueue

        return ValidationQueue(self.client("sqs"), self.settings.validation_queue_url)

    def _jobs(self, url: str) -> JobQueue:
        from cfp.queues import JobQueue

        return JobQueue(self.client("sqs"), url)

    @cached_property
    def archive_queue(self) -> JobQueue:
        return self._jobs(self.settings.archive_queue_url)

    @cached_property
    def release_queue(self) -> JobQueue | None:
        """The queue a large release's decisions go through; None where the stack has none."""
        return self._jobs(self.settings.release_queue_url) if self.settings.release_queue_url else None

    @cached_property
    def sign_in_queue(self) -> JobQueue:
        return self._jobs(self.settings.sign_in_queue_url)

    def _dead(self, url: str) -> DeadLetters:
        from cfp.queues import DeadLetters

        return DeadLetters(self.client("sqs"), url)

    @cached_property
    def validation_dead_letters(self) -> DeadLetters:
        return self._dead(self.settings.validation_dead_letter_queue_url)

    @cached_property
    def archive_dead_letters(self) -> DeadLetters:
        return self._dead(self.settings.archive_dead_letter_queue_url)

    @cached_property
    def dead_letter_queues(self) -> tuple[DeadLetterQueue, ...]:
        """Each dead-letter queue this stack's settings name together with its source queue (to move
        letters back to)."""
        from cfp.console_views import DeadLetterQueue

        s = self.settings
        return tuple(
            DeadLetterQueue(name, self._dead(url), source)
            for name, url, source in (
                ("validation", s.validation_dead_letter_queue_url, s.validation_queue_url),
                ("notification", s.notification_dead_letter_queue_url, s.notification_queue_url),
                ("archive", s.archive_dead_letter_queue_url, s.archive_queue_url),
                ("release", s.release_dead_letter_queue_url, s.release_queue_url),
            )
            if url and source
        )

    # ---- keys and mail ---------------------------------------------------------------------------------

    @cached_property
    def sealer(self) -> KmsTokenSealer:
        from cfp.sealing import KmsTokenSealer

        return KmsTokenSealer(self.client("kms"), self.settings.receipt_token_key_id)

    @cached_property
    def mailer(self) -> Mailer:
        from cfp.mailer import Mailer

        s = self.settings
        return Mailer(
            self.client("sesv2"),
            s.sender_email,
            s.conference_name,
            self.clock,
            s.mails_per_second,
            configuration_set=s.configuration_set,
        )

    @cached_property
    def renderer(self) -> MailRenderer:
        """The mails as these settings word them."""
        from cfp.mail.render import CallInfo, MailRenderer

        s = self.settings
        return MailRenderer(
            CallInfo(
                conference=s.conference_name,
                window=s.window,
                organizers=s.organizer_emails,
                max_body_pages=s.max_body_pages,
                copy_all_authors=s.copy_all_authors,
                public_url=s.public_url,
                final_window=s.final_window,
            )
        )
