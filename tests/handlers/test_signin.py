"""Signing in: asking for a link is the same work for any address, strangers can neither lock an organizer
out nor flood their inbox, and sessions end on the server (signing out closes a session for every copy of
its cookie; removing an address from OrganizerEmails ends that organizer's sessions)."""

from __future__ import annotations

from datetime import timedelta
from email.message import Message
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from cfp import wiring
from cfp.errors import SendingBlocked, SignInUnavailable
from cfp.mailer import Mailer
from cfp.signin_store import DynamoSignInRecords
from tests.support.aws import FakeContext, sqs_event
from tests.support.functions import (
    CHAIR,
    body_of,
    call,
    link_secret,
    mail_sign_in_links,
    sent,
    sign_in,
    signin_function,
)
from tests.support.world import World


def test_signing_out_ends_the_session_for_a_copied_cookie_too(world: World) -> None:
    cookie = sign_in(world)
    copied = str(cookie)
    other = sign_in(world, "cochair@example.org")
    assert call("GET", "/organizers/submissions", cookie=copied)["statusCode"] == 200

    signed_out = call("DELETE", "/organizers/session", cookie=cookie)
    assert signed_out["statusCode"] == 200
    assert any("Max-Age=0" in c for c in signed_out["cookies"]), signed_out["cookies"]
    for path in ("/organizers/submissions", "/organizers/session"):
        refused = call("GET", path, cookie=copied)
        assert refused["statusCode"] == 401, path
        assert body_of(refused)["error"] == "not_signed_in"
    assert call("GET", "/organizers/submissions", cookie=other)["statusCode"] == 200, "others stay in"
    assert any(e.action == "signed_out" and e.by == CHAIR for e in wiring.adapters().bookkeeping.history())
    assert sign_in(world) != cookie, "signing in again opens a new session"


def test_a_link_redeemed_while_the_table_cannot_be_reached_is_a_503_and_still_works_after(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert call("POST", "/organizers/sign-in", {"email": CHAIR})["statusCode"] == 202
    mail_sign_in_links(world)
    secret = link_secret()
    table = wiring.client("dynamodb")

    def unreachable(**request: Any) -> None:
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "try again"}}, "DeleteItem")

    with monkeypatch.context() as outage:
        outage.setattr(table, "delete_item", unreachable)
        refused = call("POST", "/organizers/session", {"secret": secret})
    assert refused["statusCode"] == 503, refused
    assert body_of(refused)["error"] == "unavailable" and not refused.get("cookies")
    assert call("POST", "/organizers/session", {"secret": secret})["statusCode"] == 200, (
        "the link still works"
    )


