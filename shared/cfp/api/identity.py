"""Who is asking: the author's bearer token, the organizer's session; and the check that runs before a
request's input is judged, so whoever may not ask learns nothing about the rules or what exists."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from cfp import sessions, wiring
from cfp.api.answers import ID_PATTERN
from cfp.bootstrap import build_sign_in, build_submission_service
from cfp.errors import NotSignedIn
from cfp.submission_views import NotAuthorized

_ABOUT_ONE = re.compile(r"^/submissions/(?P<id>[^/]+)(?:/[a-z-]+)?/?$")
# The organizers' paths open to anyone: asking for a link, redeeming it, signing out.
_OPEN_TO_ANYONE = re.compile(r"^/organizers/(sign-in|session)/?$")


def bearer_token(event: APIGatewayProxyEventV2) -> str | None:
    scheme, _, token = (event.headers.get("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def organizer_of(event: APIGatewayProxyEventV2) -> str:
    """The signed-in organizer's address; a request that changes something must come from this site."""
    origin = event.headers.get("origin")
    if origin and event.request_context.http.method != "GET":
        host = event.headers.get("host") or event.request_context.domain_name
        if urlsplit(origin).netloc != host:
            raise NotSignedIn("this request did not come from the console")
    return build_sign_in(wiring.adapters()).verify(sessions.cookie_value(event.cookies or [])).email


def authenticate_first(event: APIGatewayProxyEventV2) -> None:
    """Raise NotAuthorized or NotSignedIn for a request its sender may not make, whatever its input: a
    request about one submission needs that submission's token, an organizers' request a session."""
    path = event.raw_path or event.path
    if _OPEN_TO_ANYONE.match(path):
        return
    if path.startswith("/organizers/"):
        organizer_of(event)
        return
    about = _ABOUT_ONE.match(path)
    if about is None:
        return
    if not re.match(ID_PATTERN, about["id"]):
        raise NotAuthorized("no submission with this id accepts this token")
    build_submission_service(wiring.adapters()).authorize(about["id"], bearer_token(event))
