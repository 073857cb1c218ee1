"""The composition root: one builder per service, each putting it together from one ``Adapters``.

The handlers (through ``wiring.adapters``), ``cfp admin``, the local stack and the tests all build their
services here, so what ``cfp admin show`` reads is what the console reads, and a service cannot be put
together two ways. Services are constructed by keyword. Each builder imports its service's module when
called, which keeps a function's cold start to what it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfp.adapters import Adapters

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from cfp.archive import ArchiveBuilder
    from cfp.console import Console
    from cfp.console_changes import ConsoleChanges
    from cfp.final_desk import FinalDesk
    from cfp.finals import FinalPhase
    from cfp.keeper import DeadlineKeeper
    from cfp.mail_feedback import MailFeedback
    from cfp.mailbox import MailboxQuota
    from cfp.notifications import Notifier, SendOnce
    from cfp.operations import Operations
    from cfp.program import ProgramDesk
    from cfp.program_pdfs import ProgramPdfs
    from cfp.releases import Releases
    from cfp.reviewing import Reviewing
    from cfp.signin import SignIn
    from cfp.submissions import SubmissionService
    from cfp.validation import Checker, UploadValidator


def build_submission_service(adapters: Adapters) -> SubmissionService:
    """The authors' use cases behind the API."""
    from cfp.submissions import SubmissionService

    a = adapters
    return SubmissionService(
        settings=a.settings,
        store=a.store,
        bookkeeping=a.bookkeeping,
        bucket=a.bucket,
        queue=a.notification_queue,
        clock=a.clock,
        sealer=a.sealer,
        boards=a.boards,
        final_phase=build_final_phase(a),
    )


def build_final_phase(adapters: Adapters) -> FinalPhase:
    from cfp.finals import FinalPhase

    a = adapters
    return FinalPhase(
        settings=a.settings, bookkeeping=a.bookkeeping, finals=a.finals, bucket=a.bucket, clock=a.clock
    )


def build_validator(
    adapters: Adapters, *, checker: Checker | None = None, poster_checker: Checker | None = None
) -> UploadValidator:
    """The validator, checking each abstract and final abstract under the call's format rules and each
    poster under its size (or under the checkers given)."""
    from cfp.formatcheck import Budget, check_pdf, check_poster
    from cfp.formatcheck.models import Verdict
    from cfp.validation import UploadValidator

    a = adapters
    s = a.settings
    spec, poster_spec = s.format_spec, s.poster_spec
    # Nothing larger than the call accepts is read (``UploadBucket.read``), so nothing larger is parsed.
    budget, poster_budget = Budget(max_bytes=s.max_upload_bytes), Budget(max_bytes=s.max_poster_bytes)

    def check(data: bytes) -> Verdict:
        return check_pdf(data, spec, budget)

    def check_a_poster(data: bytes) -> Verdict:
        return check_poster(data, poster_spec, poster_budget)

    return UploadValidator(
        settings=s,
        store=a.store,
        bucket=a.bucket,
        queue=a.notification_queue,
        clock=a.clock,
        checker=checker or check,
        finals=a.finals,
        poster_checker=poster_checker or check_a_poster,
    )


def build_keeper(adapters: Adapters) -> DeadlineKeeper:
    from cfp.keeper import DeadlineKeeper

    a = adapters
    return DeadlineKeeper(
        settings=a.settings,
        store=a.store,
        bookkeeping=a.bookkeeping,
        finals=a.finals,
        queue=a.notification_queue,
        clock=a.clock,
        bucket=a.bucket,
        validation_queue=a.validation_queue,
        dead_letters=a.validation_dead_letters,
        archive_jobs=a.archive_jobs,
        archive_dead_letters=a.archive_dead_letters,
    )


def build_console(adapters: Adapters) -> Console:
    """What organizers read: the API's console and ``cfp admin`` alike."""
    from cfp.console import Console

    a = adapters
    return Console(
        settings=a.settings,
        store=a.store,
        bookkeeping=a.bookkeeping,
        bucket=a.bucket,
        clock=a.clock,
        reviews=a.reviews,
        finals=a.finals,
    )


def build_console_changes(adapters: Adapters) -> ConsoleChanges:
    from cfp.console_changes import ConsoleChanges

    a = adapters
    return ConsoleChanges(
        settings=a.settings,
        store=a.store,
        bookkeeping=a.bookkeeping,
        queue=a.notification_queue,
        clock=a.clock,
    )


def build_operations(adapters: Adapters) -> Operations:
    from cfp.operations import Operations

    a = adapters
    return Operations(
        settings=a.settings,
        store=a.store,
        bookkeeping=a.bookkeeping,
        bucket=a.bucket,
        clock=a.clock,
        validation_queue=a.validation_queue,
        dead_letter_queues=a.dead_letter_queues,
        archive_jobs=a.archive_jobs,
        archive_queue=a.archive_queue,
    )


def build_final_desk(adapters: Adapters) -> FinalDesk:
    """The organizers' final phase: the checklist, mails to those missing something, more time."""
    from cfp.final_desk import FinalDesk

    a = adapters
    return FinalDesk(
        settings=a.settings,
        store=a.store,
        bookkeeping=a.bookkeeping,
        finals=a.finals,
        queue=a.notification_queue,
        clock=a.clock,
        bucket=a.bucket,
    )