def test_a_sign_out_the_server_cannot_record_says_so_and_the_browser_still_forgets_the_cookie(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    cookie = sign_in(world)

    def unreachable(self: DynamoSignInRecords, session_hash: str) -> None:
        raise SignInUnavailable("the table could not be reached")

    with monkeypatch.context() as outage:
        outage.setattr(DynamoSignInRecords, "close_session", unreachable)
        refused = call("DELETE", "/organizers/session", cookie=cookie)
    assert refused["statusCode"] == 503
    assert body_of(refused)["error"] == "unavailable"
    assert any("Max-Age=0" in c for c in refused["cookies"]), refused["cookies"]

    assert call("GET", "/organizers/submissions", cookie=cookie)["statusCode"] == 200, "still open: try again"
    assert call("DELETE", "/organizers/session", cookie=cookie)["statusCode"] == 200
    assert call("GET", "/organizers/submissions", cookie=cookie)["statusCode"] == 401


def test_signing_out_with_a_forged_or_missing_cookie_closes_nothing(world: World) -> None:
    cookie = sign_in(world)
    payload, _, signature = cookie.partition(".")
    assert call("DELETE", "/organizers/session", cookie=f"{payload}.{signature[::-1]}")["statusCode"] == 200
    assert call("DELETE", "/organizers/session")["statusCode"] == 200
    assert call("GET", "/organizers/submissions", cookie=cookie)["statusCode"] == 200


def test_an_address_taken_off_the_organizers_is_signed_out_at_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    cookie = sign_in(world, "cochair@example.org")
    assert call("GET", "/organizers/submissions", cookie=cookie)["statusCode"] == 200
    monkeypatch.setenv("ORGANIZER_EMAILS", CHAIR)
    wiring.reset()
    wiring.use_clock(world.clock)
    for path in ("/organizers/submissions", "/organizers/session"):
        refused = call("GET", path, cookie=cookie)
        assert refused["statusCode"] == 401 and body_of(refused)["error"] == "not_signed_in", path
    assert call("GET", "/organizers/submissions", cookie=sign_in(world))["statusCode"] == 200


def _sign_in_mails(to: str = CHAIR) -> list[Message]:
    return [m for m in sent() if m["To"] == to and "Sign in" in m["Subject"]]


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every AWS call made while a test runs, as (service, operation)."""
    made: list[tuple[str, str]] = []
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        made.append((client.meta.service_model.service_name, operation))
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)
    return made


def test_asking_for_a_link_is_the_same_work_for_an_organizer_as_for_anyone(
    world: World, aws_calls: list[tuple[str, str]]
) -> None:
    call("POST", "/organizers/sign-in", {"email": "warm@example.org"})
    answers, work = {}, {}
    for address in ("mallory@example.org", CHAIR, "Chair@Example.org", "cochair@example.org"):
        aws_calls.clear()
        answers[address] = call("POST", "/organizers/sign-in", {"email": address})
        work[address] = list(aws_calls)
    assert set(map(tuple, work.values())) == {(("sqs", "SendMessage"),)}, work
    assert len({(a["statusCode"], a["body"]) for a in answers.values()}) == 1, answers
    assert sent() == [], "no mail is sent on the request path"
    mail_sign_in_links(world)
    assert [m["To"] for m in sent()] == [CHAIR, "cochair@example.org"]


def test_strangers_can_neither_lock_an_organizer_out_nor_flood_their_inbox(world: World) -> None:
    for _ in range(30):  # five minutes of strangers asking for the chair's address, 20 times every 10 s
        for _ in range(20):
            call("POST", "/organizers/sign-in", {"email": CHAIR})
        mail_sign_in_links(world)
        world.clock.advance(timedelta(seconds=10))
    assert len(_sign_in_mails()) == 5, "one mail a minute, however many requests"

    call("POST", "/organizers/sign-in", {"email": CHAIR})  # the chair asks, like anyone
    mail_sign_in_links(world)
    assert len(_sign_in_mails()) == 6
    signed = call("POST", "/organizers/session", {"secret": link_secret()})
    assert signed["statusCode"] == 200, "the link in the inbox works"

    call("POST", "/organizers/sign-in", {"email": CHAIR})
    mail_sign_in_links(world)
    assert len(_sign_in_mails()) == 7, "once a link is used, the next request mails one at once"
    assert call("POST", "/organizers/session", {"secret": link_secret()})["statusCode"] == 200


def test_within_the_minute_the_last_mail_holds_a_working_link(world: World) -> None:
    call("POST", "/organizers/sign-in", {"email": CHAIR})
    mail_sign_in_links(world)
    world.clock.advance(timedelta(seconds=40))
    call("POST", "/organizers/sign-in", {"email": CHAIR})
    mail_sign_in_links(world)
    assert len(_sign_in_mails()) == 1
    assert call("POST", "/organizers/session", {"secret": link_secret()})["statusCode"] == 200


def test_a_sign_in_mail_that_fails_is_retried_and_sent(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    call("POST", "/organizers/sign-in", {"email": CHAIR})
    [request] = world.sign_in_requests()
    original = Mailer.send

    def refuse(mailer: Mailer, mail: Any) -> str:
        raise SendingBlocked("throttled")

    monkeypatch.setattr(Mailer, "send", refuse)
    failed = signin_function.lambda_handler(sqs_event([request], "sign-in"), FakeContext())
    assert len(failed["batchItemFailures"]) == 1
    monkeypatch.setattr(Mailer, "send", original)
    retried = signin_function.lambda_handler(sqs_event([request], "sign-in", 2), FakeContext())
    assert retried["batchItemFailures"] == []
    assert len(_sign_in_mails()) == 1
