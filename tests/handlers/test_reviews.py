"""Reviews through the API, signed in as three organizers of one call: who may see what, in every answer
that carries it (detail, list, export, history), and what is refused."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest

from cfp import wiring
from tests.support.aws import FakeContext, http_event, sqs_event
from tests.support.functions import admin_runner, api, body_of, call, create, deliver, releaser, sent, sign_in
from tests.support.world import World

CHAIR, COCHAIR, MEMBER = "chair@example.org", "cochair@example.org", "pc@univ.edu"
REVIEW = {"score": 4, "confidence": 3, "for_authors": "Clear poster.", "for_organizers": "Strong lab."}


@pytest.fixture
def cookies(world: World, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Sessions of three organizers; the third's domain is an author's below."""
    monkeypatch.setenv("ORGANIZER_EMAILS", ",".join((CHAIR, COCHAIR, MEMBER)))
    wiring.reset()
    wiring.use_clock(world.clock)
    return {who: sign_in(world, who) for who in (CHAIR, COCHAIR, MEMBER)}


def rows(listed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row[0]: dict(zip(listed["columns"], row, strict=True)) for row in listed["rows"]}


def listing(cookie: str) -> dict[str, dict[str, Any]]:
    return rows(body_of(call("GET", "/organizers/submissions", cookie=cookie)))


def detail(submission_id: str, cookie: str) -> dict[str, Any]:
    answer = call("GET", f"/organizers/submissions/{submission_id}", cookie=cookie)
    assert answer["statusCode"] == 200, answer
    return dict(body_of(answer))


def review(submission_id: str, cookie: str, **changes: Any) -> dict[str, Any]:
    return call(
        "PUT", f"/organizers/submissions/{submission_id}/review", {**REVIEW, **changes}, cookie=cookie
    )


def exported(cookie: str, form: str) -> Any:
    answer = call("GET", f"/organizers/export?format={form}", cookie=cookie)
    assert answer["statusCode"] == 200
    if form == "json":
        return {s["id"]: s for s in json.loads(answer["body"])["submissions"]}
    return {r["id"]: r for r in csv.DictReader(io.StringIO(answer["body"]))}


def test_others_reviews_stay_hidden_until_you_review(world: World, cookies: dict[str, str]) -> None:
    poster = create("ada@example.org")["id"]
    written = review(poster, cookies[CHAIR])
    assert written["statusCode"] == 200, written
    assert body_of(written)["score"] == 4
    comment = call(
        "POST", f"/organizers/submissions/{poster}/comments", {"text": "I like it."}, cookie=cookies[CHAIR]
    )
    assert comment["statusCode"] == 201

    # The co-chair has not reviewed: the count, but no score, review, comment or reviewer.
    seen = detail(poster, cookies[COCHAIR])
    assert seen["reviews"] == [] and seen["comments"] == []
    assert seen["standing"]["review_count"] == 1 and seen["standing"]["score_mean"] is None
    assert not any(h["action"].startswith(("review", "comment")) for h in seen["history"])
    row = listing(cookies[COCHAIR])[poster]
    assert row["review_count"] == 1
    assert (row["score_mean"], row["score_min"], row["score_max"], row["my_score"]) == (None,) * 4
    for form in ("json", "csv"):
        text = json.dumps(exported(cookies[COCHAIR], form))
        assert "Strong lab." not in text and "Clear poster." not in text and "I like it." not in text
    assert exported(cookies[COCHAIR], "csv")[poster]["score_mean"] == ""

    # Once they review, they see both, the aggregates and the thread.
    assert review(poster, cookies[COCHAIR], score=2, confidence=1)["statusCode"] == 200
    seen = detail(poster, cookies[COCHAIR])
    assert sorted((r["organizer"], r["score"]) for r in seen["reviews"]) == [(CHAIR, 4), (COCHAIR, 2)]
    assert [c["text"] for c in seen["comments"]] == ["I like it."]
    row = listing(cookies[COCHAIR])[poster]
    assert (row["review_count"], row["score_mean"], row["score_min"], row["score_max"]) == (2, 3.0, 2, 4)
    assert (row["score_spread"], row["my_score"]) == (2, 2)
    reviews = exported(cookies[COCHAIR], "json")[poster]["reviews"]
    assert sorted((r["organizer"], r["for_organizers"]) for r in reviews) == [
        (CHAIR, "Strong lab."),
        (COCHAIR, "Strong lab."),
    ]
    assert exported(cookies[COCHAIR], "csv")[poster]["score_mean"] == "3.0"


