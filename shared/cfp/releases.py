"""Decisions and their release, independent of HTTP: what the console's decision and release routes and
``cfp admin decide/send-decisions`` do.

A decision reaches no author until it is released. Every change of a submission's decision (or its note)
is a new version of it. A release is recorded when it is previewed: the exact submissions and decision
versions the preview showed are frozen in it, and starting the release names it, so it sends what was
previewed and nothing decided since. Each version's mail is claimed by one conditional write (the marker,
the event in the outbox and the audit entry together, only while that version stands), so releases run at
once, a release processed twice or resumed after a fault each mail, report and audit a version once. A
decision changed after its mail went out is released again as a correction, which the authors receive once.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict, Field

from cfp import events
from cfp.clock import Clock
from cfp.errors import QueueUnavailable
from cfp.events import NotificationEvent
from cfp.model import Decision, Submission
from cfp.observability import logger
from cfp.ports import JobQueue, SubmissionRepository

if TYPE_CHECKING:
    from cfp.mail.render import MailRenderer

NOTE_MAX = 2000
# Up to this many submissions are decided within the request, in one transaction (all or none at once);
# more are recorded whole as a job and applied off the request path.
DECIDE_AT_ONCE = 50
# Claims are written this many at a time (four items each, a transaction holds 100), and progress is
# recorded after each such part, so a release of thousands shows it moving.
PROGRESS_EVERY = 25


class ReleaseNotFound(Exception):
    """No release (or decision job) with that id, or it was forgotten."""


class ReleaseStarted(Exception):
    """The release was started already: a preview is sent once."""


def decision_marker(version: int, outcome: str) -> str:
    """The once-only marker of one decision version's mail (version 0: a decision recorded before versions
    were counted, marked by its outcome as it was then)."""
    return f"decision:v{version}" if version else f"decision:{outcome}"


def decision_sent(submission: Submission, markers: set[str]) -> bool:
    """Whether the decision standing now was mailed (an earlier one may have been)."""
    return submission.decision is not None and (
        decision_marker(submission.decision_version, submission.decision.value) in markers
    )


@dataclass(frozen=True)
class Claim:
    """One decision version a release would send."""

    release_id: str
    submission_id: str
    version: int
    decision: str


@dataclass(frozen=True)
class DecisionJob:
    """A decision on more submissions than one transaction holds, recorded whole (every id checked first)
    and applied off the request path; applying it again changes nothing twice."""

    id: str
    by: str
    decision: str
    note: str
    created_at: datetime
    ids: tuple[str, ...]
    state: str = "applying"  # applying or done
    done: int = 0
    finished_at: datetime | None = None
    message: str = ""


@dataclass(frozen=True)
class ReleaseRecord:
    """A release as recorded: what its preview showed, frozen, and how far its sending has come."""

    id: str
    previewed_by: str
    created_at: datetime
    items: tuple[Claim, ...]
    state: str = "previewed"  # previewed, queued, sending or done
    started_by: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    done: int = 0
    sent: tuple[str, ...] = ()
    message: str = ""


class DecisionRecords(Protocol):
    """Decisions, their once-only sending and the release records (``cfp.decision_store``)."""

    def check_live(self, ids: list[str]) -> None: ...

    def apply_decision(
        self,
        ids: list[str],
        decision: str,
        note: str,
        by: str,
        now: datetime,
        request: str,
        progress: Callable[[int], None] | None = None,
    ) -> None: ...

    def save_decision_job(self, job: DecisionJob) -> None: ...

    def decision_job(self, job_id: str) -> DecisionJob | None: ...

    def decision_progress(self, job_id: str, done: int, message: str = "") -> None: ...

    def finish_decision_job(self, job_id: str, now: datetime) -> bool: ...

    def unstart_release(self, release_id: str) -> None: ...

    def claimed_before(self, claim: Claim, event_id: str) -> tuple[bool, bool]: ...

    def claim_many(
        self, claims: list[tuple[Claim, NotificationEvent]], by: str, now: datetime
    ) -> set[str]: ...

    def clear_outboxes(self, events: list[tuple[str, str]]) -> None: ...

    def save_release(self, record: ReleaseRecord) -> None: ...

    def release(self, release_id: str) -> ReleaseRecord | None: ...

    def start_release(self, release_id: str, by: str, now: datetime) -> bool: ...

    def release_progress(self, release_id: str, done: int, sent: list[str], message: str = "") -> None: ...

    def finish_release(self, release_id: str, done: int, now: datetime) -> bool: ...


class DecisionPublisher(Protocol):
    """The notification queue, taking a part of a release's events at once (``cfp.queues``)."""

    def publish_many(self, events: list[NotificationEvent]) -> list[str]: ...


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=5000)
    decision: Decision
    note: str = Field(default="", max_length=NOTE_MAX)


