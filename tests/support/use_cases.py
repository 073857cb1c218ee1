"""One call's worth of in-memory fakes (``tests.support.fakes``) and the use cases built on them, with the
request, settings and verdicts the use cases' tests start from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from cfp.adapters import Adapters
from cfp.bootstrap import build_keeper, build_submission_service, build_validator
from cfp.clock import FixedClock
from cfp.errors import RecipientRejected
from cfp.formatcheck.models import MEASURER_VERSION, Facts, Problem, Verdict
from cfp.keeper import DeadlineKeeper
from cfp.mail.message import Mail
from cfp.mail.render import CallInfo, MailRenderer
from cfp.mailbox import MailboxQuota
from cfp.model import Window
from cfp.notifications import Notifier
from cfp.settings import Settings
from cfp.submission_views import SubmissionCreate
from cfp.submissions import SubmissionService
from cfp.validation import UploadedObject, UploadValidator
from tests.support.call import DEADLINE_AT
from tests.support.fakes import (
    FakeBucket,
    FakeDeadLetters,
    FakeFinals,
    FakeJobs,
    FakeMailCounts,
    FakeQueue,
    FakeReviews,
    FakeSealer,
    FakeStore,
    FakeSuppressions,
    fake_adapters,
)

DEADLINE = DEADLINE_AT
AOE = DEADLINE.tzinfo
T0 = datetime(2017, 8, 20, 12, 0, tzinfo=AOE)
REQUEST = SubmissionCreate.model_validate(
    {
        "title": "Learned Index Structures",
        "authors": [{"name": "Ada Lovelace", "email": "ada@example.org"}],
        "contact_email": "ada@example.org",
        "abstract": "We index things.",
    }
)


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "conference_name": "Workshop",
        "deadline": DEADLINE,
        "sender_email": "cfp@example.org",
        "organizer_emails": ("chair@example.org",),
        "table_name": "t",
        "bucket_name": "uploads",
        "notification_queue_url": "q",
        "receipt_token_key_id": "k",
        **overrides,
    }
    return Settings(**values)


def verdict(outcome: str = "pass", body_pages: int = 2) -> Verdict:
    problems = (
        [] if outcome == "pass" else [Problem(code="too_many_body_pages", severity="fail", message="m")]
    )
    return Verdict(
        outcome=outcome,
        problems=problems,
        facts=Facts(measurer=MEASURER_VERSION, bytes=100, header_offset=0),
        pages=3,
        body_pages=body_pages,
    )


@dataclass
class World:
    """One call's worth of fakes and the use cases built on them."""

    settings: Settings = field(default_factory=settings)
    clock: FixedClock = field(default_factory=lambda: FixedClock(T0))
    store: FakeStore = field(default_factory=FakeStore)
    bucket: FakeBucket = field(default_factory=FakeBucket)
    queue: FakeQueue = field(default_factory=FakeQueue)
    requeue: FakeQueue = field(default_factory=FakeQueue)
    dead: FakeDeadLetters = field(default_factory=FakeDeadLetters)
    jobs: FakeJobs = field(default_factory=FakeJobs)
    archive_dead: FakeDeadLetters = field(default_factory=FakeDeadLetters)
    checked: list[bytes] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)

    @property
    def adapters(self) -> Adapters:
        """These fakes as the stack's adapters, for the builders every service is made by."""
        return fake_adapters(
            self.settings,
            self.clock,
            self.store,
            bucket=self.bucket,
            notification_queue=self.queue,
            validation_queue=self.requeue,
            validation_dead_letters=self.dead,
            archive_jobs=self.jobs,
            archive_dead_letters=self.archive_dead,
        )

    @property
    def service(self) -> SubmissionService:
        return build_submission_service(self.adapters)

    def check(self, data: bytes) -> Verdict:
        self.checked.append(data)
        return verdict(self.outcomes.pop(0) if self.outcomes else "pass")

    @property
    def validator(self) -> UploadValidator:
        return build_validator(self.adapters, checker=self.check)

    @property
    def keeper(self) -> DeadlineKeeper:
        return build_keeper(self.adapters)

    def validate_crashing(self, upload: UploadedObject) -> None:
        """Validate ``upload`` with a checker that runs out of memory, as a dead invocation leaves it."""

        def crash(data: bytes) -> Verdict:
            raise MemoryError

        with pytest.raises(MemoryError):
            build_validator(self.adapters, checker=crash).validate(upload)

    def upload(self, key: str, at: datetime, data: bytes = b"%PDF-1.7") -> UploadedObject:
        stored = self.bucket.put(key, data, at)
        return UploadedObject(
            bucket="uploads",
            key=key,
            size=len(data),
            etag=stored.etag,
            version_id=stored.version_id,
            uploaded_at=at,
        )


@dataclass
class Outbox:
    sent: dict[str, Mail] = field(default_factory=dict)
    refuse: set[str] = field(default_factory=set)

    def send_once(self, key: str, mail: Mail) -> None:
        if set(mail.recipients()) & self.refuse:
            raise RecipientRejected("refused")
        self.sent.setdefault(key, mail)


def notifier(world: World, outbox: Outbox) -> Notifier:
    renderer = MailRenderer(CallInfo("Workshop", Window(DEADLINE), ("chair@example.org",), 2))
    return Notifier(
        store=world.store,
        renderer=renderer,
        send_once=outbox.send_once,
        link_for=lambda submission_id, _version: f"https://console.example.org/{submission_id}",
        clock=world.clock,
        sealer=FakeSealer(),
        # Counting nothing: these stories are about which mails go out, not how many a mailbox takes.
        quota=MailboxQuota(counter=FakeMailCounts(), clock=world.clock, most=0),
        suppressions=FakeSuppressions(),
        reviews=FakeReviews(),
        finals=FakeFinals(world.store),
    )