def test_a_review_change_is_kept_with_before_and_after(world: World, cookies: dict[str, str]) -> None:
    poster = create("ada@example.org")["id"]
    review(poster, cookies[CHAIR])
    world.clock.advance(timedelta(seconds=60))
    review(poster, cookies[CHAIR], score=5, for_authors="Even clearer.")
    unchanged = review(poster, cookies[CHAIR], score=5, for_authors="Even clearer.")
    assert unchanged["statusCode"] == 200
    history = [h for h in detail(poster, cookies[CHAIR])["history"] if h["action"].startswith("review")]
    assert [(h["action"], h["by"]) for h in history] == [
        ("review submitted", CHAIR),
        ("review changed", CHAIR),
    ]
    assert history[1]["detail"] == ("score 4, confidence 3 -> score 5, confidence 3; changed for_authors")
    world.clock.advance(timedelta(seconds=60))
    withdrawn = call("DELETE", f"/organizers/submissions/{poster}/review", cookie=cookies[CHAIR])
    assert withdrawn["statusCode"] == 200 and body_of(withdrawn)["my_score"] is None
    assert detail(poster, cookies[CHAIR])["history"][-1]["action"] == "review withdrawn"
    again = call("DELETE", f"/organizers/submissions/{poster}/review", cookie=cookies[CHAIR])
    assert again["statusCode"] == 404


def test_a_conflicted_organizer_sees_metadata_only(world: World, cookies: dict[str, str]) -> None:
    poster = create("ada@univ.edu")["id"]
    other = create("bob@example.org")["id"]
    # An author at the member's domain suggests a conflict, to that member only.
    assert listing(cookies[MEMBER])[poster]["conflict_suggested"] is True
    assert listing(cookies[MEMBER])[other]["conflict_suggested"] is False
    assert listing(cookies[CHAIR])[poster]["conflict_suggested"] is False
    declared = call(
        "PUT", f"/organizers/submissions/{poster}/conflict", {"conflicted": True}, cookie=cookies[MEMBER]
    )
    assert declared["statusCode"] == 200 and body_of(declared)["conflicted"] is True

    review(poster, cookies[CHAIR])
    review(poster, cookies[COCHAIR], score=1)
    call("POST", f"/organizers/submissions/{poster}/comments", {"text": "Hmm."}, cookie=cookies[CHAIR])
    assert (
        call(
            "POST", "/organizers/decisions", {"ids": [poster], "decision": "accepted"}, cookie=cookies[CHAIR]
        )["statusCode"]
        == 200
    )

    seen = detail(poster, cookies[MEMBER])
    assert seen["title"] and seen["authors"]
    assert seen["reviews"] == [] and seen["comments"] == []
    assert seen["decision"] is None and seen["decided_by"] is None and seen["decision_sent"] is None
    assert seen["standing"]["conflicted"] is True and seen["standing"]["review_count"] is None
    assert [h["action"] for h in seen["history"]] == ["conflict declared"]
    row = listing(cookies[MEMBER])[poster]
    assert row["decision"] is None and row["decision_sent"] is None and row["review_count"] is None
    assert row["score_mean"] is None and row["conflicted"] is True
    listed = body_of(call("GET", "/organizers/submissions", cookie=cookies[MEMBER]))
    assert listed["decisions"]["accepted"] == 0, (
        "the counts leave out what a conflicted organizer may not see"
    )
    for form in ("json", "csv"):
        text = json.dumps(exported(cookies[MEMBER], form)[poster])
        assert "accepted" not in text and "Hmm." not in text and CHAIR not in text, form

    refused = {
        "review": review(poster, cookies[MEMBER]),
        "comment": call(
            "POST", f"/organizers/submissions/{poster}/comments", {"text": "x"}, cookie=cookies[MEMBER]
        ),
        "decide": call(
            "POST",
            "/organizers/decisions",
            {"ids": [other, poster], "decision": "rejected"},
            cookie=cookies[MEMBER],
        ),
    }
    for name, answer in refused.items():
        assert answer["statusCode"] == 403, name
        assert body_of(answer)["error"] == "conflicted", name
    assert detail(other, cookies[CHAIR])["decision"] is None, "a refused decision decides nothing"

    # The chair sees the member's conflict in the history; lifting it shows everything again.
    assert "conflict declared" in [h["action"] for h in detail(poster, cookies[CHAIR])["history"]]
    lifted = call(
        "PUT", f"/organizers/submissions/{poster}/conflict", {"conflicted": False}, cookie=cookies[MEMBER]
    )
    assert body_of(lifted)["conflicted"] is False
    assert detail(poster, cookies[MEMBER])["decision"] == "accepted"


