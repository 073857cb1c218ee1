"""The final phase through the API, the validator and the notifier: an accepted author sends the final
abstract and the poster (each checked within the same call chain as the first version), names who presents
and what may be published; the final deadline holds to the second; others get 409 and strangers 401."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cfp_tools.pdfs import make_abstract
from cfp_tools.posters import SHAPES, PosterLayout, make_poster
from tests.support.aws import FakeContext, s3_event_body, s3_record, sqs_event
from tests.support.call import DEADLINE_AT, FINAL_DEADLINE_AT
from tests.support.functions import (
    body_of,
    call,
    create,
    decide_and_release,
    deliver,
    final_upload,
    sent,
    sign_in,
    validator,
)
from tests.support.stories import text_of
from tests.support.world import World


@pytest.fixture
def cookie(world: World) -> str:
    return sign_in(world)


def accepted(world: World, cookie: str, contact: str = "ada@example.org") -> dict[str, Any]:
    created = create(contact, "Warm Starts for Posters")
    decide_and_release(world, cookie, [created["id"]], "accepted")
    return created


def final_of(created: dict[str, Any]) -> dict[str, Any]:
    answer = call("GET", f"/submissions/{created['id']}", token=created["token"])
    assert answer["statusCode"] == 200, answer
    return dict(body_of(answer)["final"])


def test_an_accepted_author_sends_the_final_abstract_and_the_poster_and_is_told_each_verdict(
    world: World, cookie: str
) -> None:
    created = accepted(world, cookie)
    final = final_of(created)
    assert final["missing"] == ["abstract", "poster", "presenter", "consent"]
    assert final["deadline"] == FINAL_DEADLINE_AT.isoformat()
    assert final["poster_size"] == "A0 portrait (841 \u00d7 1189 mm)"
    assert final["max_poster_bytes"] == 25 * 1024 * 1024

    ticket = final_upload(world, created, "poster", make_poster())
    assert ticket["max_bytes"] == 25 * 1024 * 1024 and "-v1.pdf" in ticket["fields"]["key"]
    final_upload(world, created, "abstract", make_abstract(2))
    final = final_of(created)
    assert (final["poster"]["kind"], final["poster"]["verdict"]["outcome"]) == ("poster", "pass")
    assert (final["abstract"]["kind"], final["abstract"]["verdict"]["outcome"]) == ("final", "pass")
    assert final["missing"] == ["presenter", "consent"]

    deliver(world)
    subjects = [" ".join(str(m["Subject"]).split()) for m in sent()]
    assert any("Poster check PASS: Warm Starts for Posters" in s for s in subjects), subjects
    assert any("Final abstract check PASS" in s for s in subjects), subjects
    [digest] = [m for m in sent() if "Digest" in str(m["Subject"]) and "final upload" in str(m["Subject"])]
    assert (
        "Final phase: 0 of 1 accepted posters complete; still missing 0 final abstract(s), 0 poster(s)"
        in (text_of(digest))
    )

    # The first phase is untouched: its versions and status are what they were.
    view = body_of(call("GET", f"/submissions/{created['id']}", token=created["token"]))
    assert [v["kind"] for v in view["versions"]] == ["abstract"]


@pytest.mark.parametrize(
    ("shape", "pages", "outcome", "code", "words"),
    [
        ("A4 portrait", 1, "pass", None, "printed scaled to 841 \u00d7 1189 mm"),
        ("A0 landscape", 1, "fail", "poster_orientation", "Lay it out portrait"),
        ("A0 portrait", 2, "fail", "poster_pages", "exactly one page"),
    ],
)
def test_each_poster_gets_its_verdict_with_the_fix(
    world: World, cookie: str, shape: str, pages: int, outcome: str, code: str | None, words: str
) -> None:
    created = accepted(world, cookie)
    final_upload(world, created, "poster", make_poster(PosterLayout(size=SHAPES[shape], pages=pages)))
    poster = final_of(created)["poster"]
    assert poster["verdict"]["outcome"] == outcome
    assert [p["code"] for p in poster["verdict"]["problems"]] == ([code] if code else [])
    deliver(world)
    [mail] = [m for m in sent() if "Poster check" in m["Subject"]]
    assert words in text_of(mail)
    if outcome == "fail":
        assert "poster" in final_of(created)["missing"], "a failed poster is still missing"


def test_the_presenter_must_be_an_author_and_consent_is_recorded(world: World, cookie: str) -> None:
    created = accepted(world, cookie)
    path = f"/submissions/{created['id']}/final"
    stranger = call(
        "PUT",
        path,
        {"presenter": "Grace Hopper", "publish_abstract": True, "publish_poster": False},
        token=created["token"],
    )
    assert stranger["statusCode"] == 422, stranger
    assert body_of(stranger)["fields"] == [
        {"field": "presenter", "problem": "must be one of the authors as listed: Ada Lovelace"}
    ]
    confirmed = call(
        "PUT",
        path,
        {"presenter": " ada  LOVELACE", "publish_abstract": True, "publish_poster": False},
        token=created["token"],
    )
    assert confirmed["statusCode"] == 200, confirmed
    final = body_of(confirmed)
    assert (final["presenter"], final["publish_abstract"], final["publish_poster"]) == (
        "Ada Lovelace",
        True,
        False,
    )
    assert final["missing"] == ["abstract", "poster"]
    assert final_of(created)["confirmed_at"] is not None


def test_rejected_and_undecided_submissions_have_no_final_phase(world: World, cookie: str) -> None:
    rejected = create("eve@example.org", "Not This One")
    decide_and_release(world, cookie, [rejected["id"]], "rejected")
    undecided = create("fay@example.org", "Accepted, not mailed")
    call("POST", "/organizers/decisions", {"ids": [undecided["id"]], "decision": "accepted"}, cookie=cookie)
    for created in (rejected, undecided):
        assert body_of(call("GET", f"/submissions/{created['id']}", token=created["token"]))["final"] is None
        answer = call(
            "POST",
            f"/submissions/{created['id']}/final-upload-url",
            {"kind": "poster"},
            token=created["token"],
        )
        assert answer["statusCode"] == 409 and body_of(answer)["error"] == "not_accepted", answer
        assert "only accepted posters" in body_of(answer)["message"]
        details = {"presenter": "Ada Lovelace", "publish_abstract": True, "publish_poster": True}
        assert (
            call("PUT", f"/submissions/{created['id']}/final", details, token=created["token"])["statusCode"]
            == 409
        )


def test_an_organizer_with_a_conflict_is_not_shown_the_final_phase_that_tells_of_the_acceptance(
    world: World, cookie: str
) -> None:
    poster = accepted(world, cookie)
    other = sign_in(world, "cochair@example.org")
    declared = call(
        "PUT", f"/organizers/submissions/{poster['id']}/conflict", {"conflicted": True}, cookie=other
    )
    assert declared["statusCode"] == 200, declared
    seen = body_of(call("GET", f"/organizers/submissions/{poster['id']}", cookie=other))
    assert seen["decision"] is None and seen["final"] is None
    shown = body_of(call("GET", f"/organizers/submissions/{poster['id']}", cookie=cookie))
    assert shown["decision"] == "accepted" and shown["final"] is not None


def test_strangers_learn_nothing_whatever_they_send(world: World, cookie: str) -> None:
    created = accepted(world, cookie)
    for body in ({"kind": "poster"}, {"kind": "slides"}, "{"):
        answer = call("POST", f"/submissions/{created['id']}/final-upload-url", body, token="wrong")
        assert answer["statusCode"] == 401, answer
        assert call("PUT", f"/submissions/{created['id']}/final", body)["statusCode"] == 401
    bad = call(
        "POST", f"/submissions/{created['id']}/final-upload-url", {"kind": "slides"}, token=created["token"]
    )
    assert bad["statusCode"] == 422 and body_of(bad)["fields"][0]["field"] == "kind"


def test_the_final_deadline_holds_to_the_second_and_late_finals_are_kept_and_marked(
    world: World, cookie: str
) -> None:
    created = accepted(world, cookie)
    details = {"presenter": "Ada Lovelace", "publish_abstract": True, "publish_poster": True}
    assert (
        call("PUT", f"/submissions/{created['id']}/final", details, token=created["token"])["statusCode"]
        == 200
    )
    deadline = FINAL_DEADLINE_AT
    world.clock.advance(deadline - world.clock.now() - timedelta(seconds=1))
    path = f"/submissions/{created['id']}/final-upload-url"
    answer = call("POST", path, {"kind": "poster"}, token=created["token"])
    assert answer["statusCode"] == 201
    ticket = body_of(answer)["upload"]
    # The deadline's whole last second counts, as in the first phase; the URL lives no longer.
    assert ticket["expires_at"] == (deadline + timedelta(seconds=1)).isoformat()

    world.clock.advance(timedelta(seconds=1))
    assert call("POST", path, {"kind": "poster"}, token=created["token"])["statusCode"] == 201, (
        "the last second counts"
    )
    world.clock.advance(timedelta(seconds=1))
    closed = call("POST", path, {"kind": "poster"}, token=created["token"])
    assert closed["statusCode"] == 409 and body_of(closed)["error"] == "final_closed", closed
    assert body_of(closed)["closed_at"] == deadline.isoformat()

    # An upload S3 recorded after the deadline (with a URL issued before) is kept, marked late, not counted.
    key = ticket["fields"]["key"]
    data = make_poster()
    put = world.s3.put_object(Bucket=world.bucket, Key=key, Body=data)
    record = s3_record(
        world.bucket, key, len(data), put["ETag"].strip('"'), world.clock.now(), put.get("VersionId")
    )
    validator.lambda_handler(sqs_event([s3_event_body(record)]), FakeContext())
    final = final_of(created)
    assert final["poster"] is None and [u["late"] for u in final["uploads"]] == [True]
    assert "poster" in final["missing"]

    # Consent can still be withdrawn after the deadline; nothing else changes.
    path = f"/submissions/{created['id']}/final"
    withdrawn = {**details, "publish_poster": False}
    assert call("PUT", path, withdrawn, token=created["token"])["statusCode"] == 200
    for change in ({**withdrawn, "publish_poster": True}, {**withdrawn, "presenter": "Someone Else"}):
        refused = call("PUT", path, change, token=created["token"])
        assert refused["statusCode"] in {409, 422} and body_of(refused)["error"] in {
            "final_closed",
            "invalid_request",
        }
    assert final_of(created)["publish_poster"] is False


def test_an_accepted_poster_keeps_its_metadata_editable_until_the_final_deadline(
    world: World, cookie: str
) -> None:
    created = accepted(world, cookie)
    rejected = create("eve@example.org", "Not This One")
    decide_and_release(world, cookie, [rejected["id"]], "rejected")
    world.clock.advance(DEADLINE_AT - world.clock.now() + timedelta(days=1))
    fixed = call(
        "PATCH", f"/submissions/{created['id']}", {"title": "Warm Starts, Corrected"}, token=created["token"]
    )
    assert fixed["statusCode"] == 200, fixed
    assert body_of(fixed)["title"] == "Warm Starts, Corrected" and body_of(fixed)["final"] is not None
    refused = call("PATCH", f"/submissions/{rejected['id']}", {"title": "Too late"}, token=rejected["token"])
    assert refused["statusCode"] == 403 and body_of(refused)["error"] == "call_closed"
    world.clock.advance(FINAL_DEADLINE_AT - world.clock.now() + timedelta(seconds=1))
    late = call("PATCH", f"/submissions/{created['id']}", {"title": "Too late"}, token=created["token"])
    assert late["statusCode"] == 403
