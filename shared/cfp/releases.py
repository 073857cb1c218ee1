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

import secrets
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from cfp import events
from cfp.clock import Clock
from cfp.errors import QueueUnavailable
from cfp.events import NotificationEvent
from cfp.model import Decision, Submission
from cfp.neutral import neutral, neutral_submission
from cfp.observability import logger
from cfp.ports import Bookkeeping, JobQueue, Snapshot, SubmissionRepository
from cfp.release_records import (
    Claim,
    Decided,
    DecisionJob,
    DecisionJobView,
    DecisionPublisher,
    DecisionRecords,
    DecisionRequest,
    MailPreview,
    ReleaseChanges,
    ReleaseNotFound,
    ReleasePreview,
    ReleaseRecord,
    ReleaseStarted,
    ReleaseView,
    decision_marker,
    decision_sent,
    job_message,
    view_of,
)
from cfp.reviews import Conflicted, ReviewRecords

if TYPE_CHECKING:
    from cfp.mail.render import MailRenderer

# Up to this many submissions are decided within the request, in one transaction (all or none at once);
# more are recorded whole as a job and applied off the request path.
DECIDE_AT_ONCE = 50
# Claims are written this many at a time (four items each, a transaction holds 100), and progress is
# recorded after each such part, so a release of thousands shows it moving.
PROGRESS_EVERY = 25


class ReviewLookup(Protocol):
    def declared_conflicts(self, organizer: str, ids: list[str]) -> set[str]: ...

    def from_snapshot(self, snapshot: Snapshot) -> dict[str, ReviewRecords]: ...

    def review_records(self, submission_id: str) -> ReviewRecords: ...


def comments_for_authors(records: ReviewRecords | None) -> list[str]:
    """The reviews' comments for the authors, in the order the reviews came, without names or scores."""
    if records is None:
        return []
    reviews = sorted(records.reviews.values(), key=lambda r: (r.created_at, r.organizer))
    return [r.for_authors for r in reviews if r.for_authors.strip()]


@dataclass(frozen=True, kw_only=True)
class Releases:
    """``jobs`` queues many decisions for the releaser function; the releaser itself, which applies them,
    has none (a request it were given would be applied at once, in the caller)."""

    store: SubmissionRepository
    bookkeeping: Bookkeeping
    records: DecisionRecords
    queue: DecisionPublisher
    renderer: MailRenderer
    clock: Clock
    reviews: ReviewLookup
    jobs: JobQueue | None = None

    def decide(self, request: DecisionRequest, by: str) -> Decided:
        """Record a decision on each submission: all or, for an unknown or withdrawn one, or one the
        organizer declared a conflict with (``Conflicted``), none. Many are recorded whole as a job that
        the releaser applies (``decision_job`` follows it)."""
        ids = list(dict.fromkeys(request.ids))
        self.records.check_live(ids)
        conflicted = self.reviews.declared_conflicts(by, ids)
        if conflicted:
            named = ", ".join(i for i in ids if i in conflicted)
            raise Conflicted(f"you declared a conflict with {named}: another organizer decides it")
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

    def preview(self, by: str, with_reviews: bool = False) -> ReleasePreview:
        """Record a release of every decision not mailed yet (each mail with the reviews' comments for the
        authors when asked), and show one example of each kind of mail."""
        pending, undecided = self._pending()
        release_id = secrets.token_hex(8)
        items = tuple(
            Claim(release_id, s.id, s.decision_version, s.decision.value) for s, _ in pending if s.decision
        )
        record = ReleaseRecord(release_id, by, self.clock.now(), items, with_reviews=with_reviews)
        self.records.save_release(record)
        # The organizer previewing sees nothing of a decision on a submission they declared a conflict
        # with: those mails are counted apart, with no kind and no example.
        hidden = self.reviews.declared_conflicts(by, [s.id for s, _ in pending])
        mails = []
        for decision in Decision:
            kind = [
                (s, corrected) for s, corrected in pending if s.decision is decision and s.id not in hidden
            ]
            if kind:
                example, corrected = kind[0]
                # Organizers read the example: authors' text with its direction controls written out.
                shown = neutral_submission(example)
                comments = (
                    [neutral(c) for c in comments_for_authors(self.reviews.review_records(example.id))]
                    if with_reviews
                    else []
                )
                mail = self.renderer.decision(shown, decision, shown.decision_note, corrected, comments)
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
            with_reviews=with_reviews,
            pending=len(pending),
            undecided=undecided,
            corrections=sum(1 for s, corrected in pending if corrected and s.id not in hidden),
            conflicted=len(hidden),
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
        self.bookkeeping.audit(
            by, "release started", f"{release_id}: {len(record.items)} decision mails", now
        )
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
        self,
        claim: Claim,
        submission: Submission | None,
        markers: dict[str, set[str]],
        comments: list[str] | None = None,
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
            comments=comments,
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
        reviewing = self.reviews.from_snapshot(snapshot) if record.with_reviews else {}
        unreported: list[str] = []
        for start in range(0, len(record.items), PROGRESS_EVERY):
            chunk = record.items[start : start + PROGRESS_EVERY]
            wanted = [
                (
                    claim,
                    self._event(
                        claim,
                        current.get(claim.submission_id),
                        snapshot.markers,
                        comments_for_authors(reviewing.get(claim.submission_id))
                        if record.with_reviews
                        else None,
                    ),
                )
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
            self.bookkeeping.audit(
                by, "released", f"{release_id}: {len(record.sent)} decision mails ({detail})", now
            )
        return view_of(record)
