"""The reviewing rules on in-memory fakes: who sees what, what is refused, what the history keeps."""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

import pytest

from cfp.clock import FixedClock
from cfp.errors import SubmissionNotFound, SubmissionWithdrawn
from cfp.model import Author
from cfp.ports import AuditEntry
from cfp.reviewing import Reviewing
from cfp.reviews import (
    CommentInput,
    Conflicted,
    ReviewConflict,
    ReviewInput,
    ReviewLocked,
    Sight,
    suggests_conflict,
)
from tests.support.fakes import FakeBookkeeping, FakeQueue, FakeReviews, FakeStore, _Record
from tests.support.records import T0, submission

A, B, C = "a@uni.edu", "b@lab.org", "c@lab.org"


class Desk(NamedTuple):
    reviewing: Reviewing
    store: FakeStore
    reviews: FakeReviews
    clock: FixedClock


@pytest.fixture
def desk() -> Desk:
    store, reviews, clock = FakeStore(), FakeReviews(), FixedClock(T0)
    store.records["poster"] = _Record(submission(id="poster"))
    return Desk(
        Reviewing(
            store=store, bookkeeping=FakeBookkeeping(store), records=reviews, clock=clock, queue=FakeQueue()
        ),
        store,
        reviews,
        clock,
    )


def given(score: int = 3, confidence: int = 2, **text: str) -> ReviewInput:
    return ReviewInput(score=score, confidence=confidence, **text)


def test_scores_stay_hidden_until_the_organizer_reviews(desk: Desk) -> None:
    reviewing = desk.reviewing
    reviewing.review("poster", A, given(5, for_organizers="private"))
    reviewing.comment("poster", A, CommentInput(text="first"))
    desk.clock.advance(timedelta(seconds=1))
    reviewing.comment("poster", B, CommentInput(text="mine"))
    before = reviewing.sight("poster", B)
    assert before.reviews() == []
    assert [c.text for c in before.comments()] == ["mine"]
    standing = before.standing()
    assert standing.review_count == 1 and standing.score_mean is None and standing.my_score is None
    reviewing.review("poster", B, given(2))
    after = reviewing.sight("poster", B)
    assert sorted(r.organizer for r in after.reviews()) == [A, B]
    assert [c.text for c in after.comments()] == ["first", "mine"]
    standing = after.standing()
    assert (standing.score_mean, standing.score_min, standing.score_max, standing.score_spread) == (
        3.5,
        2,
        5,
        3,
    )
    assert standing.my_score == 2


def test_a_conflicted_organizer_sees_and_does_nothing(desk: Desk) -> None:
    reviewing = desk.reviewing
    reviewing.review("poster", A, given())
    reviewing.set_conflict("poster", C, True)
    sight = reviewing.sight("poster", C)
    assert sight.conflicted and not sight.sees_decision
    assert sight.reviews() == [] and sight.comments() == []
    assert sight.standing().review_count is None
    for attempt in (
        lambda: reviewing.review("poster", C, given()),
        lambda: reviewing.comment("poster", C, CommentInput(text="x")),
        lambda: reviewing.refuse_if_conflicted(["poster"], C),
    ):
        with pytest.raises(Conflicted):
            attempt()
    history = [
        AuditEntry(T0, A, "review submitted", ""),
        AuditEntry(T0, A, "decided", "accepted"),
        AuditEntry(T0, A, "extended", "until then"),
        AuditEntry(T0, C, "conflict declared", ""),
    ]
    assert [h.action for h in sight.history(history)] == ["extended", "conflict declared"]
    reviewing.set_conflict("poster", C, False)
    assert not reviewing.sight("poster", C).conflicted


def test_a_conflict_over_ones_own_review_is_refused(desk: Desk) -> None:
    reviewing = desk.reviewing
    reviewing.review("poster", A, given())
    with pytest.raises(ReviewConflict):
        reviewing.set_conflict("poster", A, True)


def test_reviews_lock_once_a_decision_mail_went(desk: Desk) -> None:
    reviewing = desk.reviewing
    reviewing.review("poster", A, given())
    desk.store.marked["poster"] = {"decision:v1"}
    with pytest.raises(ReviewLocked):
        reviewing.review("poster", A, given(4))
    with pytest.raises(ReviewLocked):
        reviewing.withdraw_review("poster", A)


def test_every_change_is_audited_and_an_unchanged_review_is_not(desk: Desk) -> None:
    reviewing = desk.reviewing
    reviewing.review("poster", A, given(3))
    reviewing.review("poster", A, given(3))
    desk.clock.advance(timedelta(minutes=1))
    reviewing.review("poster", A, given(4, for_authors="better"))
    reviewing.withdraw_review("poster", A)
    assert [(e.action, e.detail) for _, e in desk.reviews.audited] == [
        ("review submitted", "none -> score 3, confidence 2"),
        ("review changed", "score 3, confidence 2 -> score 4, confidence 2; changed for_authors"),
        ("review withdrawn", "score 4, confidence 2 -> none"),
    ]
    with pytest.raises(SubmissionNotFound):
        reviewing.withdraw_review("poster", A)


def test_a_withdrawn_submission_takes_no_review(desk: Desk) -> None:
    reviewing = desk.reviewing
    desk.store.records["poster"].submission = submission(id="poster", withdrawn_at=T0)
    with pytest.raises(SubmissionWithdrawn):
        reviewing.review("poster", A, given())


@pytest.mark.parametrize(
    ("organizer", "authors", "suggested"),
    [
        ("pc@cs.uni.edu", ["x@uni.edu"], True),
        ("pc@uni.edu", ["x@cs.uni.edu"], True),
        ("pc@uni.edu", ["x@UNI.EDU"], True),
        ("pc@uni.edu", ["x@otheruni.edu"], False),
        ("pc@gmail.com", ["x@gmail.com"], False),
        ("pc@uni.edu", ["x@gmail.com"], False),
    ],
)
def test_a_conflict_is_suggested_by_institutional_domain(
    organizer: str, authors: list[str], suggested: bool
) -> None:
    poster = submission(
        contact_email="contact@example.net", authors=[Author(name="X", email=e) for e in authors]
    )
    assert suggests_conflict(organizer, poster) is suggested


def test_no_viewer_sees_no_reviewing() -> None:
    from cfp.reviews import Review, ReviewRecords

    records = ReviewRecords(reviews={A: Review(A, 3, 2, "", "", T0, T0)})
    sight = Sight(None, records, submission())
    assert sight.reviews() == [] and sight.standing().review_count is None and sight.sees_decision
