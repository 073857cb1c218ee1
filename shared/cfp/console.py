"""What organizers do with the call, independent of HTTP: the use cases behind the console at
``/organizers`` and ``cfp admin``, written once and called from both.

Every change names who made it and is recorded with the time. Deciding and releasing decisions are
``cfp.releases``'.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated
from urllib.parse import unquote_plus

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from cfp import deadline as rules
from cfp import events
from cfp.archive import (
    ARCHIVE_KEEP,
    JOB_RECORD_KEEP,
    ArchiveEntry,
    ArchiveView,
    Contents,
    archive_key,
    job_message,
    select_entries,
    select_final_entries,
    view_of,
)
from cfp.clock import Clock
from cfp.errors import (
    ArchiveNotFound,
    ArchiveNotReady,
    PublishFailed,
    QueueNotFound,
    QueueUnavailable,
    SubmissionNotFound,
    UploadNotFound,
)
from cfp.finals import FinalView, final_view
from cfp.formatcheck.models import Verdict
from cfp.instants import check_extension
from cfp.model import (
    Decision,
    Submission,
    Version,
    current_version,
    late_versions,
    parse_upload_key,
    status_of,
)
from cfp.neutral import neutral_submission
from cfp.ports import (
    ArchiveJob,
    ArchiveJobs,
    AuditEntry,
    CheckRequeue,
    DeadLetterReader,
    EventPublisher,
    FinalRepository,
    JobQueue,
    Snapshot,
    SubmissionRepository,
    UploadStorage,
)
from cfp.release_records import decision_sent, in_program
from cfp.remeasure import measured_by_older
from cfp.reviews import (
    AGGREGATES,
    CONFIDENCES,
    SCORES,
    CommentView,
    ReviewRecords,
    ReviewRepository,
    ReviewView,
    Sight,
    Standing,
)
from cfp.settings import Settings
from cfp.submissions import SubmissionFacts, facts_of
from cfp.upload_views import PDF_LINK_SECONDS, PdfLink, link_to_upload

if TYPE_CHECKING:
    # Mail rendering (Jinja) loads only when the console is used, so the API's cold start stays short.
    from cfp.mail.render import MailRenderer

# The most dead letters "show" lists (the count says how many wait in all).
DEAD_LETTERS_SHOWN = 50

ROW_COLUMNS = [
    "id",
    "title",
    "authors",
    "contact",
    "status",
    "verdict",
    "body_pages",
    "late",
    "extension",
    "decision",
    "decision_sent",
    "updated",
    "older_checker",
    *AGGREGATES,
    "conflicted",
    "conflict_suggested",
]

Cell = str | int | float | bool | None


class SubmissionList(BaseModel):
    """Every submission as one compact table (``columns`` name each row's cells), with the counts."""

    conference: str
    deadline: datetime
    deadline_text: str
    now: datetime
    columns: list[str]
    rows: list[list[Cell]]
    counts: dict[str, int] = Field(description="Submissions by status.")
    decisions: dict[str, int] = Field(
        description="accepted, rejected, undecided and unsent (decided, not mailed yet)."
    )
    scores: dict[int, str] = Field(
        default_factory=lambda: dict(SCORES), description="What each overall merit score means."
    )
    confidences: dict[int, str] = Field(
        default_factory=lambda: dict(CONFIDENCES), description="What each confidence means."
    )


class UploadDetail(BaseModel):
    version: int
    object_id: str | None
    issued_at: datetime
    uploaded_at: datetime | None = Field(description="When S3 recorded the object.")
    size: int | None
    late: bool
    current: bool = Field(description="The upload that stands for the submission.")
    after_withdrawal: bool
    verdict: Verdict | None
    older_checker: bool = Field(
        default=False,
        description="The verdict an older checker made, shown as stored until the file is measured again.",
    )
    validated_at: datetime | None
    attention: str | None
    reused_url: bool = Field(
        default=False,
        description="A further upload with an upload URL already used: kept, never checked or mailed about.",
    )


class AuditView(BaseModel):
    at: datetime
    by: str
    action: str
    detail: str


class SubmissionDetail(SubmissionFacts):
    """Everything on record about one submission (never its token's hash), as the organizer asking may see
    it: a conflicted organizer gets no decision (null), reviews or comments."""

    extension_until: datetime | None
    extension_granted_by: str | None
    extension_granted_at: datetime | None
    bounced: list[str]
    decision: Decision | None
    decision_note: str
    decided_by: str | None
    decided_at: datetime | None
    decision_sent: bool | None
    versions: list[UploadDetail]
    history: list[AuditView]
    standing: Standing | None = Field(
        default=None, description="The reviewing as the signed-in organizer may see it."
    )
    reviews: list[ReviewView] = Field(
        default_factory=list,
        description="Every review once the signed-in organizer has submitted theirs; until then only their "
        "own; none for a conflicted organizer.",
    )
    comments: list[CommentView] = Field(
        default_factory=list, description="The organizers' discussion, under the same rules as reviews."
    )
    final: FinalView | None = Field(
        default=None,
        description="Once the acceptance was mailed: the final phase (final abstract, poster, presenter, "
        "consent, what is missing). Null otherwise, and in exports.",
    )


class Export(BaseModel):
    """Everything on record, as ``cfp admin export --format json`` and the console's JSON export give it."""

    conference: str
    deadline: datetime
    exported_at: datetime
    submissions: list[SubmissionDetail]


class Stats(BaseModel):
    total: int
    by_status: dict[str, int]
    decisions: dict[str, int]
    late: int
    extensions: int
    deadline_text: str
    time_left: str


class Reconciliation(BaseModel):
    """What ``reconcile`` found: objects without a record or a verdict, or judged by an older checker
    (their checks re-queued), and records whose file is gone from the bucket."""

    unrecorded: list[str]
    unjudged: list[str]
    missing_files: list[str]
    requeued: int
    measured_by_older: list[str] = Field(
        default_factory=list, description="Judged objects whose facts an older checker measured."
    )


def _instant_as_text(value: object) -> object:
    """An instant comes as ISO 8601 text (or, from Python, a datetime): a number is refused, where pydantic
    would read it as seconds since 1970."""
    if not isinstance(value, (str, datetime)):
        raise ValueError("must be an ISO 8601 instant with its offset, such as 2017-09-07T23:59:59-12:00")
    return value


class ExtensionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=5000)
    # With its offset: an instant without one would be stored and break every later comparison with it.
    until: Annotated[AwareDatetime, BeforeValidator(_instant_as_text)]


class ArchiveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_late: StrictBool = Field(
        default=False, description="Late uploads too, each beside the on-time one."
    )
    contents: Contents = Field(
        default="first",
        description="first: each submission's version on record; finals: each accepted poster's final "
        "abstract; posters: each accepted poster's poster PDF.",
    )


class DeadLetterView(BaseModel):
    """One dead letter, told by what it is about (ids only: nothing an author wrote, no address)."""

    message_id: str
    sent_at: datetime | None = Field(description="When the message was first sent to its queue.")
    deliveries: int = Field(description="How often it was delivered before it was set aside.")
    about: str


class DeadLetterListing(BaseModel):
    queue: str
    count: int = Field(description="Messages waiting (SQS's approximate count).")
    shown: list[DeadLetterView] = Field(description=f"Up to {DEAD_LETTERS_SHOWN} of them, oldest first.")


class Redriven(BaseModel):
    queue: str
    moved: int


def describe_dead_letter(body: str, upload_prefix: str) -> str:
    """What a dead letter is about, from its body: the upload check, the mail or the archive it carries."""
    try:
        message = json.loads(body)
    except ValueError:
        return "a message that is not JSON"
    if not isinstance(message, dict):
        return "a message of an unknown kind"
    if message.get("Event") == "s3:TestEvent":
        return "S3's test event (nothing to check)"
    if isinstance(message.get("Records"), list):
        checks = []
        for record in message["Records"]:
            key = unquote_plus(str(((record or {}).get("s3") or {}).get("object", {}).get("key", "")))
            found = parse_upload_key(upload_prefix, key)
            checks.append(
                f"submission {found[0]}, version {found[1]}"
                if found
                else "an object the service never issued"
            )
        return "the check of " + "; ".join(checks or ["nothing"])
    if isinstance(message.get("kind"), str) and "event_id" in message:
        kind = message["kind"].replace("_", " ")
        about = message.get("submission_id")
        return f"the {kind} mail for submission {about}" if about else f"the {kind} mail for the whole call"
    if isinstance(message.get("job_id"), str):
        return f"the archive {message['job_id']}"
    if isinstance(message.get("release_id"), str):
        return f"the release of decisions {message['release_id']}"
    if isinstance(message.get("decision_job"), str):
        return f"the decision on many submissions {message['decision_job']}"
    return "a message of an unknown kind"


