"""The organizers' final phase through the API and the deadline keeper: the checklist, mailing everyone
missing something (previewed, each author mailed once per send), more time, reminders before the final
deadline naming what is missing, and the final-phase digest once it has passed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cfp.deadline import parse_deadline
from cfp_tools.pdfs import make_abstract
from cfp_tools.posters import make_poster
from tests.support.aws import FakeContext, load_function
from tests.support.call import FINAL_DEADLINE
from tests.support.functions import (
    admin_runner,
    body_of,
    build,
    call,
    create,
    decide_and_release,
    deliver,
    final_upload,
    queued,
    sent,
    sign_in,
    zip_entries,
)
from tests.support.stories import text_of
from tests.support.world import World

keeper = load_function("deadline")
FINAL = parse_deadline(FINAL_DEADLINE)


@pytest.fixture
def cookie(world: World) -> str:
    return sign_in(world)


@pytest.fixture
def posters(world: World, cookie: str) -> list[dict[str, Any]]:
    """Three accepted posters (complete, with only its poster, with nothing) and a rejected one."""
    made = [create(f"author{n}@example.org", f"Poster {n}") for n in range(3)]
    rejected = create("eve@example.org", "Rejected")
    decide_and_release(world, cookie, [m["id"] for m in made], "accepted")
    decide_and_release(world, cookie, [rejected["id"]], "rejected")
    complete, partial, _ = made
    final_upload(world, complete, "poster", make_poster())
    final_upload(world, complete, "abstract", make_abstract(2))
    details = {"presenter": "Ada Lovelace", "publish_abstract": True, "publish_poster": True}
    assert (
        call("PUT", f"/submissions/{complete['id']}/final", details, token=complete["token"])["statusCode"]
        == 200
    )
    final_upload(world, partial, "poster", make_poster())
    deliver(world)
    return made


def mails_to(address: str) -> list[str]:
    return [" ".join(str(m["Subject"]).split()) for m in sent() if m["To"] == address]


def test_the_checklist_lists_exactly_the_posters_in_the_final_phase(
    world: World, cookie: str, posters: list[dict[str, Any]]
) -> None:
    answer = call("GET", "/organizers/finals", cookie=cookie)
    assert answer["statusCode"] == 200, answer
    checklist = body_of(answer)
    rows = {row["id"]: row for row in checklist["rows"]}
    assert set(rows) == {p["id"] for p in posters}
    complete, partial, empty = (rows[p["id"]] for p in posters)
    assert (complete["abstract"], complete["poster"], complete["consent"], complete["missing"]) == (
        "pass",
        "pass",
        "abstract and poster",
        [],
    )
    assert partial["missing"] == ["abstract", "presenter", "consent"]
    assert empty["missing"] == ["abstract", "poster", "presenter", "consent"]
    assert checklist["missing"] == {"abstract": 2, "poster": 1, "presenter": 2, "consent": 2, "complete": 1}
    detail = body_of(call("GET", f"/organizers/submissions/{posters[0]['id']}", cookie=cookie))
    assert detail["final"]["poster"]["verdict"]["outcome"] == "pass"
    assert call("GET", "/organizers/finals")["statusCode"] == 401


def test_mail_everyone_missing_the_poster_once_per_send(
    world: World, cookie: str, posters: list[dict[str, Any]]
) -> None:
    preview = call("POST", "/organizers/finals/mail-missing", {"missing": "poster"}, cookie=cookie)
    assert preview["statusCode"] == 200, preview
    shown = body_of(preview)
    assert [r["id"] for r in shown["recipients"]] == [posters[2]["id"]] and shown["sent"] == 0
    assert not world.notifications(), "a preview queues nothing"

    send = {"missing": "poster", "send": shown["send_id"]}
    first = body_of(call("POST", "/organizers/finals/mail-missing", send, cookie=cookie))
    assert first["sent"] == 1
    again = body_of(call("POST", "/organizers/finals/mail-missing", send, cookie=cookie))
    assert again["sent"] == 1, "queued again, but the mail's id is the same"
    deliver(world)
    [subject] = [s for s in mails_to("author2@example.org") if "Still missing" in s]
    assert subject.startswith(
        "[AI Systems Workshop at SOSP 2017] Still missing, the poster and more: Poster 2"
    )
    [mail] = [m for m in sent() if m["To"] == "author2@example.org" and "Still missing" in str(m["Subject"])]
    body = text_of(mail)
    assert "The organizers ask you" in body
    for item in (
        "the final abstract",
        "the poster",
        "who presents the poster",
        "what the program may publish",
    ):
        assert item in body

    anything = body_of(
        call("POST", "/organizers/finals/mail-missing", {"missing": "anything"}, cookie=cookie)
    )
    assert sorted(r["id"] for r in anything["recipients"]) == sorted(p["id"] for p in posters[1:])
    bad = call("POST", "/organizers/finals/mail-missing", {"missing": "slides"}, cookie=cookie)
    assert bad["statusCode"] == 422


def test_reminders_before_the_final_deadline_name_what_is_missing_and_the_digest_follows_it(
    world: World, cookie: str, posters: list[dict[str, Any]]
) -> None:
    def fire(at: Any) -> dict[str, int]:
        world.clock.instant = at
        result: dict[str, int] = keeper.lambda_handler(
            {"source": "aws.scheduler", "detail": {}}, FakeContext()
        )
        return result

    counts = fire(FINAL - timedelta(hours=23))
    assert counts["final_reminders"] == 2, counts
    assert fire(FINAL - timedelta(hours=22))["final_reminders"] == 0, "each threshold once"
    deliver(world)
    [reminder] = [
        m for m in sent() if m["To"] == "author1@example.org" and "Still missing" in str(m["Subject"])
    ]
    body = text_of(reminder)
    assert (
        "until the final deadline" in body and "- the final abstract" in body and "- the poster\n" not in body
    )
    assert not [
        m for m in sent() if m["To"] == "author0@example.org" and "Still missing" in str(m["Subject"])
    ]

    assert fire(FINAL + timedelta(minutes=10))["finals_closed"] == 0, "not settled yet"
    assert fire(FINAL + timedelta(minutes=16))["finals_closed"] == 1
    assert fire(FINAL + timedelta(minutes=30))["finals_closed"] == 0, "once"
    deliver(world)
    [digest] = [m for m in sent() if "Final versions closed" in str(m["Subject"])]
    assert "1 of 3 posters complete" in " ".join(str(digest["Subject"]).split())
    body = text_of(digest)
    assert "Missing: 2 final abstracts, 1 poster, 2 presenters, 2 publication choices." in body
    attachments = [part for part in digest.walk() if part.get_filename() == "final-checklist.csv"]
    assert len(attachments) == 1


def test_more_time_for_the_final_versions(world: World, cookie: str, posters: list[dict[str, Any]]) -> None:
    late_one = posters[2]
    until = (FINAL + timedelta(days=3)).isoformat()
    answer = call(
        "POST", "/organizers/finals/extensions", {"ids": [late_one["id"]], "until": until}, cookie=cookie
    )
    assert answer["statusCode"] == 200, answer
    assert body_of(answer) == {"extended": [late_one["id"]]}
    world.clock.instant = FINAL + timedelta(days=1)
    ok = call(
        "POST", f"/submissions/{late_one['id']}/final-upload-url", {"kind": "poster"}, token=late_one["token"]
    )
    assert ok["statusCode"] == 201, ok
    other = posters[1]
    closed = call(
        "POST", f"/submissions/{other['id']}/final-upload-url", {"kind": "poster"}, token=other["token"]
    )
    assert closed["statusCode"] == 409
    cookie = sign_in(world)  # the first session has long expired
    before = call(
        "POST",
        "/organizers/finals/extensions",
        {"ids": [other["id"]], "until": FINAL_DEADLINE},
        cookie=cookie,
    )
    assert before["statusCode"] == 422 and body_of(before)["fields"][0]["field"] == "until"


def test_cfp_admin_shows_the_checklist_and_mails_those_missing_something(
    world: World, cookie: str, posters: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = admin_runner(monkeypatch, "chair@example.org")
    listed = admin("finals")
    assert "3 posters in the final phase, 1 complete" in listed
    assert posters[2]["id"] in listed and "abstract, poster, presenter, consent" in listed
    preview = admin("mail-missing", "poster")
    assert "1 author would be mailed" in preview and posters[2]["id"] in preview
    send_id = preview.split("--send ")[1].split()[0]
    assert "1 mail queued" in admin("mail-missing", "poster", "--send", send_id)
    until = (FINAL + timedelta(days=2)).isoformat()
    assert f"{posters[2]['id']}: final versions open until" in admin(
        "extend-finals", posters[2]["id"], "--until", until
    )


def test_a_zip_of_the_posters_or_the_final_abstracts_of_the_accepted_posters(
    world: World, cookie: str, posters: list[dict[str, Any]]
) -> None:

    complete, partial, _ = posters
    for contents, expected in (
        (
            "posters",
            {f"{complete['id']} - Poster 0 (poster).pdf", f"{partial['id']} - Poster 1 (poster).pdf"},
        ),
        ("finals", {f"{complete['id']} - Poster 0 (final).pdf"}),
    ):
        started = call("POST", "/organizers/archives", {"contents": contents}, cookie=cookie)
        assert started["statusCode"] == 202, started
        job = body_of(started)
        assert job["contents"] == contents
        [message] = queued(world, "ARCHIVE_QUEUE_URL")
        assert build(world, [message["Body"]]) == {"batchItemFailures": []}
        done = body_of(call("GET", f"/organizers/archives/{job['id']}", cookie=cookie))
        assert done["state"] == "done" and done["filename"].startswith(
            "poster-pdfs-" if contents == "posters" else "final-abstracts-"
        )
        entries = zip_entries(world, job["id"])
        assert set(entries) == expected
        assert all(data.startswith(b"%PDF") for data in entries.values())
    refused = call("POST", "/organizers/archives", {"contents": "slides"}, cookie=cookie)
    assert refused["statusCode"] == 422


def test_the_program_links_to_the_pdfs_their_authors_agreed_to_publish_and_stops_when_they_withdraw(
    world: World, cookie: str, posters: list[dict[str, Any]]
) -> None:
    import json

    complete, partial, empty = posters
    details = {"presenter": "Ada Lovelace", "publish_abstract": True, "publish_poster": True}
    # Agreed, but only a poster on record: the program links to the poster alone.
    assert (
        call("PUT", f"/submissions/{partial['id']}/final", details, token=partial["token"])["statusCode"]
        == 200
    )
    published = call("POST", "/organizers/program/publish", cookie=cookie)
    assert published["statusCode"] == 200, published
    document = json.loads(call("GET", "/program.json")["body"])
    links = {p["id"]: (p["abstract_pdf"], p["poster_pdf"]) for p in document["posters"]}
    assert links[complete["id"]] == (
        f"/program/posters/{complete['id']}/abstract.pdf",
        f"/program/posters/{complete['id']}/poster.pdf",
    )
    assert links[partial["id"]] == (None, f"/program/posters/{partial['id']}/poster.pdf")
    assert links[empty["id"]] == (None, None), "no consent, no file: no link"
    page = call("GET", "/program")["body"]
    assert f'href="/program/posters/{complete["id"]}/poster.pdf"' in page
    assert (
        "pdf-files" not in json.dumps(document)
        and call("GET", "/program/pdf-files.json")["statusCode"] == 404
    )

    followed = call("GET", f"/program/posters/{complete['id']}/poster.pdf")
    assert followed["statusCode"] == 302, followed
    location = followed["headers"]["Location"]
    assert "X-Amz-Signature" in location and "versionId=" in location
    assert call("GET", f"/program/posters/{empty['id']}/poster.pdf")["statusCode"] == 404
    assert call("GET", f"/program/posters/{complete['id']}/slides.pdf")["statusCode"] == 422

    # Consent withdrawn: the link stops at once, before any new publication.
    withdrawn = {**details, "publish_poster": False}
    assert (
        call("PUT", f"/submissions/{complete['id']}/final", withdrawn, token=complete["token"])["statusCode"]
        == 200
    )
    gone = call("GET", f"/program/posters/{complete['id']}/poster.pdf")
    assert gone["statusCode"] == 404 and "no longer" in body_of(gone)["message"]
    assert call("GET", f"/program/posters/{complete['id']}/abstract.pdf")["statusCode"] == 302
    republished = body_of(call("POST", "/organizers/program/publish", cookie=cookie))
    changed = [c for c in republished["changelog"] if c["kind"] == "changed"]
    assert [c["fields"] for c in changed] == [["poster_pdf"]]
