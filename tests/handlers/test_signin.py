"""Organizer sessions end on the server: signing out closes a session for every copy of its cookie, and
removing an address from OrganizerEmails ends that organizer's sessions."""

from __future__ import annotations

import pytest

from cfp import wiring
from tests.handlers.conftest import World
from tests.handlers.test_console import CHAIR, body_of, call, quick_answers, sign_in

__all__ = ["quick_answers"]


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
    assert any(e.action == "signed_out" and e.by == CHAIR for e in wiring.store().history())
    assert sign_in(world) != cookie, "signing in again opens a new session"


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