@dataclass(frozen=True)
class DeadLetterQueue:
    """A dead-letter queue and the queue its messages came from."""

    name: str
    dead_letters: DeadLetterReader
    source_url: str


@dataclass(frozen=True)
class Console:
    """The organizers' use cases; the adapters are passed in (the queues for reconcile and redrive only
    where an operator's tool has them)."""

    settings: Settings
    store: SubmissionRepository
    bucket: UploadStorage
    queue: EventPublisher
    renderer: MailRenderer
    clock: Clock
    validation_queue: CheckRequeue | None = None
    dead_letter_queues: tuple[DeadLetterQueue, ...] = field(default=())
    archive_jobs: ArchiveJobs | None = None
    archive_queue: JobQueue | None = None
    reviews: ReviewRepository | None = None
    finals: FinalRepository | None = None

    # ---- reading -----------------------------------------------------------------------------------

    def _reviewing(self, snapshot: Snapshot) -> dict[str, ReviewRecords]:
        return self.reviews.from_snapshot(snapshot) if self.reviews is not None else {}

    def _records(self, submission_id: str) -> ReviewRecords:
        return self.reviews.review_records(submission_id) if self.reviews is not None else ReviewRecords()

    def listing(self, viewer: str | None = None) -> SubmissionList:
        """Every submission in one answer: one Scan, one compact row each, its reviewing and decision as
        ``viewer`` may see them (without a viewer, an operator's view: decisions, no reviewing)."""
        snapshot = self.store.snapshot()
        reviewing = self._reviewing(snapshot)
        window = self.settings.window
        rows: list[list[Cell]] = []
        counts: Counter[str] = Counter()
        decisions: Counter[str] = Counter()
        for stored, versions in snapshot.records:
            submission = neutral_submission(stored)
            status = status_of(submission, versions, window)
            current = current_version(submission, versions, window)
            verdict = current.verdict if current else None
            sight = Sight(viewer, reviewing.get(submission.id, ReviewRecords()), submission)
            standing = sight.standing()
            sent = decision_sent(submission, snapshot.markers.get(submission.id, set()))
            counts[status.value] += 1
            if sight.sees_decision:
                decisions[submission.decision.value if submission.decision else "undecided"] += 1
                if submission.decision and not sent and not submission.withdrawn:
                    decisions["unsent"] += 1
            decision = submission.decision.value if submission.decision and sight.sees_decision else None
            rows.append(
                [
                    submission.id,
                    submission.title,
                    "; ".join(a.name for a in submission.authors),
                    submission.contact_email,
                    status.value,
                    verdict.outcome if verdict else None,
                    verdict.body_pages if verdict else None,
                    len(late_versions(submission, versions, window)),
                    submission.extension_until.isoformat() if submission.extension_until else None,
                    decision,
                    sent if sight.sees_decision else None,
                    submission.updated_at.isoformat(),
                    bool(verdict and verdict.measured_by_older_checker()),
                    *(getattr(standing, name) for name in AGGREGATES),
                    standing.conflicted,
                    standing.conflict_suggested,
                ]
            )
        now = self.clock.now()
        return SubmissionList(
            conference=self.settings.conference_name,
            deadline=self.settings.deadline,
            deadline_text=rules.describe(self.settings.deadline),
            now=now,
            columns=ROW_COLUMNS,
            rows=rows,
            counts=dict(counts),
            decisions={k: decisions.get(k, 0) for k in ("accepted", "rejected", "undecided", "unsent")},
        )

    def _detail(
        self,
        submission: Submission,
        versions: list[Version],
        markers: set[str],
        history: list[AuditEntry],
        sight: Sight,
    ) -> SubmissionDetail:
        window = self.settings.window
        submission = neutral_submission(submission)
        current = current_version(submission, versions, window)
        seen = sight.sees_decision
        return SubmissionDetail(
            **facts_of(submission, versions, window),
            extension_until=submission.extension_until,
            extension_granted_by=submission.extension_granted_by,
            extension_granted_at=submission.extension_granted_at,
            bounced=submission.bounced,
            decision=submission.decision if seen else None,
            decision_note=submission.decision_note if seen else "",
            decided_by=submission.decided_by if seen else None,
            decided_at=submission.decided_at if seen else None,
            decision_sent=decision_sent(submission, markers) if seen else None,
            versions=[
                UploadDetail(
                    version=v.number,
                    object_id=v.object_id,
                    issued_at=v.issued_at,
                    uploaded_at=v.uploaded_at,
                    size=v.size,
                    late=window.is_late(submission, v),
                    current=current is not None
                    and (v.number, v.object_id) == (current.number, current.object_id),
                    after_withdrawal=submission.uploaded_after_withdrawal(v),
                    verdict=v.verdict,
                    older_checker=bool(v.verdict and v.verdict.measured_by_older_checker()),
                    validated_at=v.validated_at,
                    attention=v.attention,
                    reused_url=v.reused_url,
                )
                for v in versions
            ],
            history=[
                AuditView(at=h.at, by=h.by, action=h.action, detail=h.detail) for h in sight.history(history)
            ],
            standing=sight.standing() if sight.viewer is not None else None,
            reviews=sight.reviews(),
            comments=sight.comments(),
        )

    def show(self, submission_id: str, viewer: str | None = None) -> SubmissionDetail:
        """One submission with every version, as ``viewer`` may see it; raises SubmissionNotFound."""
        submission, versions = self.store.get(submission_id)
        sight = Sight(viewer, self._records(submission_id), submission)
        markers = self.store.markers(submission_id)
        detail = self._detail(submission, versions, markers, self.store.history(submission_id), sight)
        if self.finals is not None and in_program(submission, markers):
            detail.final = final_view(submission, self.finals.finals(submission_id), self.settings)
        return detail

    def pdf_link(self, submission_id: str, version: int, object_id: str | None = None) -> PdfLink:
        """A presigned GET of exactly that upload, valid for a few minutes."""
        _, versions = self.store.get(submission_id)
        link = link_to_upload(versions, version, object_id, self.bucket.download_link, self.clock.now())
        if link is None:
            raise UploadNotFound(f"submission {submission_id} has no upload {version}")
        return link

    def stats(self) -> Stats:
        listed = self.listing()
        index = {name: i for i, name in enumerate(listed.columns)}
        return Stats(
            total=len(listed.rows),
            by_status=listed.counts,
            decisions=listed.decisions,
            late=sum(1 for row in listed.rows if row[index["late"]]),
            extensions=sum(1 for row in listed.rows if row[index["extension"]]),
            deadline_text=listed.deadline_text,
            time_left=rules.time_left(listed.now, self.settings.deadline),
        )

    # ---- export ------------------------------------------------------------------------------------

    def export_csv(self, viewer: str | None = None) -> bytes:
        """Every submission as a formula-safe CSV (the final digest's, with the decisions and the reviews'
        aggregates as ``viewer`` may see them)."""
        from cfp.mail.digest import submissions_csv

        snapshot = self.store.snapshot()
        reviewing = self._reviewing(snapshot)
        sights = {s.id: Sight(viewer, reviewing.get(s.id, ReviewRecords()), s) for s, _ in snapshot.records}
        return submissions_csv(snapshot.records, self.settings.window, sights)

    def export_json(self, viewer: str | None = None) -> bytes:
        """Everything on record: every submission with every version, verdict, decision and change, and the
        reviews ``viewer`` may see."""
        snapshot = self.store.snapshot()
        reviewing = self._reviewing(snapshot)
        document = Export(
            conference=self.settings.conference_name,
            deadline=self.settings.deadline,
            exported_at=self.clock.now(),
            submissions=[
                self._detail(
                    submission,
                    versions,
                    snapshot.markers.get(submission.id, set()),
                    snapshot.audit.get(submission.id, []),
                    Sight(viewer, reviewing.get(submission.id, ReviewRecords()), submission),
                )
                for submission, versions in snapshot.records
            ],
        )
        return json.dumps(document.model_dump(mode="json"), ensure_ascii=False, indent=1).encode()

    def pdf_files(self, include_late: bool = False, contents: Contents = "first") -> list[ArchiveEntry]:
        """The upload on record for every live submission (and, with ``include_late``, each late one), or
        the final abstracts or posters of the accepted ones, named as in the archive's zip
        (``cfp.archive``), so a folder of them sorts by id."""
        if contents != "first":
            return select_final_entries(
                self.store.snapshot(), self.settings.final_window, include_late, contents
            )
        return select_entries(self.store.all(), self.settings.window, include_late)

    # ---- the archive of every PDF -------------------------------------------------------------------

    def start_archive(self, request: ArchiveRequest, by: str) -> ArchiveView:
        """Record a job and queue it for the archiver; the console follows it with ``archive``."""
        if self.archive_jobs is None or self.archive_queue is None:
            raise QueueUnavailable("archives are not set up for this console")
        now = self.clock.now()
        job = ArchiveJob(secrets.token_hex(8), request.include_late, by, now, contents=request.contents)
        self.archive_jobs.save_job(job)
        kind = {"first": "PDFs", "finals": "final abstracts", "posters": "posters"}[request.contents]
        what = f"on-time and late {kind}" if request.include_late else f"on-time {kind}"
        self.store.audit(by, "archive requested", f"{job.id}: {what}", now)
        try:
            self.archive_queue.send(job_message(job.id))
        except (PublishFailed, QueueUnavailable):
            self.archive_jobs.fail_job(job.id, 0, "The archive could not be queued; start it again.", now)
            raise
        return view_of(job, now)

    def _job(self, job_id: str) -> ArchiveJob:
        job = self.archive_jobs.job(job_id) if self.archive_jobs else None
        if job is None or job.requested_at + JOB_RECORD_KEEP < self.clock.now():
            raise ArchiveNotFound(f"no archive {job_id}")
        return job

    def archive(self, job_id: str) -> ArchiveView:
        """How far the job has come (ArchiveNotFound for an unknown or forgotten one)."""
        return view_of(self._job(job_id), self.clock.now())

    def archive_link(self, job_id: str) -> PdfLink:
        """A link to the finished zip, presigned now for a few minutes (ArchiveNotReady before it is
        done, ArchiveNotFound once the zip has expired)."""
        job = self._job(job_id)
        if job.state != "done" or job.finished_at is None:
            raise ArchiveNotReady(f"the archive {job_id} is {job.state}, not ready to download")
        if job.finished_at + ARCHIVE_KEEP < self.clock.now():
            raise ArchiveNotFound(f"the archive {job_id} has expired; start a new one")
        key = archive_key(self.settings.archive_prefix, job_id)
        url = self.bucket.download_link(key, None, PDF_LINK_SECONDS)
        return PdfLink(url=url, expires_at=self.clock.now() + timedelta(seconds=PDF_LINK_SECONDS))

    # ---- changes -----------------------------------------------------------------------------------

    def _all_exist(self, ids: list[str]) -> list[tuple[Submission, list[Version]]]:
        """Every named submission, or SubmissionNotFound naming the unknown ones (and nothing changes)."""
        found, missing = [], []
        for submission_id in dict.fromkeys(ids):
            try:
                found.append(self.store.get(submission_id))
            except SubmissionNotFound:
                missing.append(submission_id)
        if missing:
            raise SubmissionNotFound(", ".join(missing))
        return found

    def extend(self, request: ExtensionRequest, by: str) -> list[str]:
        """Give submissions until ``request.until`` (all or, for an unknown id, none): an instant after the
        call's deadline and within a year of it (``cfp.instants``)."""
        records = self._all_exist(request.ids)
        check_extension(request.until, self.settings.deadline)
        now = self.clock.now()
        for submission, _ in records:
            self.store.grant_extension(submission.id, request.until, by, now)
            self.store.audit(by, "extended", f"until {rules.describe(request.until)}", now, submission.id)
        return [s.id for s, _ in records]

    def resend(self, submission_id: str, what: str, by: str) -> str:
        """Send the authors their receipt (without the token, which only they hold) or the verdict of
        what is on record again; returns the event id."""
        submission, versions = self.store.get(submission_id)
        now = self.clock.now()
        current = current_version(submission, versions, self.settings.window)
        if what == "verdict" and (current is None or current.verdict is None or current.object_id is None):
            raise UploadNotFound(f"submission {submission_id} has no verdict on record")
        event = events.resent(
            what,
            submission_id,
            now,
            by,
            current.number if current and what == "verdict" else None,
            current.object_id if current and what == "verdict" else None,
        )
        self.queue.publish(event)
        self.store.audit(by, "resent", what, now, submission_id)
        return event.event_id

    # ---- operations --------------------------------------------------------------------------------

    def reconcile(self, requeue: bool = True) -> Reconciliation:
        """Compare the bucket with the records: re-queue the check of every object with no record or no
        verdict or with facts an older checker measured, and name every record whose object is gone.
        Nothing is ever deleted. The keeper's and the validator's modules (with the S3 event's models) load
        here, not with the API."""
        from cfp.keeper import unrecorded_objects
        from cfp.validation import s3_event_body

        everything = self.store.all()
        listing = self.bucket.list_uploads(self.settings.upload_prefix)
        unrecorded = unrecorded_objects(self.settings.upload_prefix, everything, listing)
        in_bucket = {(o.key, name) for o in listing for name in (o.version_id, o.etag) if name}
        unjudged, missing = [], []
        stored_by_key = {(o.key, o.version_id or o.etag): o for o in listing}
        for submission, versions in everything:
            for v in versions:
                if not v.uploaded:
                    continue
                names = {(v.key, name) for name in (v.version_id, v.etag) if name}
                if not names & in_bucket:
                    missing.append(f"{submission.id} v{v.number} ({v.key})")
                elif v.verdict is None and v.attention is None:
                    stored = stored_by_key.get((v.key, v.version_id or v.etag or ""))
                    if stored is not None:
                        unjudged.append(stored)
        stale = [o for _, o in measured_by_older(everything, listing)]
        requeued = 0
        if requeue and self.validation_queue is not None:
            for stored in [o for _, o in unrecorded] + unjudged + stale:
                self.validation_queue.send(s3_event_body(self.settings.bucket_name, stored))
                requeued += 1
        return Reconciliation(
            unrecorded=[o.key for _, o in unrecorded],
            unjudged=[o.key for o in unjudged],
            missing_files=missing,
            requeued=requeued,
            measured_by_older=[o.key for o in stale],
        )

    def dead_letters(self) -> dict[str, int]:
        """How many messages wait in each dead-letter queue."""
        return {q.name: q.dead_letters.count() for q in self.dead_letter_queues}

    def _dead_letter_queue(self, name: str) -> DeadLetterQueue:
        queue = next((q for q in self.dead_letter_queues if q.name == name), None)
        if queue is None:
            names = ", ".join(q.name for q in self.dead_letter_queues)
            raise QueueNotFound(f"no dead-letter queue {name!r}; there are: {names}")
        return queue

    def dead_letter_messages(self, name: str) -> DeadLetterListing:
        """What waits in one dead-letter queue: how many, and what the oldest are about; nothing moves."""
        queue = self._dead_letter_queue(name)
        count = queue.dead_letters.count()
        peeked = queue.dead_letters.peek(DEAD_LETTERS_SHOWN) if count else []
        earliest = datetime.max.replace(tzinfo=self.clock.now().tzinfo)
        shown = sorted(
            (
                DeadLetterView(
                    message_id=m.message_id,
                    sent_at=m.sent_at,
                    deliveries=m.receive_count,
                    about=describe_dead_letter(m.body, self.settings.upload_prefix),
                )
                for m in peeked
            ),
            key=lambda view: (view.sent_at or earliest, view.message_id),
        )
        return DeadLetterListing(queue=name, count=max(count, len(shown)), shown=shown)

    def redrive(self, name: str, by: str) -> int:
        """Move a dead-letter queue's messages back to their queue; returns how many moved."""
        queue = self._dead_letter_queue(name)
        moved = queue.dead_letters.redrive(queue.source_url)
        self.store.audit(by, "redrove", f"{moved} messages from {name}", self.clock.now())
        return moved
