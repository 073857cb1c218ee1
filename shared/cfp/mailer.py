"""SES v2 adapter: sends a rendered mail as raw MIME, telling a bad address from a passing failure.

What SendEmail answers is sorted by whose fault it is and whether asking again can help:

- ``MessageRejected`` (the recipient is not accepted as addressed, e.g. unverified while the account is in
  the sandbox) and ``BadRequestException`` (the input is invalid, e.g. an illegal address): the same mail is
  refused every time, so it is permanent for this message (``RecipientRejected``) and its recipients are
  recorded as bounced.
- ``AccountSuspendedException``, ``SendingPausedException``, ``MailFromDomainNotVerifiedException`` and
  ``NotFoundException`` (a configuration set or identity is missing): permanent until an operator fixes the
  account or the sender, and no fault of the recipient (``SendingBlocked``). The message is retried, then
  dead-lettered, which raises the alarm, and can be redriven once fixed; it is never dropped.
- ``TooManyRequestsException``, ``LimitExceededException`` (a quota that refills), 5xx and network errors
  pass: the ``ClientError`` is raised as it is and the message retried.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from cfp.clock import Clock
from cfp.errors import RecipientRejected, SendingBlocked
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


class Mailer:
    def __init__(
        self,
        client: SESV2Client,
        sender: str,
        sender_name: str,
        clock: Clock,
        mails_per_second: float = 0,
        sleep: Callable[[float], None] = time.sleep,
        configuration_set: str = "",
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._sender = sender
        self._sender_name = sender_name
        self._clock = clock
        self._interval = 1 / mails_per_second if mails_per_second else 0.0
        self._sleep = sleep
        self._monotonic = monotonic
        self._last_send = -float("inf")
        # Names the configuration set whose event destination reports bounces and complaints.
        self._options = {"ConfigurationSetName": configuration_set} if configuration_set else {}

    def _pace(self) -> None:
        """Keep this sender under its share of SES's sending rate, so a burst is sent, not throttled."""
        wait = self._last_send + self._interval - self._monotonic()
        if wait > 0:
            self._sleep(wait)
        self._last_send = self._monotonic()

    def send(self, mail: Mail) -> str:
        """Send and return SES's message id; raises RecipientRejected, SendingBlocked or the passing
        ClientError."""
        self._pace()
        try:
            response = self._client.send_email(
                FromEmailAddress=self._sender,
                Destination={"ToAddresses": list(mail.to), "CcAddresses": list(mail.cc)},
                ReplyToAddresses=list(mail.reply_to),
                Content={"Raw": {"Data": mail.to_mime(self._sender, self._sender_name, self._clock.now())}},
                **self._options,  # type: ignore[arg-type]
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in _REJECTED:
                raise RecipientRejected(str(error)) from error
            if code in _BLOCKED:
                raise SendingBlocked(str(error)) from error
            raise
        return response["MessageId"]