class Decided(BaseModel):
    decided: list[str]
    job: str | None = Field(
        default=None, description="With many submissions: the job applying them, to follow (state applying)."
    )
    state: str = Field(default="done", description="done, or applying while the job applies them.")


class DecisionJobView(BaseModel):
    id: str
    state: str = Field(description="applying or done.")
    decision: Decision
    by: str
    created_at: datetime
    finished_at: datetime | None
    total: int
    done: int = Field(description="Of them, how many are applied.")
    message: str


class MailPreview(BaseModel):
    decision: Decision
    count: int = Field(description="Mails of this kind the release would send.")
    example_id: str
    subject: str
    text: str


class ReleasePreview(BaseModel):
    release_id: str = Field(description="Name it to send exactly these mails.")
    pending: int
    undecided: int
    corrections: int = Field(description="Of the pending, decisions changed after their mail went out.")
    mails: list[MailPreview]


class ReleaseChanges(BaseModel):
    """What changed between the preview and the start of its release."""

    decided_since: list[str] = Field(description="Decided after the preview: not in it; release again.")
    changed_since: list[str] = Field(
        description="In the preview, but changed or withdrawn since: left out; release again."
    )
    sent_since: list[str] = Field(description="In the preview, but mailed by another release since.")


class ReleaseView(BaseModel):
    id: str
    state: str = Field(description="previewed, queued, sending or done.")
    previewed_by: str
    created_at: datetime
    started_by: str | None
    started_at: datetime | None
    finished_at: datetime | None
    total: int = Field(description="Decision mails the preview showed.")
    done: int = Field(description="Of them, how many were gone through.")
    sent: list[str] = Field(description="Submissions whose decision mail this release sent.")
    message: str
    changes: ReleaseChanges | None = Field(default=None, description="Given when the release starts.")


def view_of(record: ReleaseRecord, changes: ReleaseChanges | None = None) -> ReleaseView:
    return ReleaseView(
        id=record.id,
        state=record.state,
        previewed_by=record.previewed_by,
        created_at=record.created_at,
        started_by=record.started_by,
        started_at=record.started_at,
        finished_at=record.finished_at,
        total=len(record.items),
        done=record.done,
        sent=list(record.sent),
        message=record.message,
        changes=changes,
    )


def job_message(kind: str, job_id: str) -> str:
    """The message that has the releaser apply a decision job or send a release."""
    return json.dumps({kind: job_id})


