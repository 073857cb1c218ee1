"""How much mail one mailbox gets from the call, in two budgets, so that a stranger who types an author's
address can neither flood that mailbox nor use up the mail of a submission they do not hold.

- **Admission, per mailbox and hour.** A mailbox is sent mail about at most ``MaxMailsPerMailboxPerHour``
  new submissions an hour: the first mail about a submission (usually its receipt) admits it to each of its
  recipients' mailboxes, if that mailbox's hour has room. This is all a stranger can cause without a token:
  creating submissions for ``ada+1@...``, ``ada+2@...`` spends admissions, nothing else.
- **Mail, per admitted submission and hour.** Once admitted, a submission's own mail to that mailbox is
  limited per (mailbox, submission): ``MAILS_PER_SUBMISSION_PER_HOUR`` an hour (the receipt, verdicts, a
  late upload, a withdrawal; the notifier already folds a burst of uploads into one verdict mail), and never
  counts against any other submission. Its reminders and closing confirmation always go. Only the token's
  holder causes this mail, and no submission causes much of it: one verdict per upload, and uploads are
  capped per submission.
- Mail about a submission not admitted yet tries to admit it in the current hour; what finds no room is not
  sent, and the next digest names the address. What organizers send on purpose (decisions, resends) always
  goes and counts against nothing.

So a stranger's submissions cannot hold back an author's verdict, reminders or confirmation once her own
submission is admitted; what is left to a stranger who fills a mailbox's admissions every hour is holding
back mail about a submission not yet admitted (its creator still has the id, token and manage link from
the API's answer, and organizers can resend). The limit is on mail, not on submissions: anyone may type a
rival's address, so refusing submissions for an address would let a stranger lock its owner out. Both
budgets are counted with conditional writes keyed by submission and by event, so two notifiers counting at
once never pass a limit and a redelivered event counts once.

Addresses are counted by mailbox, as most providers deliver them: lower-cased (the local part too) and
without a ``+tag``, so ``Ada+1@Example.org`` and ``ada+2@example.org`` are both ``ada@example.org``.
Dots in the local part are kept, since folding them would merge distinct people's mailboxes elsewhere,
except at Gmail, whose documented rule is that dots do not matter and that ``googlemail.com`` is
``gmail.com``: there ``A.da@googlemail.com`` is ``ada@gmail.com``, or each spelling would get its own share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cfp.clock import Clock
from cfp.mail.message import Mail
from cfp.observability import logger, metrics
from cfp.ports import MailboxCounter

# Google's domains whose mailboxes ignore dots in the local part, and the one they all deliver to.
_GMAIL = frozenset({"gmail.com", "googlemail.com"})
# Mails one admitted submission may send one mailbox in an hour (reminders and confirmations apart).
MAILS_PER_SUBMISSION_PER_HOUR = 6


def mailbox(address: str) -> str:
    """The mailbox an address delivers to: lower case, no ``+tag`` (a local part that starts with ``+``
    is all tag, and kept); at Gmail, no dots either, and the domain ``gmail.com``."""
    local, _, domain = address.strip().lower().rpartition("@")
    local = local.partition("+")[0] or local
    if domain in _GMAIL:
        return f"{local.replace('.', '')}@gmail.com"
    return f"{local}@{domain}"


@dataclass(frozen=True, kw_only=True)
class MailboxQuota:
    """Admits submissions to mailboxes (``most`` an hour each) and counts each admitted submission's mail
    per mailbox and hour; ``most`` 0 counts nothing and limits nothing."""

    counter: MailboxCounter
    clock: Clock
    most: int

    def admit(
        self, mail: Mail, event_id: str, submission: str, always: bool = False, owed: bool = False
    ) -> tuple[Mail | None, list[str]]:
        """The mail about ``submission`` addressed only to the mailboxes it may go to (None when none), and
        the addresses held back. ``always`` (what organizers send on purpose) sends it whole, counting
        nothing; ``owed`` (a reminder, the closing confirmation) goes to every mailbox the submission is
        admitted to, without counting against its hourly mail."""
        if not self.most or always:
            return mail, []
        hour = self.clock.now().replace(minute=0, second=0, microsecond=0)
        end = hour + timedelta(hours=1)
        admitted: dict[str, bool] = {}
        for address in mail.recipients():
            box = mailbox(address)
            if box not in admitted:
                admitted[box] = self._allows(box, submission, event_id, hour, end, owed)
        held = [a for a in mail.recipients() if not admitted[mailbox(a)]]
        if not held:
            return mail, []
        metrics.add_metric(name="MailHeldBack", unit="Count", value=len(held))
        logger.info("mail held back: a mailbox is over an hourly limit", extra={"event_id": event_id})
        return mail.without(set(held)), held

    def _allows(
        self, box: str, submission: str, event_id: str, hour: datetime, end: datetime, owed: bool
    ) -> bool:
        if not self.counter.admit(box, submission, hour, end, self.most):
            return False
        return owed or self.counter.count_mail(
            box, submission, event_id, hour, end, MAILS_PER_SUBMISSION_PER_HOUR
        )
