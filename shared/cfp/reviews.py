"""Reviews by the organizers: one review per organizer per submission, conflicts, and one discussion thread,
with who may see what decided here, on the server, for every answer that carries any of it.

The rules, for an organizer looking at one submission:

- **Conflicted** (declared by the organizer): the submission's metadata and PDF, nothing else: no reviews,
  scores, aggregates, comments, reviewer names, decision or the history of any of them. Reviewing,
  commenting and deciding are refused (``Conflicted``).
- **Not reviewed yet**: their own comments only, and how many reviews there are; scores stay hidden until
  they have submitted their own review, so every first opinion is independent.
- **Reviewed**: every review, every comment and the aggregates.

A review can be written, changed or withdrawn until the submission's decision is released; then it is
locked (``ReviewLocked``). Every change is kept in the submission's history with before and after.
"""

from __future__ import annotations

import hashlib
import secrets
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from cfp import events
from cfp.clock import Clock
from cfp.errors import PublishFailed, SubmissionNotFound, SubmissionWithdrawn
from cfp.events import NotificationEvent
from cfp.model import Submission, Version
from cfp.neutral import neutral
from cfp.observability import logger
from cfp.ports import AuditEntry, EventPublisher, Snapshot

MAX_COMMENT_CHARS = 5000
SCORES = {
    1: "Reject: not suitable for the workshop",
    2: "Weak reject: below the bar, though it has merit",
    3: "Borderline: could go either way",
    4: "Weak accept: a good poster for the workshop",
    5: "Accept: one of the best submissions",
}
CONFIDENCES = {
    1: "Low: an educated guess",
    2: "Medium: I know the area somewhat",
    3: "High: I know the area well",
    4: "Expert: I work on exactly this",
}
# Mail providers anyone can have an address at: sharing one says nothing about an affiliation.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "yandex.com",
        "yandex.ru",
        "qq.com",
        "163.com",
        "126.com",
        "fastmail.com",
        "zoho.com",
        "hey.com",
        "tutanota.com",
        "example.com",
    }
)
# Audit actions of this module, each visible only where reviews are.
REVIEW_ACTIONS = frozenset({"review submitted", "review changed", "review withdrawn", "comment"})
CONFLICT_ACTIONS = frozenset({"conflict declared", "conflict lifted", "conflict dismissed"})
# What a conflicted organizer may not see in a submission's history besides the reviews: its decision.
DECISION_ACTIONS = frozenset({"decided", "released"})


class Conflicted(Exception):
    """The organizer declared a conflict with the submission: no reviewing, commenting or deciding."""


class ReviewLocked(Exception):
    """The submission's decision is released: its reviews no longer change."""


class ReviewConflict(Exception):
    """What was asked contradicts what stands (a conflict declared over one's own review)."""