@dataclass(frozen=True)
class Releases:
    """``jobs`` queues work for the releaser function; without it (an operator's tool against a stack
    that has no release queue) the work is done at once, in the caller."""

    store: SubmissionRepository
    records: DecisionRecords
    queue: DecisionPublisher
    renderer: MailRenderer
    clock: Clock
    jobs: JobQueue | None = None

    def decide(self, request: DecisionRequest, by: str) -> Decided:
        """Record a decision on each submission: all or, for an unknown or withdrawn one, none. Many are
        recorded whole as a job that the releaser applies (``decision_job`` follows it)."""
        ids = list(dict.fromkeys(request.ids))
        self.records.check_live(ids)
        now, note = self.clock.now(), request.note.strip()
        job = DecisionJob(secrets.token_hex(8), by, request.decision.value, note, now, tuple(ids))
        if len(ids) <= DECIDE_AT_ONCE or self.jobs is None:
            self.records.apply_decision(ids, job.decision, note, by, now, job.id)
            return Decided(decided=ids)
        self.records.save_decision_job(job)
        self.jobs.send(job_message("decision_job", job.id))
        return Decided(decided=ids, job=job.id, state="applying")

    def decision_job(self, job_id: str) -> DecisionJobView:
        job = self.records.decision_job(job_id)
        if job is None:
            raise ReleaseNotFound(f"no decision job {job_id}")
        return DecisionJobView(
            id=job.id,
            state=job.state,
            decision=Decision(job.decision),
            by=job.by,
            created_at=job.created_at,
            finished_at=job.finished_at,
            total=len(job.ids),
            done=len(job.ids) if job.state == "done" else job.done,
            message=job.message,
        )

    def apply_decision_job(self, job_id: str) -> None:
        """Apply a recorded decision job (the releaser); applying it again changes nothing twice."""
        job = self.records.decision_job(job_id)
        if job is None:
            logger.warning("a decision job the table no longer holds", extra={"job": job_id})
            return
        if job.state == "done":
            return
        self.records.apply_decision(
            list(job.ids),
            job.decision,
            job.note,
            job.by,
            job.created_at,
            job.id,
            lambda done: self.records.decision_progress(job_id, done),
        )
        self.records.finish_decision_job(job_id, self.clock.now())

    def _pending(self) -> tuple[list[tuple[Submission, bool]], int]:
        """Live submissions whose standing decision was not mailed (each with whether it corrects one
        that was), and how many live ones are undecided."""
        snapshot = self.store.snapshot()
        pending, undecided = [], 0
        for submission, _ in snapshot.records:
            if submission.withdrawn:
                continue
            markers = snapshot.markers.get(submission.id, set())
            if submission.decision is None:
                undecided += 1
            elif not decision_sent(submission, markers):
                pending.append((submission, any(m.startswith("decision:") for m in markers)))
        return pending, undecided

    def preview(self, by: str) -> ReleasePreview:
        """Record a release of every decision not mailed yet, and show one example of each kind of mail."""
        pending, undecided = self._pending()
        release_id = secrets.token_hex(8)
        items = tuple(
            Claim(release_id, s.id, s.decision_version, s.decision.value) for s, _ in pending if s.decision
        )
        self.records.save_release(ReleaseRecord(release_id, by, self.clock.now(), items))
        mails = []
        for decision in Decision:
            kind = [(s, corrected) for s, corrected in pending if s.decision is decision]
            if kind:
                example, corrected = kind[0]
                mail = self.renderer.decision(example, decision, example.decision_note, corrected)
                mails.append(
                    MailPreview(
                        decision=decision,
                        count=len(kind),
                        example_id=example.id,
                        subject=mail.subject,
                        text=mail.text,
                    )
                )
        return ReleasePreview(
            release_id=release_id,
            pending=len(pending),
            undecided=undecided,
            corrections=sum(1 for _, corrected in pending if corrected),
            mails=mails,
        )

    def _record(self, release_id: str) -> ReleaseRecord:
        record = self.records.release(release_id)
        if record is None:
            raise ReleaseNotFound(f"no release {release_id}; preview the release again")
        return record

    def view(self, release_id: str) -> ReleaseView:
        return view_of(self._record(release_id))

    def start(self, release_id: str, by: str) -> ReleaseView:
        """Start sending exactly what the preview showed (ReleaseStarted if it was started before), and
        say what changed since the preview."""
        record = self._record(release_id)
        now = self.clock.now()
        if not self.records.start_release(release_id, by, now):
            raise ReleaseStarted(f"the release {release_id} was started already; preview again")
        changes = self._changes(record)
        if self.jobs is None:
            self.process(release_id)
        else:
            try:
                self.jobs.send(job_message("release_id", release_id))
            except QueueUnavailable:
                self.records.unstart_release(release_id)
                raise
        self.store.audit(by, "release started", f"{release_id}: {len(record.items)} decision mails", now)
        return view_of(self._record(release_id), changes)

    def _changes(self, record: ReleaseRecord) -> ReleaseChanges:
        snapshot = self.store.snapshot()
        frozen = {(c.submission_id, c.version) for c in record.items}
        in_preview = {c.submission_id for c in record.items}
        current = {s.id: s for s, _ in snapshot.records}
        decided_since: list[str] = []
        changed_since: list[str] = []
        sent_since: list[str] = []
        for submission_id, submission in current.items():
            if submission.withdrawn or submission.decision is None:
                continue
            sent = decision_sent(submission, snapshot.markers.get(submission_id, set()))
            if (submission_id, submission.decision_version) not in frozen and not sent:
                (changed_since if submission_id in in_preview else decided_since).append(submission_id)
        for claim in record.items:
            now_on_record = current.get(claim.submission_id)
            if now_on_record is None or now_on_record.withdrawn:
                changed_since.append(claim.submission_id)
            elif now_on_record.decision_version == claim.version and decision_sent(
                now_on_record, snapshot.markers.get(claim.submission_id, set())
            ):
                sent_since.append(claim.submission_id)
        return ReleaseChanges(
            decided_since=sorted(decided_since),
            changed_since=sorted(set(changed_since)),
            sent_since=sorted(sent_since),
        )

    def _event(
        self, claim: Claim, submission: Submission | None, markers: dict[str, set[str]]
    ) -> NotificationEvent | None:
        """The decision event of a frozen version, if that version still stands on a live submission."""
        if (
            submission is None
            or submission.withdrawn
            or submission.decision_version != claim.version
            or submission.decision is None
            or submission.decision.value != claim.decision
        ):
            return None
        # Any other decision mail sent before makes this one a correction.
        earlier = markers.get(claim.submission_id, set()) - {decision_marker(claim.version, claim.decision)}
        return events.decision(
            claim.submission_id,
            claim.decision,
            submission.decision_note,
            self.clock.now(),
            claim.version,
            corrected=any(m.startswith("decision:") for m in earlier),
        )

    def process(self, release_id: str) -> ReleaseView | None:
        """Send each frozen decision version whose claim this release wins; safe to run again or at the
        same time as another run (each claim is won once), and resumed from the start after a fault."""
        record = self.records.release(release_id)
        if record is None:
            logger.warning("a release the table no longer holds", extra={"release": release_id})
            return None
        if record.state == "done":
            return view_of(record)
        by = record.started_by or record.previewed_by
        snapshot = self.store.snapshot()
        current = {s.id: s for s, _ in snapshot.records}
        unreported: list[str] = []
        for start in range(0, len(record.items), PROGRESS_EVERY):
            chunk = record.items[start : start + PROGRESS_EVERY]
            wanted = [
                (claim, self._event(claim, current.get(claim.submission_id), snapshot.markers))
                for claim in chunk
            ]
            standing = [(claim, event) for claim, event in wanted if event is not None]
            won = self.records.claim_many(standing, by, self.clock.now())
            unqueued: list[NotificationEvent] = []
            for claim, event in standing:
                ours, waiting = (
                    (True, True)
                    if claim.submission_id in won
                    else self.records.claimed_before(claim, event.event_id)
                )
                if waiting:
                    unqueued.append(event)
                if ours:
                    unreported.append(claim.submission_id)
            queued = set(self.queue.publish_many(unqueued))
            self.records.clear_outboxes(
                [(str(e.submission_id), e.event_id) for e in unqueued if e.event_id in queued]
            )
            self.records.release_progress(release_id, start + len(chunk), unreported)
            unreported = []
        now = self.clock.now()
        self.records.release_progress(release_id, len(record.items), unreported)
        finished = self.records.finish_release(release_id, len(record.items), now)
        record = self._record(release_id)
        if finished:
            kinds = Counter(c.decision for c in record.items if c.submission_id in set(record.sent))
            detail = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())) or "nothing new"
            self.store.audit(
                by, "released", f"{release_id}: {len(record.sent)} decision mails ({detail})", now
            )
        return view_of(record)
