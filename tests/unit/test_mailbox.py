"""Mail is counted per mailbox: an address's case and +tag name the same mailbox; dots do not, except at
Gmail, which ignores them."""

from __future__ import annotations

from datetime import UTC, datetime

from cfp.clock import FixedClock
from cfp.mail.message import Mail
from cfp.mailbox import MailboxQuota, mailbox


class Counts:
    """``cfp.ports.MailboxCounter`` in memory."""

    def __init__(self) -> None:
        self.events: dict[tuple[str, datetime], set[str]] = {}

    def count_mail(self, box: str, event_id: str, hour: datetime, end: datetime, most: int) -> bool:
        seen = self.events.setdefault((box, hour), set())
        if event_id in seen:
            return True
        if len(seen) >= most:
            return False
        seen.add(event_id)
        return True


def test_a_mailbox_is_the_address_lower_cased_without_its_tag() -> None:
    assert mailbox("Ada+CFP-2017@Example.ORG") == "ada@example.org"
    assert mailbox("ada+a+b@example.org") == "ada@example.org"
    assert mailbox("a.da@example.org") == "a.da@example.org"
    assert mailbox("+only+x@example.org") == "+only+x@example.org"


def test_gmail_ignores_dots_and_googlemail_is_gmail() -> None:
    spellings = ["ada@gmail.com", "a.da@gmail.com", "A.D.A+cfp@GMail.com", "ad.a@googlemail.com"]
    assert {mailbox(address) for address in spellings} == {"ada@gmail.com"}
    assert mailbox("a.da@gmail.com.example.org") == "a.da@gmail.com.example.org"
    assert mailbox("a.da@mail.gmail.com") == "a.da@mail.gmail.com"


def test_only_the_mailboxes_under_their_limit_stay_on_a_mail() -> None:
    quota = MailboxQuota(Counts(), FixedClock(datetime(2017, 8, 20, 12, 0, tzinfo=UTC)), 1)
    first = Mail(to=("ada@example.org",), subject="s", text="t", html="h")
    assert quota.admit(first, "e1") == (first, [])
    assert quota.admit(first, "e1") == (first, [])  # the same event again: counted once
    both = Mail(to=("Ada+x@example.org",), cc=("grace@example.org",), subject="s", text="t", html="h")
    admitted, held = quota.admit(both, "e2")
    assert held == ["Ada+x@example.org"]
    assert admitted is not None and (admitted.to, admitted.cc) == (("grace@example.org",), ())
    assert quota.admit(first, "e3") == (None, ["ada@example.org"])
    assert quota.admit(first, "e4", always=True) == (first, [])