def _whole_number(value: object) -> object:
    """A JSON number with no fraction (4 or 4.0, as JSON Schema's "integer" allows); text and true/false
    are refused, where pydantic would read "4" and true as numbers."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a whole number")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("must be a whole number")
    return int(value)


class ReviewInput(BaseModel):
    """An organizer's review: merit and confidence on the form's scales, and comments for the authors (which
    a decision mail may carry) and for the organizers (which never leave the console)."""

    model_config = ConfigDict(extra="forbid")

    score: Annotated[
        int,
        Field(ge=1, le=5, description="Overall merit: " + "; ".join(f"{k} {v}" for k, v in SCORES.items())),
    ]
    confidence: Annotated[
        int,
        Field(ge=1, le=4, description="Confidence: " + "; ".join(f"{k} {v}" for k, v in CONFIDENCES.items())),
    ]
    for_authors: Annotated[str, Field(max_length=MAX_COMMENT_CHARS)] = ""
    for_organizers: Annotated[str, Field(max_length=MAX_COMMENT_CHARS)] = ""

    @field_validator("score", "confidence", mode="before")
    @classmethod
    def _whole(cls, value: object) -> object:
        return _whole_number(value)

    @field_validator("for_authors", "for_organizers")
    @classmethod
    def _encodable(cls, value: str) -> str:
        value.encode("utf-8")
        return value.strip()


class ConflictInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conflicted: StrictBool = Field(
        description="true declares a conflict; false lifts it (or dismisses a suggested one)."
    )


class CommentInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(min_length=1, max_length=MAX_COMMENT_CHARS)]

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value.encode("utf-8")
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


@dataclass(frozen=True)
class Review:
    organizer: str
    score: int
    confidence: int
    for_authors: str
    for_organizers: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Comment:
    id: str
    organizer: str
    text: str
    at: datetime


@dataclass
class ReviewRecords:
    """What is on record about one submission's reviewing. ``conflicts`` maps an organizer to "declared"
    or "dismissed" (a suggested conflict they said is none)."""

    reviews: dict[str, Review] = field(default_factory=dict)
    conflicts: dict[str, str] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)

    def conflicted(self, organizer: str) -> bool:
        return self.conflicts.get(organizer) == "declared"


class ReviewView(BaseModel):
    organizer: str
    score: int
    confidence: int
    for_authors: str
    for_organizers: str
    updated_at: datetime


class CommentView(BaseModel):
    organizer: str
    text: str
    at: datetime


class Standing(BaseModel):
    """What one organizer may know of a submission's reviewing (None: may not see it)."""

    conflicted: bool = Field(description="The signed-in organizer declared a conflict with it.")
    conflict_suggested: bool = Field(
        description="An author's address shares the organizer's institutional domain; confirm or dismiss."
    )
    review_count: int | None
    score_mean: float | None
    score_min: int | None
    score_max: int | None
    score_spread: int | None = Field(description="Highest score minus lowest.")
    my_score: int | None


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().lower().rstrip(".")


def suggests_conflict(organizer: str, submission: Submission) -> bool:
    """Whether an author's (or the contact's) address shares the organizer's institutional domain: the
    same domain, or one within the other (cs.example.edu and example.edu); never a public mail provider."""
    mine = _domain(organizer)
    if not mine or mine in PUBLIC_MAIL_DOMAINS:
        return False
    addresses = [submission.contact_email, *(a.email for a in submission.authors if a.email)]
    for address in addresses:
        theirs = _domain(address)
        if theirs in PUBLIC_MAIL_DOMAINS or not theirs:
            continue
        if theirs == mine or theirs.endswith("." + mine) or mine.endswith("." + theirs):
            return True
    return False


@dataclass(frozen=True)
class Sight:
    """What one organizer sees of one submission's reviewing, computed once for every answer."""

    viewer: str | None
    records: ReviewRecords
    submission: Submission

    @property
    def conflicted(self) -> bool:
        return self.viewer is not None and self.records.conflicted(self.viewer)

    @property
    def sees_reviews(self) -> bool:
        """An organizer without a conflict who has submitted a review of their own."""
        return self.viewer is not None and not self.conflicted and self.viewer in self.records.reviews

    @property
    def sees_decision(self) -> bool:
        return not self.conflicted

    def reviews(self) -> list[ReviewView]:
        if self.viewer is None or self.conflicted:
            return []
        shown = self.records.reviews.values() if self.sees_reviews else []
        return [
            ReviewView(
                organizer=r.organizer,
                score=r.score,
                confidence=r.confidence,
                for_authors=neutral(r.for_authors),
                for_organizers=neutral(r.for_organizers),
                updated_at=r.updated_at,
            )
            for r in sorted(shown, key=lambda r: (r.created_at, r.organizer))
        ]

    def comments(self) -> list[CommentView]:
        if self.viewer is None or self.conflicted:
            return []
        return [
            CommentView(organizer=c.organizer, text=neutral(c.text), at=c.at)
            for c in sorted(self.records.comments, key=lambda c: (c.at, c.id))
            if self.sees_reviews or c.organizer == self.viewer
        ]

    def standing(self) -> Standing:
        viewer = self.viewer
        suggested = (
            viewer is not None
            and viewer not in self.records.conflicts
            and suggests_conflict(viewer, self.submission)
        )
        if viewer is None or self.conflicted:
            return Standing(
                conflicted=self.conflicted,
                conflict_suggested=False,
                review_count=None,
                score_mean=None,
                score_min=None,
                score_max=None,
                score_spread=None,
                my_score=None,
            )
        scores = [r.score for r in self.records.reviews.values()]
        own = self.records.reviews.get(viewer)
        shown = self.sees_reviews and bool(scores)
        return Standing(
            conflicted=False,
            conflict_suggested=suggested,
            review_count=len(scores),
            score_mean=round(statistics.fmean(scores), 2) if shown else None,
            score_min=min(scores) if shown else None,
            score_max=max(scores) if shown else None,
            score_spread=max(scores) - min(scores) if shown else None,
            my_score=own.score if own else None,
        )

    def history(self, entries: Iterable[AuditEntry]) -> list[AuditEntry]:
        """The submission's history as this organizer may read it: no one else's reviewing before their own
        review, and for a conflicted organizer nothing of reviews, conflicts or the decision."""
        shown = []
        for entry in entries:
            if entry.action in REVIEW_ACTIONS | CONFLICT_ACTIONS:
                if self.viewer is None:
                    continue
                if entry.by != self.viewer and not self.sees_reviews:
                    continue
            if entry.action in DECISION_ACTIONS and not self.sees_decision:
                continue
            shown.append(entry)
        return shown


