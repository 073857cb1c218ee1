"""The organizers' door: asking for a sign-in link, redeeming it for a session, signing out; and the
``OrganizersRouter`` every console room is built on, whose routes all run behind the sign-in and Origin
check, so no route can forget it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.shared.cookies import Cookie, SameSite
from pydantic import BaseModel, ConfigDict, Field

from cfp import sessions, wiring
from cfp.api.answers import (
    CONSOLE_ANSWERS,
    INVALID,
    LINK_INVALID,
    NOT_JSON,
    ORGANIZER,
    TOO_LARGE,
    ErrorAnswer,
    answers,
    documented,
    error,
)
from cfp.api.room import Room
from cfp.bootstrap import build_sign_in
from cfp.errors import SignInUnavailable
from cfp.model import Email
from cfp.observability import logger

router = Room()


class SignInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email


class SignInAnswer(BaseModel):
    message: str


class SessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    secret: str = Field(min_length=1, max_length=200, description="The secret from the sign-in link.")


class SessionView(BaseModel):
    email: str
    expires_at: datetime


def _session_cookie(value: str, max_age: int) -> Cookie:
    """Script cannot read it, it travels only over HTTPS (browsers count 127.0.0.1 as secure too) and
    only with requests this site makes."""
    return Cookie(
        name=sessions.COOKIE_NAME,
        value=value,
        path="/",
        secure=True,
        http_only=True,
        max_age=max_age,
        same_site=SameSite.STRICT_MODE,
    )


@router.post(
    "/organizers/sign-in",
    status_code=202,
    summary="Ask for a one-time sign-in link (mailed only to organizers; the answer is the same for anyone)",
    responses=answers(
        202, "Asked: the same answer for any address.", {413: TOO_LARGE, 415: NOT_JSON, 422: INVALID}
    ),
)
def ask_for_sign_in_link(request: SignInRequest) -> SignInAnswer:
    s = wiring.settings()
    base = s.public_url or f"https://{router.event.request_context.domain_name}"
    build_sign_in(wiring.adapters()).request_link(request.email, base)
    return SignInAnswer(
        message="If this address is one of the organizers', a sign-in link is on its way to it. "
        "The link works once, within 15 minutes."
    )


@router.post(
    "/organizers/session",
    summary="Exchange a sign-in link's secret for a session cookie",
    responses=answers(200, "Signed in: the session cookie is set.", LINK_INVALID),
)
def open_session(request: SessionRequest) -> Response[SessionView]:
    signed = build_sign_in(wiring.adapters()).redeem(request.secret)
    view = SessionView(email=signed.organizer.email, expires_at=signed.organizer.expires_at)
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=view,
        cookies=[_session_cookie(signed.cookie, signed.max_age)],
    )


@router.get(
    "/organizers/session",
    summary="Who is signed in",
    security=ORGANIZER,
    responses=answers(200, "The organizer signed in, and when the session ends.", CONSOLE_ANSWERS),
)
def read_session() -> SessionView:
    organizer = build_sign_in(wiring.adapters()).verify(sessions.cookie_value(router.event.cookies or []))
    return SessionView(email=organizer.email, expires_at=organizer.expires_at)


@router.delete(
    "/organizers/session",
    summary="Sign out",
    responses=answers(
        200,
        "The session is ended and the cookie cleared.",
        {
            422: INVALID,
            503: documented(
                ErrorAnswer, "unavailable: the cookie is cleared, but the session could not be ended."
            ),
        },
    ),
)
def close_session() -> Response[dict[str, Any]]:
    """The browser forgets the cookie whatever happens; a session the server could not close is a 503, so
    the page can say that copies of the cookie still work and to try again."""
    try:
        build_sign_in(wiring.adapters()).sign_out(sessions.cookie_value(router.event.cookies or []))
    except SignInUnavailable as failure:
        logger.error("a session could not be closed", extra={"error": str(failure)})
        unavailable = error(503, "unavailable", "The session could not be ended just now. Try again.")
        unavailable.cookies = [_session_cookie("", 0)]
        return unavailable
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body={"message": "signed out"},
        cookies=[_session_cookie("", 0)],
    )
