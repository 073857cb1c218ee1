"""SES v2 adapter: sends a rendered mail as raw MIME, telling a bad address from a passing failure."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from cfp.clock import Clock
from cfp.errors import RecipientRejected
from cfp.mail.message import Mail

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

# SES answers this for a message it will never accept as addressed (a suppressed or malformed recipient, or
# one not verified while the account is in the sandbox). Everything else, throttling and the sender's own
# misconfiguration included, is raised so the message is retried and then dead-lettered, never dropped.
_PERMANENT = {"MessageRejected"}


class Mailer:
    def __init__(
        self,
        client: SESV2Client,
        sender: str,
        sender_name: str,
        clock: Clock,
        mails_per_second: float = 0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._sender = sender
        self._sender_name = sender_name
        self._clock = clock
        self._interval = 1 / mails_per_second if mails_per_second else 0.0
        self._sleep = sleep
        self._last_send = -float("inf")

    def _pace(self) -> None:
        """Keep this sender under its share of SES's sending rate, so a burst is sent, not throttled."""
        wait = self._last_send + self._interval - time.monotonic()
        if wait > 0:
            self._sleep(wait)
        self._last_send = time.monotonic()

    def send(self, mail: Mail) -> str:
        """Send and return SES's message id; raises RecipientRejected or the passing ClientError."""
        self._pace()
        try:
            response = self._client.send_email(
                FromEmailAddress=self._sender,
                Destination={"ToAddresses": list(mail.to), "CcAddresses": list(mail.cc)},
                ReplyToAddresses=list(mail.reply_to),
                Content={"Raw": {"Data": mail.to_mime(self._sender, self._sender_name, self._clock.now())}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _PERMANENT:
                raise RecipientRejected(str(error)) from error
            raise
        return response["MessageId"]