class ReviewRepository(Protocol):
    """Where reviews, conflicts and comments are kept, each change with its audit entry in one write."""

    def review_records(self, submission_id: str) -> ReviewRecords: ...

    def save_review(
        self,
        submission_id: str,
        review: Review,
        before: Review | None,
        action: str,
        detail: str,
        outbox: NotificationEvent | None = None,
    ) -> None: ...

    def delete_review(self, submission_id: str, before: Review, detail: str, now: datetime) -> None: ...

    def set_conflict(
        self, submission_id: str, organizer: str, state: str | None, action: str, now: datetime
    ) -> None: ...

    def add_comment(self, submission_id: str, comment: Comment) -> None: ...

    def from_snapshot(self, snapshot: Snapshot) -> dict[str, ReviewRecords]:
        """Every submission's reviewing, from a snapshot of the whole table."""
        ...

    def declared_conflicts(self, organizer: str, ids: list[str]) -> set[str]:
        """Which of ``ids`` the organizer declared a conflict with."""
        ...


class SubmissionLookup(Protocol):
    """What reviewing needs of a submission: it, and whether its decision's mail went out."""

    def get(self, submission_id: str) -> tuple[Submission, list[Version]]: ...

    def markers(self, submission_id: str) -> set[str]: ...

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


@dataclass(frozen=True)
class Reviewing:
    """The organizers' reviewing use cases."""

    store: SubmissionLookup
    records: ReviewRepository
    clock: Clock
    queue: EventPublisher | None = None

    def _live(self, submission_id: str) -> Submission:
        submission, _ = self.store.get(submission_id)
        if submission.withdrawn:
            raise SubmissionWithdrawn(f"submission {submission_id} was withdrawn")
        return submission

    def _unlocked(self, submission: Submission) -> None:
        """Refuse once a decision on the submission was mailed (even one changed since)."""
        if any(m.startswith("decision:") for m in self.store.markers(submission.id)):
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
            return _view(before)
        action = "review changed" if before else "review submitted"
        # A first review is news for the digest (a count, naming neither the organizer nor the scores),
        # written with the review and queued after it, or later by the deadline keeper.
        key = hashlib.sha256(organizer.encode()).hexdigest()[:12]
        news = events.reviewed(submission_id, now, key) if before is None else None
        self.records.save_review(submission_id, after, before, action, describe_review(before, after), news)
        if news is not None:
            self._deliver(news)
        return _view(after)

    def _deliver(self, event: NotificationEvent) -> None:
        if self.queue is None or event.submission_id is None:
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


def _view(review: Review) -> ReviewView:
    return ReviewView(
        organizer=review.organizer,
        score=review.score,
        confidence=review.confidence,
        for_authors=neutral(review.for_authors),
        for_organizers=neutral(review.for_organizers),
        updated_at=review.updated_at,
    )
