"""Organizer sessions: a signed cookie, and the one-time sign-in links that lead to one.

A session is ``<payload>.<signature>``: the payload names the organizer, the instant it expires and the
session's random id, the signature is an HMAC-SHA256 of it under the key the template keeps in Secrets
Manager. A forged or edited cookie fails the signature check and an old one its expiry; the session itself
is also kept on the server (by its id's hash), so signing out ends it for every copy of the cookie.

A sign-in link carries a random secret; only its SHA-256 is stored (with a TTL), and redeeming it deletes
that item in the same conditional write, so a link works once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cfp.errors import NotSignedIn

COOKIE_NAME = "cfp_organizer"
SESSION_LIFETIME = timedelta(hours=12)
LINK_LIFETIME = timedelta(minutes=15)


@dataclass(frozen=True)
class Organizer:
    """Who is signed in, and until when."""

    email: str
    expires_at: datetime
    session_id: str = ""


def new_link_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_session_id() -> str:
    return secrets.token_urlsafe(24)


def sign_session(
    key: bytes, email: str, now: datetime, lifetime: timedelta = SESSION_LIFETIME, session_id: str = ""
) -> str:
    """The cookie value for ``email``'s session ``session_id``, valid for ``lifetime`` from ``now``."""
    expires = int((now + lifetime).timestamp())
    claims = {"e": email, "x": expires, "s": session_id}
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{signature}"


def read_session(key: bytes, value: str | None) -> Organizer:
    """The organizer a cookie speaks for, expired or not; raises NotSignedIn for a missing or forged one."""
    if not value or value.count(".") != 1:
        raise NotSignedIn("sign in at /organizers")
    payload, signature = value.split(".")
    expected = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, signature):
        raise NotSignedIn("sign in at /organizers")
    try:
        claims = json.loads(_unb64(payload))
        email, expires = str(claims["e"]), datetime.fromtimestamp(int(claims["x"]), UTC)
        session_id = str(claims.get("s", ""))
    except (ValueError, KeyError, TypeError, OverflowError, OSError) as error:
        raise NotSignedIn("sign in at /organizers") from error
    return Organizer(email, expires, session_id)


def verify_session(key: bytes, value: str | None, now: datetime) -> Organizer:
    """The organizer a cookie speaks for; raises NotSignedIn for a missing, forged or expired one."""
    organizer = read_session(key, value)
    if organizer.expires_at <= now:
        raise NotSignedIn("your session has expired; sign in again at /organizers")
    return organizer


def cookie_value(cookies: list[str]) -> str | None:
    """The session cookie among a request's ``name=value`` cookies."""
    for cookie in cookies:
        name, _, value = cookie.strip().partition("=")
        if name == COOKIE_NAME:
            return value
    return None
