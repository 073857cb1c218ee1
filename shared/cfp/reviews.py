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
locked (``ReviewLocked``). The use cases that write them are ``cfp.reviewing``'s.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from cfp.events import NotificationEvent
from cfp.model import Submission
from cfp.neutral import neutral
from cfp.ports import AuditEntry, Snapshot

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


# The aggregates a list row and an export carry, in Standing's order.
AGGREGATES = ("review_count", "score_mean", "score_min", "score_max", "score_spread", "my_score")


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
        return [review_view(r) for r in sorted(shown, key=lambda r: (r.created_at, r.organizer))]

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


def review_view(review: Review) -> ReviewView:
    """A review as an answer carries it: its text with direction controls written out (``cfp.neutral``)."""
    return ReviewView(
        organizer=review.organizer,
        score=review.score,
        confidence=review.confidence,
        for_authors=neutral(review.for_authors),
        for_organizers=neutral(review.for_organizers),
        updated_at=review.updated_at,
    )
