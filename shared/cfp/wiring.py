"""Builds the adapters and services a handler needs, lazily and once per warm container.

Each function imports only what it uses (mail rendering only in the notifier; the store, the queues and
the models they carry on first use, not at import), which keeps cold starts short. A handler loads its
settings at import (``load_settings``), so a misconfigured function fails at cold start; clients and
services are built on first use, so tests can start moto first, and ``reset`` drops every cached object
between tests. ``use_clock`` is the single place where the time is injected.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from cfp.clock import Clock, SystemClock
from cfp.settings import Settings, SettingsError, get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from cfp.archive import ArchiveBuilder
    from cfp.console import Console
    from cfp.final_desk import FinalDesk
    from cfp.final_store import FinalStore
    from cfp.finals import FinalPhase
    from cfp.formatcheck.models import Verdict
    from cfp.job_store import ArchiveJobStore
    from cfp.keeper import DeadlineKeeper
    from cfp.mail.message import Mail
    from cfp.mail.render import MailRenderer
    from cfp.mail_feedback import MailFeedback
    from cfp.mailbox import MailboxQuota
    from cfp.mailer import Mailer
    from cfp.model import Version
    from cfp.notifications import Notifier, SendOnce
    from cfp.ports import TokenSealer
    from cfp.program import ProgramDesk
    from cfp.program_pdfs import ProgramPdfs
    from cfp.program_store import ProgramFiles
    from cfp.queues import NotificationQueue
    from cfp.releases import Releases
    from cfp.review_store import ReviewStore
    from cfp.reviewing import Reviewing
    from cfp.signin import SignIn
    from cfp.store import SubmissionStore
    from cfp.submissions import SubmissionService
    from cfp.suppression_store import DynamoSuppressions
    from cfp.uploads import UploadBucket
    from cfp.validation import UploadValidator

_clock: list[Clock] = [SystemClock()]


def use_clock(clock: Clock) -> None:
    """Replace the clock every service reads (tests pin it; the local schedule trigger sets it)."""
    _clock[0] = clock


def clock() -> Clock:
    return _clock[0]


def settings() -> Settings:
    return get_settings()


def load_settings(*needed: str) -> None:
    """Parse the settings now. Each handler calls this at import, so a function whose environment lacks a
    variable or holds a malformed one fails at cold start with a ``SettingsError`` naming it, not at its
    first invocation; ``needed`` names settings the service may go without but this function may not."""
    s = settings()
    missing = [name.upper() for name in needed if not getattr(s, name)]
    if missing:
        raise SettingsError(f"the function's environment is not valid: it needs {', '.join(missing)}")


@cache
def client(service: str) -> Any:
    """One boto3 client per service, with timeouts well inside the functions' own (botocore's default of
    60 s would let one hung call outlast the invocation); S3 signs with SigV4 so presigned posts work
    on every endpoint."""
    config = Config(connect_timeout=5, read_timeout=20, retries={"mode": "standard", "max_attempts": 3})
    if service == "s3":
        config = config.merge(Config(signature_version="s3v4"))
    return boto3.client(service, config=config)  # type: ignore[call-overload]


# Makes a boto3 client for a service name: the function's own (``client``), or an operator tool's.
Clients = Callable[[str], Any]


def store(*, given: Settings | None = None, clients: Clients | None = None) -> SubmissionStore:
    """The table, its verdicts read as the rules in force judge them."""
    from cfp.rejudge import under
    from cfp.store import SubmissionStore

    s = given or settings()
    return SubmissionStore((clients or client)("dynamodb"), s.table_name, under(s.format_spec))


def archive_jobs(*, given: Settings | None = None, clients: Clients | None = None) -> ArchiveJobStore:
    """The archive jobs' records, in the submissions' table."""
    from cfp.job_store import ArchiveJobStore

    return ArchiveJobStore((clients or client)("dynamodb"), (given or settings()).table_name)


def final_store(*, given: Settings | None = None, clients: Clients | None = None) -> FinalStore:
    """The final phase's slots, presenter and consent, in the submissions' table."""
    from cfp.final_store import FinalStore

    s = given or settings()
    return FinalStore((clients or client)("dynamodb"), s.table_name, store(given=s, clients=clients))


def final_phase(*, given: Settings | None = None, clients: Clients | None = None) -> FinalPhase:
    from cfp.finals import FinalPhase

    s = given or settings()
    found = store(given=s, clients=clients)
    return FinalPhase(
        s, found, final_store(given=s, clients=clients), bucket(given=s, clients=clients), clock()
    )


def bucket(*, given: Settings | None = None, clients: Clients | None = None) -> UploadBucket:
    from cfp.uploads import UploadBucket

    return UploadBucket((clients or client)("s3"), (given or settings()).bucket_name)


def notification_queue(*, given: Settings | None = None, clients: Clients | None = None) -> NotificationQueue:
    from cfp.queues import NotificationQueue

    return NotificationQueue((clients or client)("sqs"), (given or settings()).notification_queue_url)


def deadline_keeper(at: Clock | None = None) -> DeadlineKeeper:
    """The keeper, reading ``at`` when a replayed schedule names its instant, else the service's clock."""
    from cfp.keeper import DeadlineKeeper
    from cfp.queues import DeadLetters, ValidationQueue

    s = settings()
    return DeadlineKeeper(
        s,
        store(),
        notification_queue(),
        at or clock(),
        bucket(),
        ValidationQueue(client("sqs"), s.validation_queue_url),
        DeadLetters(client("sqs"), s.validation_dead_letter_queue_url),
        archive_jobs(),
        DeadLetters(client("sqs"), s.archive_dead_letter_queue_url),
    )


