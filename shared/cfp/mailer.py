"""SES v2 adapter: sends a rendered mail as raw MIME, telling a bad address from a passing failure.

What SendEmail answers is sorted by whose fault it is and whether asking again can help:

- ``MessageRejected`` (the recipient is not accepted as addressed, e.g. unverified while the account is in
  the sandbox) and ``BadRequestException`` (the input is invalid, e.g. an illegal address): the same mail is
  refused every time, so it is permanent for this message (``PermanentRejection``) and its recipients are
  recorded as bounced.
- ``AccountSuspendedException``, ``SendingPausedException``, ``MailFromDomainNotVerifiedException`` and
  ``NotFoundException`` (a configuration set or identity is missing): permanent until an operator fixes the
  account or the sender, and no fault of the recipient (``SendingBlocked``). The message is retried, then
  dead-lettered, which raises the alarm, and can be redriven once fixed; it is never dropped.
- ``TooManyRequestsException``, ``LimitExceededException`` (a quota that refills), 5xx and network errors
  pass: the ``ClientError`` is raised as it is and the message retried.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from cfp.clock import Clock
from cfp.mail.message import Mail

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

_REJECTED = {"MessageRejected", "BadRequestException"}
_BLOCKED = {
    "AccountSuspendedException",
    "SendingPausedException",
    "MailFromDomainNotVerifiedException",
    "NotFoundException",
}


class PermanentRejection(Exception):
    """SES refused this message for good (for example, a malformed or refused address)."""


class SendingBlocked(Exception):
    """SES refuses every mail from this account or sender until an operator fixes it."""


class Mailer:
    def __init__(self, client: SESV2Client, sender: str, sender_name: str, clock: Clock) -> None:
        self._client = client
        self._sender = sender
        self._sender_name = sender_name
        self._clock = clock

    def send(self, mail: Mail) -> str:
        """Send and return SES's message id; raises PermanentRejection, SendingBlocked or the passing
        ClientError."""
        try:
            response = self._client.send_email(
                FromEmailAddress=self._sender,
                Destination={"ToAddresses": list(mail.to), "CcAddresses": list(mail.cc)},
                ReplyToAddresses=list(mail.reply_to),
                Content={"Raw": {"Data": mail.to_mime(self._sender, self._sender_name, self._clock.now())}},
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in _REJECTED:
                raise PermanentRejection(str(error)) from error
            if code in _BLOCKED:
                raise SendingBlocked(str(error)) from error
            raise
        return response["MessageId"]
