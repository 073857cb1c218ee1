"""Organizers sign in without a shared password: a one-time link by mail, then a signed session cookie.

Organizers are the addresses in ``OrganizerEmails``. Asking for a link always gets the same answer after
about the same time, so the page never tells whether an address is an organizer's; only organizers get a
mail. The link's secret is stored as a hash for ``LINK_LIFETIME`` and works once. The session it gives is
kept on the server and checked on every request, both that it is still open (signing out closes it, for
every copy of the cookie) and that its address is still on the list (removing an address ends its sessions).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from cfp import sessions
from cfp.clock import Clock
from cfp.errors import LimitReached, NotSignedIn, RecipientRejected, SignInLinkInvalid
from cfp.mail.message import Mail
from cfp.mail.render import MailRenderer
from cfp.observability import logger
from cfp.ports import OrganizerSessions, SubmissionRepository
from cfp.settings import Settings

# Every request for a link takes at least this long, whether a mail is sent or not.
ANSWER_FLOOR_SECONDS = 1.0
# Links one address may ask for in an hour (counted for every address, organizer or not).
LINKS_PER_ADDRESS_PER_HOUR = 5


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie's value, its lifetime, and who it is for."""

    cookie: str
    max_age: int
    organizer: sessions.Organizer


@dataclass(frozen=True)
class SignIn:
    settings: Settings
    store: SubmissionRepository
    renderer: MailRenderer
    send: Callable[[Mail], object]
    clock: Clock
    key: Callable[[], bytes]
    kept: OrganizerSessions
    sleep: Callable[[float], None] = field(default=time.sleep)

    def _is_organizer(self, email: str) -> bool:
        return email.strip().lower() in {a.lower() for a in self.settings.organizer_emails}

    def request_link(self, email: str, base_url: str) -> None:
        """Mail a one-time sign-in link if ``email`` is an organizer's; the same answer either way."""
        started = time.monotonic()
        try:
            self._send_link(email.strip().lower(), base_url)
        finally:
            self.sleep(max(0.0, ANSWER_FLOOR_SECONDS - (time.monotonic() - started)))

    def _send_link(self, address: str, base_url: str) -> None:
        now = self.clock.now()
        hour = now.replace(minute=0, second=0, microsecond=0)
        try:
            self.store.count_once_more(
                f"signin#{sessions.hash_secret(address)}",
                hour,
                hour + timedelta(hours=1),
                LINKS_PER_ADDRESS_PER_HOUR,
            )
        except LimitReached:
            logger.warning("sign-in links asked for too often for one address")
            return
        if not self._is_organizer(address):
            return
        secret = sessions.new_link_secret()
        expires_at = now + sessions.LINK_LIFETIME
        self.store.save_sign_in_link(sessions.hash_secret(secret), address, expires_at)
        url = f"{base_url.rstrip('/')}/organizers#signin={secret}"
        try:
            self.send(self.renderer.sign_in(address, url, expires_at))
        except RecipientRejected:
            logger.exception("SES refused an organizer's sign-in mail")

    def redeem(self, secret: str) -> SignedIn:
        """Exchange a link's secret for a session; raises SignInLinkInvalid for a used or expired one."""
        now = self.clock.now()
        email = self.store.redeem_sign_in_link(sessions.hash_secret(secret), now) if secret else None
        if email is None or not self._is_organizer(email):
            raise SignInLinkInvalid("this sign-in link has expired or was already used; ask for a new one")
        self.store.audit(email, "signed_in", "with a one-time link", now)
        lifetime = sessions.SESSION_LIFETIME
        session_id = sessions.new_session_id()
        self.kept.open_session(sessions.hash_secret(session_id), email, now + lifetime)
        cookie = sessions.sign_session(self.key(), email, now, lifetime, session_id)
        organizer = sessions.Organizer(email, now + lifetime, session_id)
        return SignedIn(cookie, int(lifetime.total_seconds()), organizer)

    def verify(self, cookie: str | None) -> sessions.Organizer:
        """The organizer a session cookie speaks for; raises NotSignedIn."""
        now = self.clock.now()
        organizer = sessions.verify_session(self.key(), cookie, now)
        if not self._is_organizer(organizer.email):
            raise NotSignedIn("this address is no longer one of the organizers'")
        if not organizer.session_id or not self.kept.session_is_open(
            sessions.hash_secret(organizer.session_id), now
        ):
            raise NotSignedIn("this session was signed out; sign in again at /organizers")
        return organizer

    def sign_out(self, cookie: str | None) -> None:
        """Close the session a cookie names, so no copy of it works again; a forged or missing cookie
        closes nothing."""
        try:
            organizer = sessions.read_session(self.key(), cookie)
        except NotSignedIn:
            return
        if organizer.session_id:
            self.kept.close_session(sessions.hash_secret(organizer.session_id))
            self.store.audit(organizer.email, "signed_out", "the session was closed", self.clock.now())
