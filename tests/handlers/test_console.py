"""The organizers' console API against moto: sign-in by one-time link, sessions, the table, one submission,
PDF links, decisions and their release, exports, extensions and resends."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from cfp import sessions, wiring
from cfp.bootstrap import build_console
from cfp_tools import admin as cfp_admin
from tests.support.aws import FakeContext, sqs_event
from tests.support.functions import (
    CHAIR,
    admin_runner,
    body_of,
    call,
    create,
    deliver,
    link_secret,
    mail_sign_in_links,
    notifier,
    releaser,
    sent,
    sign_in,
    upload,
)
from tests.support.stories import text_of
from tests.support.world import World


def test_anyone_gets_the_same_answer_and_only_organizers_a_link(world: World) -> None:
    stranger = call("POST", "/organizers/sign-in", {"email": "mallory@example.org"})
    organizer = call("POST", "/organizers/sign-in", {"email": "Chair@Example.org"})
    assert sent() == [], "the mail goes out off the request path"
    mail_sign_in_links(world)
    assert stranger["statusCode"] == organizer["statusCode"] == 202
    assert stranger["body"] == organizer["body"]
    [mail] = sent()
    assert mail["To"] == CHAIR
    assert "works once, until" in text_of(mail)
    assert text_of(mail).count("https://api.example.org/organizers#signin=") == 1
    secret = link_secret()
    assert secret not in json.dumps(world.dynamodb.scan(TableName=world.table)["Items"])


def test_a_link_gives_a_strict_session_cookie_once(world: World) -> None:
    call("POST", "/organizers/sign-in", {"email": CHAIR})
    mail_sign_in_links(world)
    secret = link_secret()
    response = call("POST", "/organizers/session", {"secret": secret})
    assert response["statusCode"] == 200
    assert body_of(response)["email"] == CHAIR
    [cookie] = response["cookies"]
    attributes = {part.strip().split("=")[0] for part in cookie.split(";")[1:]}
    assert {"Path", "HttpOnly", "Secure", "SameSite", "Max-Age"} <= attributes, cookie
    assert "SameSite=Strict" in cookie and "Max-Age=43200" in cookie
    again = call("POST", "/organizers/session", {"secret": secret})
    assert again["statusCode"] == 401 and body_of(again)["error"] == "sign_in_link_invalid"


def test_an_expired_link_gives_nothing(world: World) -> None:
    call("POST", "/organizers/sign-in", {"email": CHAIR})
    mail_sign_in_links(world)
    world.clock.advance(timedelta(minutes=15, seconds=1))
    response = call("POST", "/organizers/session", {"secret": link_secret()})
    assert response["statusCode"] == 401


def test_nothing_is_shown_without_a_valid_session(world: World) -> None:
    created = create()
    cookie = sign_in(world)
    assert call("GET", "/organizers/submissions", cookie=cookie)["statusCode"] == 200
    payload, _, signature = cookie.partition(".")
    other = sessions.sign_session(b"another key", CHAIR, world.clock.now())
    refused = {
        "signed out": call("GET", "/organizers/submissions"),
        "author's token": call("GET", "/organizers/submissions", token=created["token"]),
        "forged signature": call("GET", "/organizers/submissions", cookie=f"{payload}.{signature[::-1]}"),
        "other key": call("GET", "/organizers/submissions", cookie=other),
        "junk": call("GET", "/organizers/submissions", cookie="nonsense"),
        "export": call("GET", "/organizers/export?format=json", token=created["token"]),
        "decide": call("POST", "/organizers/decisions", {"ids": [created["id"]], "decision": "accepted"}),
        "cross-site": call(
            "POST", "/organizers/releases", cookie=cookie, headers={"origin": "https://evil.example"}
        ),
    }
    for name, response in refused.items():
        assert response["statusCode"] == 401, name
        assert body_of(response)["error"] == "not_signed_in", name
    world.clock.advance(timedelta(hours=12, seconds=1))
    assert call("GET", "/organizers/submissions", cookie=cookie)["statusCode"] == 401


def test_the_table_lists_every_submission_with_counts(world: World) -> None:
    first = create("ada@example.org", "=HYPERLINK(1)")
    create("alan@example.org", "Second")
    upload(world, first, body_pages=2)
    cookie = sign_in(world)
    listed = body_of(call("GET", "/organizers/submissions", cookie=cookie))
    rows = sorted(
        (dict(zip(listed["columns"], row, strict=True)) for row in listed["rows"]), key=lambda r: r["title"]
    )
    assert [r["title"] for r in rows] == ["=HYPERLINK(1)", "Second"]
    assert rows[0]["status"] == "pass" and rows[0]["body_pages"] == 2 and rows[0]["late"] == 0
    assert listed["counts"] == {"pass": 1, "awaiting_upload": 1}
    assert listed["decisions"]["undecided"] == 2


def test_one_submission_and_a_fresh_link_to_its_pdf(world: World) -> None:
    created = create()
    upload(world, created, body_pages=3)
    cookie = sign_in(world)
    detail = body_of(call("GET", f"/organizers/submissions/{created['id']}", cookie=cookie))
    [version] = detail["versions"]
    assert version["verdict"]["outcome"] == "fail" and version["current"] and not version["late"]
    assert version["uploaded_at"] is not None
    link = call(
        "POST",
        f"/organizers/submissions/{created['id']}/versions/1/link?object={version['object_id']}",
        cookie=cookie,
    )
    assert link["statusCode"] == 200, link
    assert "X-Amz-Expires=300" in body_of(link)["url"]
    missing = call("POST", f"/organizers/submissions/{created['id']}/versions/2/link", cookie=cookie)
    assert missing["statusCode"] == 404
    assert call("GET", "/organizers/submissions/nosuchthing", cookie=cookie)["statusCode"] == 404


def test_decisions_reach_authors_once_and_only_when_released(world: World) -> None:
    accepted, rejected, withdrawn = create("a@example.org"), create("b@example.org"), create("c@example.org")
    call("DELETE", f"/submissions/{withdrawn['id']}", token=withdrawn["token"])
    cookie = sign_in(world)
    deliver(world)
    before = len(sent())
    decide = call(
        "POST",
        "/organizers/decisions",
        {"ids": [accepted["id"]], "decision": "accepted", "note": "Poster session B."},
        cookie=cookie,
    )
    assert decide["statusCode"] == 200, decide
    call("POST", "/organizers/decisions", {"ids": [rejected["id"]], "decision": "rejected"}, cookie=cookie)
    refused = call(
        "POST", "/organizers/decisions", {"ids": [withdrawn["id"]], "decision": "accepted"}, cookie=cookie
    )
    assert refused["statusCode"] == 409
    unknown = call(
        "POST", "/organizers/decisions", {"ids": ["nosuchone"], "decision": "accepted"}, cookie=cookie
    )
    assert unknown["statusCode"] == 404
    assert world.notifications() == [] and len(sent()) == before

    answer = call("POST", "/organizers/releases", cookie=cookie)
    assert answer["statusCode"] == 201, answer
    preview = body_of(answer)
    assert preview["pending"] == 2 and preview["undecided"] == 0
    kinds = {m["decision"]: m for m in preview["mails"]}
    assert "Poster session B." in kinds["accepted"]["text"]
    assert kinds["rejected"]["subject"].startswith("[AI Systems Workshop at SOSP 2017] Not accepted")

    send = f"/organizers/releases/{preview['release_id']}/send"
    started = call("POST", send, cookie=cookie)
    assert started["statusCode"] == 202 and body_of(started)["state"] == "queued"
    [job] = world.drain(world.release_queue_url)
    releaser.lambda_handler(sqs_event([json.dumps(job)], "releases"), FakeContext())
    released = body_of(call("GET", f"/organizers/releases/{preview['release_id']}", cookie=cookie))
    assert released["state"] == "done"
    assert sorted(released["sent"]) == sorted([accepted["id"], rejected["id"]])
    queued = world.notifications()
    assert sorted(e["event_id"] for e in queued) == sorted(
        [f"decision:{accepted['id']}:v1", f"decision:{rejected['id']}:v1"]
    )
    assert call("POST", send, cookie=cookie)["statusCode"] == 409
    assert body_of(call("POST", "/organizers/releases", cookie=cookie))["pending"] == 0
    bodies = [json.dumps(e) for e in queued]
    notifier.lambda_handler(sqs_event(bodies, "notifications"), FakeContext())
    mails = sent()[before:]
    # A redelivered release event mails no one again.
    notifier.lambda_handler(sqs_event(bodies, "notifications"), FakeContext())
    assert len(sent()) == before + len(mails)
    decisions = [m for m in mails if "ccepted" in m["Subject"]]
    assert sorted(m["To"] for m in decisions) == ["a@example.org", "b@example.org"]
    assert "Poster session B." in text_of(next(m for m in decisions if m["To"] == "a@example.org"))
    digest = next(m for m in mails if "Digest" in m["Subject"])
    assert "Decisions sent to authors (2)" in text_of(digest)
    detail = body_of(call("GET", f"/organizers/submissions/{accepted['id']}", cookie=cookie))
    assert detail["decision_sent"] and detail["decided_by"] == CHAIR
    assert sorted(h["action"] for h in detail["history"]) == ["decided", "released"]


def test_exports_carry_everything_and_stay_formula_safe(world: World) -> None:
    created = create("a@example.org", "=cmd|' /C calc'!A0")
    cookie = sign_in(world)
    call("POST", "/organizers/decisions", {"ids": [created["id"]], "decision": "accepted"}, cookie=cookie)
    response = call("GET", "/organizers/export?format=csv", cookie=cookie)
    assert response["statusCode"] == 200
    assert 'filename="submissions.csv"' in response["headers"]["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response["body"])))
    assert rows[0]["title"] == "'=cmd|' /C calc'!A0" and rows[0]["decision"] == "accepted"
    document = body_of(call("GET", "/organizers/export?format=json", cookie=cookie))
    [submission] = document["submissions"]
    assert submission["id"] == created["id"] and submission["decided_by"] == CHAIR
    assert "token_hash" not in submission


def test_extensions_and_resends_name_who_and_when(world: World) -> None:
    created = create()
    upload(world, created)
    world.notifications()
    cookie = sign_in(world)
    until = (world.clock.now() + timedelta(days=40)).isoformat()
    response = call("POST", "/organizers/extensions", {"ids": [created["id"]], "until": until}, cookie=cookie)
    assert response["statusCode"] == 200, response
    for not_an_instant in ("2030-01-01T00:00:00", 1893456000, "soon"):
        refused = call(
            "POST", "/organizers/extensions", {"ids": [created["id"]], "until": not_an_instant}, cookie=cookie
        )
        assert refused["statusCode"] == 422, not_an_instant
    resent = call(
        "POST", f"/organizers/submissions/{created['id']}/resend", {"what": "verdict"}, cookie=cookie
    )
    assert resent["statusCode"] == 200, resent
    [event] = world.notifications()
    assert event["kind"] == "verdict" and event["detail"] == {"resent_by": CHAIR}
    detail = body_of(call("GET", f"/organizers/submissions/{created['id']}", cookie=cookie))
    assert detail["extension_granted_by"] == CHAIR
    assert sorted(h["action"] for h in detail["history"]) == ["extended", "resent"]
    world.sqs.send_message(QueueUrl=world.dead_letter_queue_url, MessageBody="{}")
    counts = body_of(call("GET", "/organizers/dead-letters", cookie=cookie))
    assert counts == {"validation": 1, "notification": 0, "archive": 0, "release": 0}


def test_the_console_page_is_served_under_the_same_policy(world: World) -> None:
    response = call("GET", "/organizers")
    assert response["statusCode"] == 200
    assert "unsafe-inline" not in response["headers"]["Content-Security-Policy"]
    assert '<script src="/assets/console.js" type="module"></script>' in response["body"]
    assert call("GET", "/assets/console.js")["statusCode"] == 200


def test_cfp_admin_shows_what_the_console_shows_after_the_page_limit_moves(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = create()
    upload(world, created, body_pages=3)
    monkeypatch.setenv("MAX_BODY_PAGES", "3")
    wiring.reset()
    wiring.use_clock(world.clock)
    cookie = sign_in(world)
    detail = body_of(call("GET", f"/organizers/submissions/{created['id']}", cookie=cookie))
    listed = body_of(call("GET", "/organizers/submissions", cookie=cookie))
    [version] = detail["versions"]
    assert (version["verdict"]["outcome"], version["verdict"]["problems"]) == ("pass", [])

    admin = admin_runner(monkeypatch)
    target = cfp_admin._local_target("")

    [line] = [text for text in admin("show", created["id"]).splitlines() if text.strip().startswith("v1 ")]
    assert line.split()[2] == version["verdict"]["outcome"] and "too_many_body_pages" not in line
    [row] = [text for text in admin("list").splitlines() if text.startswith(created["id"])]
    assert row.split()[1:4] == [listed["rows"][0][4], "pass", "3"]
    exported = json.loads(build_console(cfp_admin.adapters_of(target)).export_json().decode())
    assert exported["submissions"][0]["versions"] == detail["versions"]
