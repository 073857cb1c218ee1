"""One call's worth of in-memory fakes (``tests.support.fakes``) and the use cases built on them, with the
request, settings and verdicts the use cases' tests start from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from cfp.clock import FixedClock
from cfp.errors import RecipientRejected
from cfp.formatcheck.models import MEASURER_VERSION, Facts, Problem, Verdict
from cfp.keeper import DeadlineKeeper
from cfp.mail.message import Mail
from cfp.mail.render import CallInfo, MailRenderer
from cfp.model import Window
from cfp.notifications import Notifier
from cfp.settings import Settings
from cfp.submissions import SubmissionCreate, SubmissionService
from cfp.validation import UploadedObject, UploadValidator
from tests.support.call import DEADLINE_AT
from tests.support.fakes import FakeBucket, FakeDeadLetters, FakeJobs, FakeQueue, FakeSealer, FakeStore

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
    def service(self) -> SubmissionService:
        return SubmissionService(self.settings, self.store, self.bucket, self.queue, self.clock, FakeSealer())

    def check(self, data: bytes) -> Verdict:
        self.checked.append(data)
        return verdict(self.outcomes.pop(0) if self.outcomes else "pass")

    @property
    def validator(self) -> UploadValidator:
        return UploadValidator(self.settings, self.store, self.bucket, self.queue, self.clock, self.check)

    @property
    def keeper(self) -> DeadlineKeeper:
        return DeadlineKeeper(
            self.settings,
            self.store,
            self.queue,
            self.clock,
            self.bucket,
            self.requeue,
            self.dead,
            self.jobs,
            self.archive_dead,
        )

    def validate_crashing(self, upload: UploadedObject) -> None:
        """Validate ``upload`` with a checker that runs out of memory, as a dead invocation leaves it."""

        def crash(data: bytes) -> Verdict:
            raise MemoryError

        with pytest.raises(MemoryError):
            UploadValidator(self.settings, self.store, self.bucket, self.queue, self.clock, crash).validate(
                upload
            )

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
        world.store,
        renderer,
        outbox.send_once,
        lambda submission_id, _version: f"https://console.example.org/{submission_id}",
        world.clock,
        FakeSealer(),
    )