def upload_validator() -> UploadValidator:
    """The validator, checking each file under the call's format rules."""
    from cfp.formatcheck import Budget, check_pdf, check_poster
    from cfp.validation import UploadValidator

    s = settings()
    spec = s.format_spec
    # Nothing larger than the call accepts is read (``UploadBucket.read``), so nothing larger is parsed.
    budget = Budget(max_bytes=s.max_upload_bytes)

    def check(data: bytes) -> Verdict:
        return check_pdf(data, spec, budget)

    poster_spec = s.poster_spec
    poster_budget = Budget(max_bytes=s.max_poster_bytes)

    def check_a_poster(data: bytes) -> Verdict:
        return check_poster(data, poster_spec, poster_budget)

    return UploadValidator(
        s,
        store(),
        bucket(),
        notification_queue(),
        clock(),
        check,
        finals=final_store(),
        poster_checker=check_a_poster,
    )


def submission_service() -> SubmissionService:
    from cfp.program_store import BoardTable
    from cfp.submissions import SubmissionService

    s = settings()
    boards = BoardTable(client("dynamodb"), s.table_name)
    return SubmissionService(
        s, store(), bucket(), notification_queue(), clock(), token_sealer(), boards, final_phase()
    )


def token_sealer() -> TokenSealer:
    from cfp.sealing import KmsTokenSealer

    return KmsTokenSealer(client("kms"), settings().receipt_token_key_id)


@cache
def session_key() -> bytes:
    """The key that signs organizer sessions, read from Secrets Manager once per container."""
    from cfp.secrets import read_secret

    return read_secret(client("secretsmanager"), settings().session_key_secret_arn)


def sign_in() -> SignIn:
    from cfp.queues import JobQueue
    from cfp.signin import SignIn
    from cfp.signin_store import DynamoSignInRecords

    s = settings()
    kept = DynamoSignInRecords(client("dynamodb"), s.table_name)
    requests = JobQueue(client("sqs"), s.sign_in_queue_url)
    return SignIn(s, store(), renderer(), mailer().send, clock(), session_key, kept, requests)