def test_a_conflict_is_refused_over_ones_own_review(world: World, cookies: dict[str, str]) -> None:
    poster = create("ada@univ.edu")["id"]
    review(poster, cookies[MEMBER])
    answer = call(
        "PUT", f"/organizers/submissions/{poster}/conflict", {"conflicted": True}, cookie=cookies[MEMBER]
    )
    assert answer["statusCode"] == 409 and body_of(answer)["error"] == "conflict"
    dismissed = call(
        "PUT", f"/organizers/submissions/{poster}/conflict", {"conflicted": False}, cookie=cookies[MEMBER]
    )
    assert body_of(dismissed)["conflict_suggested"] is False


def test_reviews_lock_once_the_decision_is_released(world: World, cookies: dict[str, str]) -> None:
    poster = create("ada@example.org")["id"]
    review(poster, cookies[CHAIR])
    call("POST", "/organizers/decisions", {"ids": [poster], "decision": "accepted"}, cookie=cookies[CHAIR])
    deliver(world)
    preview = body_of(call("POST", "/organizers/releases", cookie=cookies[CHAIR]))
    call("POST", f"/organizers/releases/{preview['release_id']}/send", cookie=cookies[CHAIR])
    [job] = world.drain(world.release_queue_url)
    releaser.lambda_handler(sqs_event([json.dumps(job)], "releases"), FakeContext())
    for answer in (
        review(poster, cookies[CHAIR], score=1),
        review(poster, cookies[COCHAIR]),
        call("DELETE", f"/organizers/submissions/{poster}/review", cookie=cookies[CHAIR]),
    ):
        assert answer["statusCode"] == 409 and body_of(answer)["error"] == "locked", answer


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**REVIEW, "score": 6}, "score"),
        ({**REVIEW, "score": 0}, "score"),
        ({**REVIEW, "score": "4"}, "score"),
        ({**REVIEW, "score": 4.5}, "score"),
        ({**REVIEW, "score": True}, "score"),
        ({**REVIEW, "confidence": 5}, "confidence"),
        ({**REVIEW, "for_authors": "x" * 5001}, "for_authors"),
        ({**REVIEW, "for_organizers": "x" * 5001}, "for_organizers"),
        ({**REVIEW, "stars": 3}, "stars"),
    ],
)
def test_a_bad_review_is_refused_naming_its_field(
    world: World, cookies: dict[str, str], body: dict[str, Any], field: str
) -> None:
    poster = create("ada@example.org")["id"]
    answer = call("PUT", f"/organizers/submissions/{poster}/review", body, cookie=cookies[CHAIR])
    assert answer["statusCode"] == 422, answer
    assert field in [f["field"] for f in body_of(answer)["fields"]]


def test_a_whole_number_may_come_as_a_json_float(world: World, cookies: dict[str, str]) -> None:
    poster = create("ada@example.org")["id"]
    answer = review(poster, cookies[CHAIR], score=4.0, confidence=2.0)
    assert answer["statusCode"] == 200 and body_of(answer)["score"] == 4


