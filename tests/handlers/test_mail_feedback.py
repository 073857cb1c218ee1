"""The mail feedback function against moto: SES's reports, delivered through SNS to its queue, recorded."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from cfp import wiring
from cfp.bootstrap import build_console, build_console_changes
from cfp_tools.ses_events import bounce, complaint, sns_body, sqs_event
from tests.support.aws import FakeContext, load_function
from tests.support.functions import create, deliver, sent
from tests.support.stories import text_of
from tests.support.world import World

feedback = load_function("feedback")
signin = load_function("signin")


def report(*bodies: str) -> dict[str, Any]:
    result: dict[str, Any] = feedback.lambda_handler(sqs_event(*bodies), FakeContext())
    return result


def bounced_on(world: World, submission_id: str) -> list[str]:
    meta = world.dynamodb.get_item(
        TableName=world.table, Key={"pk": {"S": f"SUB#{submission_id}"}, "sk": {"S": "META"}}
    )
    return list(meta["Item"].get("bounced", {}).get("SS", []))


def test_a_hard_bounce_is_recorded_digested_and_stops_the_authors_mail(world: World) -> None:
    created = create(contact="alan@example.org")
    deliver(world)  # the receipt and a digest
    assert report(sns_body(bounce(["Alan@Example.org"]))) == {"batchItemFailures": []}
    [line] = bounced_on(world, created["id"])
    assert line.startswith("alan@example.org: hard bounce (Permanent/General")
    assert build_console(wiring.adapters()).show(created["id"]).bounced == [line]
    before = len(sent())
    assert deliver(world) == {"batchItemFailures": []}
    digest = sent()[before]
    assert "Bounced author addresses (1)" in text_of(digest) and line in text_of(digest)
    # An organizer resends the receipt: it is held back, and the next digest says why.
    response = build_console_changes(wiring.adapters()).resend(created["id"], "receipt", "chair@example.org")
    assert response is not None
    before = len(sent())
    deliver(world)
    [held] = sent()[before:]
    assert held["To"] == "chair@example.org, cochair@example.org"
    assert "alan@example.org held back: it bounced for good or complained before" in text_of(held)


def test_a_soft_bounce_is_recorded_and_mail_still_goes(world: World) -> None:
    created = create(contact="alan@example.org")
    world.notifications()
    report(sns_body(bounce(["alan@example.org"], "Transient", "MailboxFull")))
    assert "soft bounce" in bounced_on(world, created["id"])[0]
    build_console_changes(wiring.adapters()).resend(created["id"], "receipt", "chair@example.org")
    before = len(sent())
    deliver(world)
    assert any(m["To"] == "alan@example.org" for m in sent()[before:])


def test_a_complaint_and_a_broken_message_in_one_batch(world: World) -> None:
    created = create(contact="alan@example.org")
    world.notifications()
    result = report(sns_body(complaint(["alan@example.org"])), '{"Type": "Notification"}')
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == [
        sqs_event("", "")["Records"][1]["messageId"]
    ]
    assert "complaint (abuse)" in bounced_on(world, created["id"])[0]


def test_an_organizers_sign_in_link_still_goes_after_a_complaint(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    report(sns_body(complaint(["chair@example.org"])))
    ses = wiring.client("sesv2")
    named: list[str] = []
    real_send = ses.send_email

    def send(**kwargs: Any) -> Any:
        named.append(kwargs.get("ConfigurationSetName", ""))
        return real_send(**kwargs)

    monkeypatch.setattr(ses, "send_email", send)
    body = json.dumps({"email": "chair@example.org", "base_url": "https://cfp.example.org/"})
    from tests.support.aws import sqs_event as queue_event

    assert signin.lambda_handler(queue_event([body], "sign-in"), FakeContext()) == {"batchItemFailures": []}
    assert named == [os.environ["CONFIGURATION_SET"]]
