"""How much mail one mailbox gets from the call: every author mail counts against its recipient's mailbox
for the hour, and past ``MaxMailsPerMailboxPerHour`` that mailbox gets no more until the next hour.

The limit is on mail, not on submissions: anyone may type a rival's address, so refusing submissions for
an address would let a stranger lock its owner out. A submission is always created and its creator always
gets the id, token and manage link in the API's answer; only the mail is held back, and the next digest
tells the organizers which addresses were.

Addresses are counted by mailbox, as most providers deliver them: lower-cased (the local part too) and
without a ``+tag``, so ``Ada+1@Example.org`` and ``ada+2@example.org`` are both ``ada@example.org``.
Dots in the local part are kept, since folding them would merge distinct people's mailboxes elsewhere,
except at Gmail, whose documented rule is that dots do not matter and that ``googlemail.com`` is
``gmail.com``: there ``A.da@googlemail.com`` is ``ada@gmail.com``, or each spelling would get its own share.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from cfp.clock import Clock
from cfp.mail.message import Mail
from cfp.observability import logger, metrics
from cfp.ports import MailboxCounter

# Google's domains whose mailboxes ignore dots in the local part, and the one they all deliver to.
_GMAIL = frozenset({"gmail.com", "googlemail.com"})


def mailbox(address: str) -> str:
    """The mailbox an address delivers to: lower case, no ``+tag`` (a local part that starts with ``+``
    is all tag, and kept); at Gmail, no dots either, and the domain ``gmail.com``."""
    local, _, domain = address.strip().lower().rpartition("@")
    local = local.partition("+")[0] or local
    if domain in _GMAIL:
        return f"{local.replace('.', '')}@gmail.com"
    return f"{local}@{domain}"


@dataclass(frozen=True)
class MailboxQuota:
    """Counts each author mail once per recipient mailbox and hour (a redelivered event counts once), and
    keeps to the hourly limit; ``most`` 0 counts nothing and limits nothing."""

    counter: MailboxCounter
    clock: Clock
    most: int

    def admit(self, mail: Mail, event_id: str, always: bool = False) -> tuple[Mail | None, list[str]]:
        """The mail addressed only to mailboxes under their limit (None when none is), and the addresses
        held back. With ``always`` (what organizers send on purpose) it is counted and sent whole."""
        if not self.most:
            return mail, []
        now = self.clock.now()
        hour = now.replace(minute=0, second=0, microsecond=0)
        end = hour + timedelta(hours=1)
        admitted: dict[str, bool] = {}
        for address in mail.recipients():
            box = mailbox(address)
            if box not in admitted:
                admitted[box] = self.counter.count_mail(box, event_id, hour, end, self.most) or always
        held = [a for a in mail.recipients() if not admitted[mailbox(a)]]
        if not held:
            return mail, []
        metrics.add_metric(name="MailHeldBack", unit="Count", value=len(held))
        logger.info("mail held back: a mailbox is over its hourly limit", extra={"event_id": event_id})
        to = tuple(a for a in mail.to if admitted[mailbox(a)])
        cc = tuple(a for a in mail.cc if admitted[mailbox(a)])
        if not to and not cc:
            return None, held
        return replace(mail, to=to or cc, cc=cc if to else ()), held
