"""Each SES answer is sorted into refused-for-good, blocked-until-fixed, or worth another try."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from cfp.clock import FixedClock
from cfp.errors import RecipientRejected, SendingBlocked
from cfp.mail.message import Mail
from cfp.mailer import Mailer

MAIL = Mail(to=("ada@example.org",), subject="Receipt", text="text", html="<p>html</p>")


def _answering(code: str) -> Mailer:
    client = boto3.client("sesv2", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_client_error("send_email", service_error_code=code, http_status_code=400)
    stubber.activate()
    return Mailer(client, "cfp@example.org", "cfp", FixedClock(datetime(2017, 8, 1, tzinfo=UTC)))


@pytest.mark.parametrize("code", ["MessageRejected", "BadRequestException"])
def test_a_refused_message_is_permanent(code: str) -> None:
    with pytest.raises(RecipientRejected):
        _answering(code).send(MAIL)


@pytest.mark.parametrize(
    "code",
    [
        "AccountSuspendedException",
        "SendingPausedException",
        "MailFromDomainNotVerifiedException",
        "NotFoundException",
    ],
)
def test_a_blocked_account_is_not_the_recipients_fault(code: str) -> None:
    with pytest.raises(SendingBlocked):
        _answering(code).send(MAIL)


@pytest.mark.parametrize("code", ["TooManyRequestsException", "LimitExceededException", "InternalFailure"])
def test_passing_failures_are_raised_as_they_are(code: str) -> None:
    with pytest.raises(ClientError) as raised:
        _answering(code).send(MAIL)
    assert raised.value.response["Error"]["Code"] == code


def test_an_accepted_mail_returns_its_message_id() -> None:
    client = boto3.client("sesv2", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_response(
        "send_email",
        {"MessageId": "m-1"},
        {
            "FromEmailAddress": "cfp@example.org",
            "Destination": {"ToAddresses": ["ada@example.org"], "CcAddresses": []},
            "ReplyToAddresses": [],
            "Content": {"Raw": {"Data": ANY}},
        },
    )
    with stubber:
        mailer = Mailer(client, "cfp@example.org", "cfp", FixedClock(datetime(2017, 8, 1, tzinfo=UTC)))
        assert mailer.send(MAIL) == "m-1"
