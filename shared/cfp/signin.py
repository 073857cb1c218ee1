"""Organizers sign in without a shared password: a one-time link by mail, then a signed session cookie.

Organizers are the addresses in ``OrganizerEmails``, which are also the Reply-To of every author mail, so
anyone can ask for a link to them. Asking does the same work for any address: the request is queued, and
the answer given, without even looking at the list; so neither the answer nor its timing tells whether an
address is an organizer's. The sign-in function takes the request off the queue and mails an organizer a
link, at once unless a link still unused went to that address less than ``MAIL_INTERVAL`` ago: however
often strangers ask, an organizer gets at most one mail a minute, and the last one always holds a link that
works. There is no cap that a stranger could use up: an organizer who asks has a working link in their
inbox within a minute. Using a link lets the next request mail a new one at once.

A link's secret is stored as a hash for ``LINK_LIFETIME`` and works once. The session it gives is kept on
the server and checked on every request, both that it is still open (signing out closes it, for every copy
of the cookie) and that its address is still on the list (removing an address ends its sessions).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from cfp import sessions
from cfp.clock import Clock
from cfp.errors import NotSignedIn, RecipientRejected, SignInLinkInvalid
from cfp.mail.message import Mail
from cfp.mail.render import MailRenderer
from cfp.observability import logger
from cfp.ports import Bookkeeping, JobQueue, SignInRecords
from cfp.settings import Settings

# An organizer's inbox gets at most one sign-in mail in this long while its link is unused.
MAIL_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie's value, its lifetime, and who it is for."""

    cookie: str
    max_age: int
    organizer: sessions.Organizer


def _mailbox(address: str) -> str:
    return sessions.hash_secret(address.strip().lower())


@dataclass(frozen=True, kw_only=True)
class SignIn:
    settings: Settings
    bookkeeping: Bookkeeping
    renderer: MailRenderer
    send: Callable[[Mail], object]
    clock: Clock
    key: Callable[[], bytes]
    kept: SignInRecords
    requests: JobQueue

    def _is_organizer(self, email: str) -> bool:
        return email.strip().lower() in {a.lower() for a in self.settings.organizer_emails}

    def request_link(self, email: str, base_url: str) -> None:
        """Queue a request for a link: the same single call whoever asks, organizer or not."""
        self.requests.send(json.dumps({"email": email.strip().lower(), "base_url": base_url}))

    def mail_link(self, request: str) -> bool:
        """Mail an organizer a one-time link for a queued request, unless an unused one went to them less
        than a minute ago (that mail already holds a working link); True when a mail went out."""
        asked = json.loads(request)
        address, base_url = str(asked["email"]), str(asked["base_url"])
        if not self._is_organizer(address):
            return False
        now = self.clock.now()
        expires_at = now + sessions.LINK_LIFETIME
        if not self.kept.claim_link_mail(_mailbox(address), now, now - MAIL_INTERVAL, expires_at):
            logger.info("a sign-in link went to this address less than a minute ago; none sent")
            return False
        secret = sessions.new_link_secret()
        url = f"{base_url.rstrip('/')}/organizers#signin={secret}"
        try:
            self.kept.save_link(sessions.hash_secret(secret), address, expires_at)
            self.send(self.renderer.sign_in(address, url, expires_at))
        except RecipientRejected:
            logger.exception("SES refused an organizer's sign-in mail")
            return False
        except Exception:
            # Retried by the queue: the claim must not hold back the retry's mail.
            self.kept.release_link_mail(_mailbox(address))
            raise
        return True

    def redeem(self, secret: str) -> SignedIn:
        """Exchange a link's secret for a session; raises SignInLinkInvalid for a used or expired one."""
        now = self.clock.now()
        email = self.kept.redeem_link(sessions.hash_secret(secret), now) if secret else None
        if email is None or not self._is_organizer(email):
            raise SignInLinkInvalid("this sign-in link has expired or was already used; ask for a new one")
        self.kept.release_link_mail(_mailbox(email))
        self.bookkeeping.audit(email, "signed_in", "with a one-time link", now)
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
            self.bookkeeping.audit(organizer.email, "signed_out", "the session was closed", self.clock.now())
