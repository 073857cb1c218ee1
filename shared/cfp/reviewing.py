"""The organizers' reviewing use cases: write, change and withdraw a review, declare or lift a conflict,
add to the discussion. Who may see what is ``cfp.reviews``'s; each change is kept in the submission's
history with before and after."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Protocol

from cfp import events
from cfp.clock import Clock
from cfp.errors import PublishFailed, SubmissionNotFound, SubmissionWithdrawn
from cfp.events import NotificationEvent
from cfp.model import Submission, Version
from cfp.neutral import neutral
from cfp.observability import logger
from cfp.ports import Bookkeeping, EventPublisher
from cfp.reviews import (
    Comment,
    CommentInput,
    CommentView,
    Conflicted,
    Review,
    ReviewConflict,
    ReviewInput,
    ReviewLocked,
    ReviewRepository,
    ReviewView,
    Sight,
    Standing,
    review_view,
    suggests_conflict,
)


class SubmissionLookup(Protocol):
    """What reviewing needs of a submission: it, and whether its decision's mail went out."""

    def get(self, submission_id: str) -> tuple[Submission, list[Version]]: ...

    def clear_outbox(self, submission_id: str, event_id: str) -> None: ...


def describe_review(before: Review | None, after: Review | None) -> str:
    """A history line's detail: the scores before and after, and which comments changed (not their text,
    which the review itself shows to whoever may read it)."""

    def scores(review: Review | None) -> str:
        return f"score {review.score}, confidence {review.confidence}" if review else "none"

    changed = [
        name
        for name in ("for_authors", "for_organizers")
        if before is not None and after is not None and getattr(before, name) != getattr(after, name)
    ]
    detail = f"{scores(before)} -> {scores(after)}"
    if changed:
        detail += f"; changed {' and '.join(changed)}"
    return detail


@dataclass(frozen=True, kw_only=True)
class Reviewing:
    """The organizers' reviewing use cases."""

    store: SubmissionLookup
    bookkeeping: Bookkeeping
    records: ReviewRepository
    clock: Clock
    queue: EventPublisher

    def _live(self, submission_id: str) -> Submission:
        submission, _ = self.store.get(submission_id)
        if submission.withdrawn:
            raise SubmissionWithdrawn(f"submission {submission_id} was withdrawn")
        return submission

    def _unlocked(self, submission: Submission) -> None:
        """Refuse once a decision on the submission was mailed (even one changed since)."""
        if any(m.startswith("decision:") for m in self.bookkeeping.markers(submission.id)):
            raise ReviewLocked(f"the decision on {submission.id} was released, so its reviews are locked")

    def sight(self, submission_id: str, viewer: str | None) -> Sight:
        submission, _ = self.store.get(submission_id)
        return Sight(viewer, self.records.review_records(submission_id), submission)

    def review(self, submission_id: str, organizer: str, given: ReviewInput) -> ReviewView:
        """Write or change the organizer's review."""
        submission = self._live(submission_id)
        records = self.records.review_records(submission_id)
        if records.conflicted(organizer):
            raise Conflicted(f"you declared a conflict with {submission_id}")
        self._unlocked(submission)
        now = self.clock.now()
        before = records.reviews.get(organizer)
        after = Review(
            organizer=organizer,
            score=given.score,
            confidence=given.confidence,
            for_authors=given.for_authors,
            for_organizers=given.for_organizers,
            created_at=before.created_at if before else now,
            updated_at=now,
        )
        if before is not None and _same(before, after):
            return review_view(before)
        action = "review changed" if before else "review submitted"
        # A first review is news for the digest (a count, naming neither the organizer nor the scores),
        # written with the review and queued after it, or later by the deadline keeper.
        key = hashlib.sha256(organizer.encode()).hexdigest()[:12]
        news = events.reviewed(submission_id, now, key) if before is None else None
        self.records.save_review(submission_id, after, before, action, describe_review(before, after), news)
        if news is not None:
            self._deliver(news)
        return review_view(after)

    def _deliver(self, event: NotificationEvent) -> None:
        if event.submission_id is None:
            return
        try:
            self.queue.publish(event)
        except PublishFailed:
            logger.warning(
                "event left in the outbox for the deadline keeper", extra={"event_id": event.event_id}
            )
            return
        self.store.clear_outbox(event.submission_id, event.event_id)

    def withdraw_review(self, submission_id: str, organizer: str) -> None:
        submission = self._live(submission_id)
        records = self.records.review_records(submission_id)
        if records.conflicted(organizer):
            raise Conflicted(f"you declared a conflict with {submission_id}")
        self._unlocked(submission)
        before = records.reviews.get(organizer)
        if before is None:
            raise SubmissionNotFound(f"you have no review of {submission_id}")
        self.records.delete_review(submission_id, before, describe_review(before, None), self.clock.now())

    def set_conflict(self, submission_id: str, organizer: str, conflicted: bool) -> Standing:
        """Declare a conflict (refused over one's own review: withdraw it first), lift one, or dismiss a
        suggested one."""
        submission, _ = self.store.get(submission_id)
        records = self.records.review_records(submission_id)
        now = self.clock.now()
        if conflicted:
            if organizer in records.reviews:
                raise ReviewConflict(
                    f"you reviewed {submission_id}: withdraw your review before declaring a conflict"
                )
            if not records.conflicted(organizer):
                self.records.set_conflict(submission_id, organizer, "declared", "conflict declared", now)
        elif records.conflicted(organizer):
            self.records.set_conflict(submission_id, organizer, None, "conflict lifted", now)
        elif organizer not in records.conflicts and suggests_conflict(organizer, submission):
            self.records.set_conflict(submission_id, organizer, "dismissed", "conflict dismissed", now)
        return self.sight(submission_id, organizer).standing()

    def comment(self, submission_id: str, organizer: str, given: CommentInput) -> CommentView:
        self._live(submission_id)
        if self.records.review_records(submission_id).conflicted(organizer):
            raise Conflicted(f"you declared a conflict with {submission_id}")
        comment = Comment(secrets.token_hex(6), organizer, given.text, self.clock.now())
        self.records.add_comment(submission_id, comment)
        return CommentView(organizer=organizer, text=neutral(comment.text), at=comment.at)

    def refuse_if_conflicted(self, ids: list[str], organizer: str) -> None:
        """``Conflicted`` naming every submission the organizer declared a conflict with."""
        conflicted = self.records.declared_conflicts(organizer, ids)
        if conflicted:
            raise Conflicted(f"you declared a conflict with {', '.join(i for i in ids if i in conflicted)}")


def _same(a: Review, b: Review) -> bool:
    return (a.score, a.confidence, a.for_authors, a.for_organizers) == (
        b.score,
        b.confidence,
        b.for_authors,
        b.for_organizers,
    )