def test_reviewing_needs_a_session_and_a_live_submission(world: World, cookies: dict[str, str]) -> None:
    created = create("ada@example.org")
    poster = created["id"]
    assert call("PUT", f"/organizers/submissions/{poster}/review", REVIEW)["statusCode"] == 401
    assert review(poster, "", token=created["token"])["statusCode"] in {401, 422}
    assert review("nosuchone", cookies[CHAIR])["statusCode"] == 404
    call("DELETE", f"/submissions/{poster}", token=created["token"])
    answer = review(poster, cookies[CHAIR])
    assert answer["statusCode"] == 409 and body_of(answer)["error"] == "withdrawn"
    blank = call("POST", f"/organizers/submissions/{poster}/comments", {"text": "  "}, cookie=cookies[CHAIR])
    assert blank["statusCode"] == 422


def test_digests_count_reviews_and_leave_conflicted_organizers_out(
    world: World, cookies: dict[str, str]
) -> None:
    from tests.support.stories import text_of

    poster, other = create("ada@univ.edu")["id"], create("bob@example.org")["id"]
    call("PUT", f"/organizers/submissions/{poster}/conflict", {"conflicted": True}, cookie=cookies[MEMBER])
    deliver(world)
    before = len(sent())
    review(poster, cookies[CHAIR], for_organizers="Secret opinion.")
    review(poster, cookies[CHAIR], score=1)
    for submission_id in (poster, other):
        call(
            "POST",
            "/organizers/decisions",
            {"ids": [submission_id], "decision": "accepted"},
            cookie=cookies[CHAIR],
        )
    preview = body_of(call("POST", "/organizers/releases", cookie=cookies[CHAIR]))
    call("POST", f"/organizers/releases/{preview['release_id']}/send", cookie=cookies[CHAIR])
    [job] = world.drain(world.release_queue_url)
    releaser.lambda_handler(sqs_event([json.dumps(job)], "releases"), FakeContext())
    deliver(world)
    digests = [m for m in sent()[before:] if "Digest" in m["Subject"]]
    by_reader = {address.strip(): m for m in digests for address in m["To"].split(",")}
    assert set(by_reader) == {CHAIR, COCHAIR, MEMBER}
    committee, member = text_of(by_reader[CHAIR]), text_of(by_reader[MEMBER])
    assert by_reader[CHAIR] is by_reader[COCHAIR]
    assert "Reviews submitted (the console shows them) (1)" in committee, committee
    assert "Decisions sent to authors (2)" in committee
    assert "Secret opinion." not in committee and "score" not in committee.lower()
    assert poster not in member and other in member, member
    assert "Decisions sent to authors (1)" in member and "review" not in member.lower()