def console(
    *, given: Settings | None = None, clients: Clients | None = None, at: Clock | None = None
) -> Console:
    """The console, with each dead-letter queue whose source queue it is also given (to move letters
    back to), the validation queue (for reconcile) and the archive queue. The API gives nothing; ``cfp
    admin`` gives the settings, clients and clock of the stack it works on, so both read the same."""
    from cfp.console import Console, DeadLetterQueue
    from cfp.queues import DeadLetters, JobQueue, ValidationQueue

    s = given or settings()
    sqs = (clients or client)("sqs")
    dead_letters = tuple(
        DeadLetterQueue(name, DeadLetters(sqs, url), source)
        for name, url, source in (
            ("validation", s.validation_dead_letter_queue_url, s.validation_queue_url),
            ("notification", s.notification_dead_letter_queue_url, s.notification_queue_url),
            ("archive", s.archive_dead_letter_queue_url, s.archive_queue_url),
            ("release", s.release_dead_letter_queue_url, s.release_queue_url),
        )
        if url and source
    )
    kept = store(given=s, clients=clients)
    return Console(
        s,
        kept,
        bucket(given=s, clients=clients),
        notification_queue(given=s, clients=clients),
        renderer(s),
        at or clock(),
        validation_queue=ValidationQueue(sqs, s.validation_queue_url) if s.validation_queue_url else None,
        dead_letter_queues=dead_letters,
        archive_jobs=archive_jobs(given=s, clients=clients),
        archive_queue=JobQueue(sqs, s.archive_queue_url) if s.archive_queue_url else None,
        reviews=review_store(given=s, clients=clients),
        finals=final_store(given=s, clients=clients),
    )


def final_desk(
    *, given: Settings | None = None, clients: Clients | None = None, at: Clock | None = None
) -> FinalDesk:
    """The organizers' final phase: the checklist, mails to those missing something, more time."""
    from cfp.final_desk import FinalDesk

    s = given or settings()
    return FinalDesk(
        s,
        store(given=s, clients=clients),
        final_store(given=s, clients=clients),
        notification_queue(given=s, clients=clients),
        at or clock(),
        bucket(given=s, clients=clients),
    )


def program_desk(
    *, given: Settings | None = None, clients: Clients | None = None, at: Clock | None = None
) -> ProgramDesk:
    """Preview and publish the public program, and set boards; ``cfp admin`` gives its stack's."""
    from cfp.program import ProgramDesk, parse_sessions
    from cfp.program_render import render
    from cfp.program_store import BoardTable

    s = given or settings()
    kept = store(given=s, clients=clients)
    return ProgramDesk(
        s.conference_name,
        parse_sessions(s.poster_sessions),
        kept,
        BoardTable((clients or client)("dynamodb"), s.table_name),
        program_files(given=s, clients=clients),
        render,
        at or clock(),
        program_pdfs(given=s, clients=clients).chosen,
    )


def program_pdfs(*, given: Settings | None = None, clients: Clients | None = None) -> ProgramPdfs:
    """The program's PDF links: which files a publication links to, and a reader's link to one."""
    from cfp.program_pdfs import ProgramPdfs

    s = given or settings()
    return ProgramPdfs(
        store(given=s, clients=clients),
        program_files(given=s, clients=clients),
        bucket(given=s, clients=clients),
        s.final_window,
    )


def program_files(*, given: Settings | None = None, clients: Clients | None = None) -> ProgramFiles:
    from cfp.program_store import ProgramFiles

    return ProgramFiles((clients or client)("s3"), (given or settings()).bucket_name)


def review_store(*, given: Settings | None = None, clients: Clients | None = None) -> ReviewStore:
    from cfp.review_store import ReviewStore

    return ReviewStore((clients or client)("dynamodb"), (given or settings()).table_name)


def reviewing(
    *, given: Settings | None = None, clients: Clients | None = None, at: Clock | None = None
) -> Reviewing:
    """Reviews, conflicts and comments; ``cfp admin`` gives its stack's settings, clients and clock."""
    from cfp.reviewing import Reviewing

    s = given or settings()
    return Reviewing(
        store(given=s, clients=clients),
        review_store(given=s, clients=clients),
        at or clock(),
        notification_queue(given=s, clients=clients),
    )


def releases(
    *, given: Settings | None = None, clients: Clients | None = None, at: Clock | None = None
) -> Releases:
    """Deciding and releasing decisions, with the store's decision records beside the submissions; ``cfp
    admin`` gives the settings, clients and clock of the stack it works on, as for ``console``."""
    from cfp.queues import JobQueue
    from cfp.release_store import ReleaseStore
    from cfp.releases import Releases

    s = given or settings()
    make = clients or client
    decisions = ReleaseStore(make("dynamodb"), s.table_name)
    jobs = JobQueue(make("sqs"), s.release_queue_url) if s.release_queue_url else None
    return Releases(
        store(given=s, clients=clients),
        decisions,
        notification_queue(given=s, clients=clients),
        renderer(s),
        at or clock(),
        jobs,
        review_store(given=s, clients=clients),
    )


