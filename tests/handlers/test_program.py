"""The public program through the API: what is listed (accepted and mailed, not withdrawn), what is public
about each poster, the four published files, boards kept across publications, the changelog, caching."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from cfp import wiring
from tests.support.functions import (
    admin_runner,
    body_of,
    call,
    create,
    decide_and_release,
    sign_in,
)
from tests.support.world import World

SESSIONS = (
    "2017-10-28T15:30:00-07:00/2017-10-28T17:00:00-07:00,2017-10-29T10:00:00-07:00/2017-10-29T11:30:00-07:00"
)


@pytest.fixture
def cookie(world: World, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("POSTER_SESSIONS", SESSIONS)
    wiring.reset()
    wiring.use_clock(world.clock)
    return sign_in(world)


def public(path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return call("GET", path, headers=headers)


def test_nothing_is_public_before_the_first_publication(world: World, cookie: str) -> None:
    page = public("/program")
    assert page["statusCode"] == 404 and "not published yet" in page["body"]
    assert page["headers"]["Content-Type"].startswith("text/html")
    for name in ("/program.json", "/program.csv", "/program.ics"):
        assert public(name)["statusCode"] == 404, name


def test_the_program_lists_exactly_the_accepted_posters_and_keeps_their_boards(
    world: World, cookie: str
) -> None:
    first = create("ada@example.org", "<script>alert(1)</script> & <b>Indexes</b>")
    second = create("bob@example.org", '=HYPERLINK("x")')
    third = create("cy@example.org", "Third Poster")
    leaving = create("dee@example.org", "Withdrawn Later")
    rejected = create("eve@example.org", "Not This One")
    undecided = create("fay@example.org", "Undecided")
    accepted = [first["id"], second["id"], third["id"], leaving["id"]]
    decide_and_release(world, cookie, accepted, "accepted")
    decide_and_release(world, cookie, [rejected["id"]], "rejected")
    # Accepted but not mailed yet: not in the program (it never tells anyone first).
    call("POST", "/organizers/decisions", {"ids": [undecided["id"]], "decision": "accepted"}, cookie=cookie)

    preview = body_of(call("GET", "/organizers/program/preview", cookie=cookie))
    assert sorted(p["id"] for p in preview["posters"]) == sorted(accepted)
    assert public("/program")["statusCode"] == 404, "a preview publishes nothing"

    published = call("POST", "/organizers/program/publish", cookie=cookie)
    assert published["statusCode"] == 200, published
    first_publication = body_of(published)
    assert first_publication["posters"] == 4
    assert sorted(c["kind"] for c in first_publication["changelog"]) == ["added"] * 4

    document = json.loads(public("/program.json")["body"])
    boards = {p["id"]: p["board"] for p in document["posters"]}
    assert sorted(boards.values()) == ["P1", "P2", "P3", "P4"]
    sessions = {p["board"]: p["session"]["start"] for p in document["posters"]}
    assert sessions["P1"] == sessions["P3"] != sessions["P2"] == sessions["P4"]
    text = json.dumps(document)
    for private in ("ada@example.org", "eve@example.org", "Not This One", "Undecided", "token"):
        assert private not in text, private

    page = public("/program")
    assert page["statusCode"] == 200 and "public" in page["headers"]["Cache-Control"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;Indexes&lt;/b&gt;" in page["body"]
    assert "<script>" not in page["body"] and "ada@example.org" not in page["body"]
    assert "unsafe-inline" not in page["headers"]["Content-Security-Policy"]
    again = public("/program", headers={"if-none-match": page["headers"]["ETag"]})
    assert again["statusCode"] == 304

    rows = list(csv.DictReader(io.StringIO(public("/program.csv")["body"])))
    assert {r["title"] for r in rows} >= {'\'=HYPERLINK("x")'}, "no cell reaches a spreadsheet as a formula"
    calendar = public("/program.ics")["body"]
    assert calendar.count("BEGIN:VEVENT") == 2 and "DTSTART:20171028T223000Z" in calendar
    assert all(len(line.encode()) <= 75 for line in calendar.split("\r\n"))

    # Withdrawn after acceptance, a board set by hand: republishing keeps the other boards.
    call("DELETE", f"/submissions/{leaving['id']}", token=leaving["token"])
    moved = call("PUT", f"/organizers/submissions/{third['id']}/board", {"board": "P10"}, cookie=cookie)
    assert moved["statusCode"] == 200, moved
    held = boards[first["id"]].lower()
    taken = call("PUT", f"/organizers/submissions/{third['id']}/board", {"board": held}, cookie=cookie)
    assert taken["statusCode"] == 409 and body_of(taken)["error"] == "board_taken"
    outside = call("PUT", f"/organizers/submissions/{rejected['id']}/board", {"board": "P9"}, cookie=cookie)
    assert outside["statusCode"] == 409 and body_of(outside)["error"] == "not_in_program"
    bad = call("PUT", f"/organizers/submissions/{third['id']}/board", {"board": "P 1"}, cookie=cookie)
    assert bad["statusCode"] == 422
    second_publication = body_of(call("POST", "/organizers/program/publish", cookie=cookie))
    changes = {(c["kind"], c["title"]) for c in second_publication["changelog"]}
    assert changes == {("withdrawn", "Withdrawn Later"), ("changed", "Third Poster")}
    [changed] = [c for c in second_publication["changelog"] if c["kind"] == "changed"]
    earlier_session = sessions[boards[third["id"]]]
    document = json.loads(public("/program.json")["body"])
    [now_third] = [p for p in document["posters"] if p["id"] == third["id"]]
    moved_session = now_third["session"]["start"] != earlier_session
    assert changed["fields"] == ["board", *(["session"] if moved_session else [])]
    after = {p["id"]: p["board"] for p in document["posters"]}
    assert after == {**{k: v for k, v in boards.items() if k != leaving["id"]}, third["id"]: "P10"}
    assert [h["id"] for h in document["history"]] == [second_publication["id"], first_publication["id"]]
    assert "Withdrawn Later: withdrawn" in public("/program")["body"]


def test_only_organizers_preview_publish_and_set_boards(world: World, cookie: str) -> None:
    created = create("ada@example.org")
    for method, path, body in (
        ("GET", "/organizers/program/preview", None),
        ("POST", "/organizers/program/publish", None),
        ("PUT", f"/organizers/submissions/{created['id']}/board", {"board": "P1"}),
    ):
        assert call(method, path, body)["statusCode"] == 401, path
        assert call(method, path, body, token=created["token"])["statusCode"] == 401, path
    page = call("GET", "/organizers/program/preview", cookie=cookie, headers={"accept": "text/html"})
    assert page["statusCode"] == 200 and "Preview: this is not published" in page["body"]


def test_authors_see_what_the_program_shows_about_their_poster(world: World, cookie: str) -> None:
    accepted = create("ada@example.org", "Shown Poster")
    rejected = create("bob@example.org", "Not Shown")
    decide_and_release(world, cookie, [accepted["id"]], "accepted")
    decide_and_release(world, cookie, [rejected["id"]], "rejected")
    mine = body_of(call("GET", f"/submissions/{accepted['id']}", token=accepted["token"]))
    listing = mine["public_listing"]
    assert listing["title"] == "Shown Poster" and listing["board"] is None
    assert "email" not in json.dumps(listing["authors"])
    assert (
        body_of(call("GET", f"/submissions/{rejected['id']}", token=rejected["token"]))["public_listing"]
        is None
    )
    call("POST", "/organizers/program/publish", cookie=cookie)
    listing = body_of(call("GET", f"/submissions/{accepted['id']}", token=accepted["token"]))[
        "public_listing"
    ]
    assert listing["board"] == "P1" and listing["session"]["start"] == "2017-10-28T15:30:00-07:00"


def test_cfp_admin_previews_and_publishes_the_program(
    world: World, cookie: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    accepted = create("ada@example.org", "Admin Poster")
    decide_and_release(world, cookie, [accepted["id"]], "accepted")
    admin = admin_runner(monkeypatch, "operator@example.org")

    preview = admin("program", "preview")
    assert "P1" in preview and "Admin Poster" in preview and "nothing is public" in preview
    assert public("/program")["statusCode"] == 404
    published = admin("program", "publish")
    assert "1 poster\n" in published and "added" in published
    assert "Admin Poster" in public("/program")["body"]