def test_cfp_admin_shows_reviews_as_the_organizer_named_may_see_them(
    world: World, cookies: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cfp_tools import admin as cfp_admin

    poster, other = create("ada@univ.edu")["id"], create("bob@example.org")["id"]
    call("PUT", f"/organizers/submissions/{poster}/conflict", {"conflicted": True}, cookie=cookies[MEMBER])
    review(poster, cookies[CHAIR], for_organizers="Secret opinion.")
    call("POST", "/organizers/decisions", {"ids": [poster], "decision": "accepted"}, cookie=cookies[CHAIR])
    admin = admin_runner(monkeypatch)

    chair = admin("show", poster, "--as", CHAIR)
    assert "Secret opinion." in chair and "merit 4" in chair
    member = admin("show", poster, "--as", MEMBER)
    assert "Secret opinion." not in member and "accepted" not in member and "hidden" in member
    cochair = admin("show", poster, "--as", COCHAIR)
    assert "Secret opinion." not in cochair and "reviews    1" in cochair
    assert "Secret opinion." not in admin("show", poster), "the operator's view carries no reviews"
    [row] = [line for line in admin("list", "--as", MEMBER).splitlines() if line.startswith(poster)]
    assert "conflict" in row and "accepted" not in row
    exported = admin("export", "--format", "json", "--as", COCHAIR)
    assert "Secret opinion." not in exported
    todo = admin("unreviewed")
    assert f"{CHAIR}: 1 to review" in todo and f"{MEMBER}: 1 to review" in todo
    assert f"{COCHAIR}: 2 to review" in todo and other in todo
    out = io.StringIO()
    assert cfp_admin.main(["list", "--as", "mallory@example.org", "--local"], out) != 0


def test_a_release_may_carry_the_comments_for_the_authors_and_never_the_rest(
    world: World, cookies: dict[str, str]
) -> None:
    from tests.support.stories import text_of

    poster = create("ada@example.org")["id"]
    plain = create("bob@example.org")["id"]
    review(poster, cookies[CHAIR], for_authors="Add error bars.", for_organizers="Borderline for me.")
    world.clock.advance(timedelta(seconds=1))
    review(poster, cookies[COCHAIR], score=5, for_authors="", for_organizers="Great.")
    review(plain, cookies[CHAIR], for_authors="Fine work.")
    ids = [poster, plain]
    call("POST", "/organizers/decisions", {"ids": ids, "decision": "accepted"}, cookie=cookies[CHAIR])
    deliver(world)
    before = len(sent())
    answer = call("POST", "/organizers/releases", {"with_reviews": True}, cookie=cookies[CHAIR])
    assert answer["statusCode"] == 201, answer
    preview = body_of(answer)
    assert preview["with_reviews"] is True
    [example] = preview["mails"]
    assert "comments for you" in example["text"] and "Borderline" not in example["text"]
    call("POST", f"/organizers/releases/{preview['release_id']}/send", cookie=cookies[CHAIR])
    [job] = world.drain(world.release_queue_url)
    releaser.lambda_handler(sqs_event([json.dumps(job)], "releases"), FakeContext())
    deliver(world)
    mails = {m["To"]: text_of(m) for m in sent()[before:] if "Accepted" in m["Subject"]}
    assert "Reviewer 1's comments for you:\nAdd error bars." in mails["ada@example.org"]
    assert "Reviewer 2" not in mails["ada@example.org"], "an empty comment is no comment"
    assert "Fine work." in mails["bob@example.org"]
    for text in mails.values():
        assert "Borderline" not in text and "Great." not in text and CHAIR not in text
        assert "score" not in text.lower()
    for bad in ({"with_reviews": "yes"}, [None, None], {"other": True}):
        refused = call("POST", "/organizers/releases", bad, cookie=cookies[CHAIR])
        assert refused["statusCode"] == 422, (bad, refused)
    event = http_event("POST", "/organizers/releases", raw_body="null")
    event["cookies"] = [f"cfp_organizer={cookies[CHAIR]}"]
    assert api.lambda_handler(event, FakeContext())["statusCode"] == 422
    assert call("POST", "/organizers/releases", cookie=cookies[CHAIR])["statusCode"] == 201


def test_a_release_preview_shows_a_conflicted_organizer_no_decision_of_theirs(
    world: World, cookies: dict[str, str]
) -> None:
    poster = create("ada@univ.edu", "Conflicted Poster")["id"]
    other = create("bob@example.org", "Open Poster")["id"]
    call("PUT", f"/organizers/submissions/{poster}/conflict", {"conflicted": True}, cookie=cookies[MEMBER])
    call("POST", "/organizers/decisions", {"ids": [poster], "decision": "rejected"}, cookie=cookies[CHAIR])
    call("POST", "/organizers/decisions", {"ids": [other], "decision": "accepted"}, cookie=cookies[CHAIR])
    preview = body_of(call("POST", "/organizers/releases", cookie=cookies[MEMBER]))
    assert preview["pending"] == 2 and preview["conflicted"] == 1
    assert [(m["decision"], m["count"]) for m in preview["mails"]] == [("accepted", 1)]
    assert "Conflicted Poster" not in json.dumps(preview)
    chair = body_of(call("POST", "/organizers/releases", cookie=cookies[CHAIR]))
    assert chair["conflicted"] == 0 and len(chair["mails"]) == 2