def archive_builder() -> ArchiveBuilder:
    from cfp.archive import ArchiveBuilder

    uploads = bucket()
    return ArchiveBuilder(settings(), store(), archive_jobs(), uploads, uploads, clock())


def reset() -> None:
    """Forget cached settings, clients and keys, and go back to the system clock."""
    get_settings.cache_clear()
    client.cache_clear()
    session_key.cache_clear()
    _clock[0] = SystemClock()


def mailer() -> Mailer:
    from cfp.mailer import Mailer

    s = settings()
    return Mailer(
        client("sesv2"),
        s.sender_email,
        s.conference_name,
        clock(),
        s.mails_per_second,
        configuration_set=s.configuration_set,
    )


def renderer(given: Settings | None = None) -> MailRenderer:
    """The mail renderer for these settings (the service's own unless an operator's tool gives others)."""
    from cfp.mail.render import CallInfo, MailRenderer

    s = given or settings()
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


# Idempotency records outlive any SQS redelivery (at most the queue's 4-day retention) by a wide margin.
_SEND_ONCE_SECONDS = 30 * 24 * 3600


def send_once(delivery: Mailer, context: LambdaContext | None = None) -> SendOnce:
    """Send each mail at most once per key, remembered in the idempotency table the template declares."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

    from cfp.errors import SendInProgress

    persistence = DynamoDBPersistenceLayer(
        table_name=settings().idempotency_table_name, boto3_client=client("dynamodb")
    )
    config = IdempotencyConfig(
        event_key_jmespath="key", raise_on_no_idempotency_key=True, expires_after_seconds=_SEND_ONCE_SECONDS
    )
    if context is not None:
        config.register_lambda_context(context)

    @idempotent_function(  # type: ignore[untyped-decorator]
        data_keyword_argument="mail_key", persistence_store=persistence, config=config
    )
    def deliver(mail_key: dict[str, str], mail: Mail) -> dict[str, str]:
        return {"message_id": delivery.send(mail)}

    def send(key: str, mail: Mail) -> None:
        try:
            deliver(mail_key={"key": key}, mail=mail)
        except IdempotencyAlreadyInProgressError as error:
            raise SendInProgress(key) from error

    return send


def notifier(context: LambdaContext | None = None) -> Notifier:
    from cfp.mail.digest import console_link
    from cfp.notifications import Notifier

    delivery = mailer()
    public_url = settings().public_url

    def link_for(submission_id: str, upload: Version | None) -> str | None:
        """The submission's page in the console, where a PDF opens only for a signed-in organizer; never a
        link to the file itself, which anyone the digest is forwarded to could open. Without a known
        console address there is no link, and the digest says where to look instead."""
        return console_link(public_url, submission_id) if public_url else None

    return Notifier(
        store(),
        renderer(),
        send_once(delivery, context),
        link_for,
        clock(),
        token_sealer(),
        mailbox_quota(),
        suppressions(),
        review_store(),
        final_store(),
    )


def suppressions() -> DynamoSuppressions:
    from cfp.suppression_store import DynamoSuppressions

    return DynamoSuppressions(client("dynamodb"), settings().table_name)


def mail_feedback() -> MailFeedback:
    """Records SES's bounces and complaints: suppressions, the submissions they name, digest events."""
    from cfp.mail_feedback import MailFeedback

    s = settings()
    return MailFeedback(store(), suppressions(), notification_queue(), s.organizer_emails, s.copy_all_authors)


def mailbox_quota() -> MailboxQuota:
    """Author mails counted per mailbox and hour, in the submissions table."""
    from cfp.mail_counts import MailCounts
    from cfp.mailbox import MailboxQuota

    s = settings()
    return MailboxQuota(
        MailCounts(client("dynamodb"), s.table_name), clock(), s.max_mails_per_mailbox_per_hour
    )
