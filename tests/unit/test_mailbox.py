"""Mail is counted per mailbox: an address's case and +tag name the same mailbox; dots do not, except at
Gmail, which ignores them. A mailbox admits a few new submissions an hour; an admitted submission's own
mail is limited per submission, so no stranger's submissions use it up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cfp.clock import FixedClock
from cfp.mail.message import Mail
from cfp.mailbox import MAILS_PER_SUBMISSION_PER_HOUR, MailboxQuota, mailbox
from tests.support.fakes import FakeMailCounts

NOON = datetime(2017, 8, 20, 12, 0, tzinfo=UTC)


def to(*addresses: str) -> Mail:
    return Mail(to=addresses, subject="s", text="t", html="h")


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


def test_only_the_mailboxes_with_room_stay_on_a_mail() -> None:
    quota = MailboxQuota(counter=FakeMailCounts(), clock=FixedClock(NOON), most=1)
    first = to("ada@example.org")
    assert quota.admit(first, "e1", "s1") == (first, [])
    assert quota.admit(first, "e1", "s1") == (first, [])  # the same event again: counted once
    both = Mail(to=("Ada+x@example.org",), cc=("grace@example.org",), subject="s", text="t", html="h")
    admitted, held = quota.admit(both, "e2", "s2")  # a second submission: Ada's hour is full
    assert held == ["Ada+x@example.org"]
    assert admitted is not None and (admitted.to, admitted.cc) == (("grace@example.org",), ())
    assert quota.admit(first, "e3", "s1") == (first, [])  # s1's own mail still goes
    assert quota.admit(first, "e4", "s2") == (None, ["ada@example.org"])
    assert quota.admit(first, "e5", "s2", always=True) == (first, [])


def test_strangers_submissions_cannot_use_up_an_admitted_submissions_mail() -> None:
    """The reviewer's story: Ada's submission first, then ten by a stranger for ada+N."""
    clock = FixedClock(NOON)
    quota = MailboxQuota(counter=FakeMailCounts(), clock=clock, most=10)
    assert quota.admit(to("ada@example.org"), "receipt-ada", "ada") == (to("ada@example.org"), [])
    held = [quota.admit(to(f"ada+{n}@example.org"), f"receipt-{n}", f"x{n}")[1] for n in range(10)]
    assert held == [[]] * 9 + [["ada+9@example.org"]]  # nine admitted beside Ada's own, the tenth held
    assert quota.admit(to("ada@example.org"), "verdict-ada", "ada")[1] == []
    clock.instant += timedelta(hours=30)
    for kind in ("reminder", "on-record"):  # owed mail goes, past any hourly count
        for n in range(MAILS_PER_SUBMISSION_PER_HOUR + 1):
            assert quota.admit(to("ada@example.org"), f"{kind}-{n}", "ada", owed=True)[1] == []


def test_a_mailbox_gets_a_bounded_share_however_many_submissions_strangers_make() -> None:
    """Three new submissions an hour; each admitted one at most its own hourly mail, whatever is sent."""
    counts = FakeMailCounts()
    quota = MailboxQuota(counter=counts, clock=FixedClock(NOON), most=3)
    sent = 0
    for n in range(50):
        for event in range(20):  # a receipt and verdict after verdict for each
            mail, _ = quota.admit(to(f"ada+{n}@example.org"), f"e{n}-{event}", f"x{n}")
            sent += mail is not None
    assert sent == 3 * MAILS_PER_SUBMISSION_PER_HOUR
    assert len(counts.admitted) == 3


def test_a_redelivered_event_counts_once() -> None:
    quota = MailboxQuota(counter=FakeMailCounts(), clock=FixedClock(NOON), most=1)
    for _ in range(3):
        assert quota.admit(to("ada@example.org"), "receipt", "ada")[1] == []
    for n in range(MAILS_PER_SUBMISSION_PER_HOUR - 1):
        for _ in range(3):
            assert quota.admit(to("ada@example.org"), f"verdict-{n}", "ada")[1] == []
    assert quota.admit(to("ada@example.org"), "one-too-many", "ada")[1] == ["ada@example.org"]