def build_program_pdfs(adapters: Adapters) -> ProgramPdfs:
    """The program's PDF links: which files a publication links to, and a reader's link to one."""
    from cfp.program_pdfs import ProgramPdfs

    a = adapters
    return ProgramPdfs(
        source=a.store,
        bookkeeping=a.bookkeeping,
        storage=a.program_files,
        links=a.bucket,
        final_window=a.settings.final_window,
    )


def build_program_desk(adapters: Adapters) -> ProgramDesk:
    """Preview and publish the public program, and set boards."""
    from cfp.program import ProgramDesk, parse_sessions
    from cfp.program_render import render

    a = adapters
    return ProgramDesk(
        conference=a.settings.conference_name,
        sessions=parse_sessions(a.settings.poster_sessions),
        source=a.store,
        bookkeeping=a.bookkeeping,
        boards=a.boards,
        storage=a.program_files,
        render=render,
        clock=a.clock,
        pdfs=build_program_pdfs(a).chosen,
    )


def build_reviewing(adapters: Adapters) -> Reviewing:
    """Reviews, conflicts and comments."""
    from cfp.reviewing import Reviewing

    a = adapters
    return Reviewing(
        store=a.store, bookkeeping=a.bookkeeping, records=a.reviews, clock=a.clock, queue=a.notification_queue
    )


def build_releases(adapters: Adapters) -> Releases:
    """Deciding and releasing decisions, with the decision records beside the submissions."""
    from cfp.releases import Releases

    a = adapters
    return Releases(
        store=a.store,
        bookkeeping=a.bookkeeping,
        records=a.decisions,
        queue=a.notification_queue,
        renderer=a.renderer,
        clock=a.clock,
        jobs=a.release_queue,
        reviews=a.reviews,
    )


def build_archive_builder(adapters: Adapters) -> ArchiveBuilder:
    from cfp.archive import ArchiveBuilder

    a = adapters
    return ArchiveBuilder(
        settings=a.settings,
        store=a.store,
        jobs=a.archive_jobs,
        uploads=a.bucket,
        archives=a.archives,
        clock=a.clock,
    )


def build_sign_in(adapters: Adapters) -> SignIn:
    from cfp.signin import SignIn

    a = adapters
    return SignIn(
        settings=a.settings,
        bookkeeping=a.bookkeeping,
        renderer=a.renderer,
        send=a.mailer.send,
        clock=a.clock,
        key=a.session_key,
        kept=a.sign_in_records,
        requests=a.sign_in_queue,
    )


def build_mailbox_quota(adapters: Adapters) -> MailboxQuota:
    """Author mails counted per mailbox and hour, in the submissions table."""
    from cfp.mailbox import MailboxQuota

    a = adapters
    return MailboxQuota(counter=a.mail_counts, clock=a.clock, most=a.settings.max_mails_per_mailbox_per_hour)


def build_mail_feedback(adapters: Adapters) -> MailFeedback:
    """Records SES's bounces and complaints: suppressions, the submissions they name, digest events."""
    from cfp.mail_feedback import MailFeedback

    a = adapters
    return MailFeedback(
        store=a.store,
        suppressions=a.suppressions,
        queue=a.notification_queue,
        organizers=a.settings.organizer_emails,
        copy_all_authors=a.settings.copy_all_authors,
    )


def build_notifier(
    adapters: Adapters, *, send_once: SendOnce | None = None, context: LambdaContext | None = None
) -> Notifier:
    """The notifier, sending each mail once through the idempotency table the template declares (or
    through ``send_once`` when given)."""
    from cfp.mail.digest import console_link
    from cfp.model import Version
    from cfp.notifications import Notifier

    a = adapters
    public_url = a.settings.public_url

    def link_for(submission_id: str, upload: Version | None) -> str | None:
        """The submission's page in the console, where a PDF opens only for a signed-in organizer; never a
        link to the file itself, which anyone the digest is forwarded to could open. Without a known
        console address there is no link, and the digest says where to look instead."""
        return console_link(public_url, submission_id) if public_url else None

    return Notifier(
        store=a.store,
        renderer=a.renderer,
        send_once=send_once or mail_once(a, context),
        link_for=link_for,
        clock=a.clock,
        sealer=a.sealer,
        quota=build_mailbox_quota(a),
        suppressions=a.suppressions,
        reviews=a.reviews,
        finals=a.finals,
    )


# Idempotency records outlive any SQS redelivery (at most the queue's 4-day retention) by a wide margin.
_SEND_ONCE_SECONDS = 30 * 24 * 3600


def mail_once(adapters: Adapters, context: LambdaContext | None = None) -> SendOnce:
    """Send each mail at most once per key, remembered in the idempotency table the template declares."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

    from cfp.errors import SendInProgress
    from cfp.mail.message import Mail

    delivery = adapters.mailer
    persistence = DynamoDBPersistenceLayer(
        table_name=adapters.settings.idempotency_table_name, boto3_client=adapters.client("dynamodb")
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
