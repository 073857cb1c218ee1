"""The call never closes over an upload nobody judged: uploads are on record before they are checked, lost
events are found in S3, dead-lettered uploads are flagged whatever killed them, and a confirmation that
turns out wrong is corrected."""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from cfp import wiring
from cfp.deadline import SETTLE
from cfp_tools.pdfs import make_abstract
from tests.support.aws import FakeContext, http_event, load_function, s3_event_body, s3_record, sqs_event
from tests.support.call import DEADLINE_AT
from tests.support.stories import text_of
from tests.support.world import World

api = load_function("api")
validator = load_function("validator")
keeper = load_function("deadline")
notifier = load_function("notifier")

# The keeper waits this long after the cutoff before it closes (stated here, not imported from the code).
SETTLED = SETTLE + timedelta(seconds=1)
NEW = {"title": "T", "authors": [{"name": "A"}], "contact_email": "a@example.org", "abstract": "x"}


def create(world: World) -> dict[str, Any]:
    response = api.lambda_handler(http_event("POST", "/submissions", NEW), FakeContext())
    assert response["statusCode"] == 201
    world.notifications()
    result: dict[str, Any] = json.loads(response["body"])
    return result


def read(created: dict[str, Any]) -> dict[str, Any]:
    event = http_event("GET", f"/submissions/{created['id']}", token=created["token"])
    result: dict[str, Any] = json.loads(api.lambda_handler(event, FakeContext())["body"])
    return result


def put(world: World, created: dict[str, Any], data: bytes, at: datetime) -> str:
    key = created["upload"]["fields"]["key"]
    stored = world.s3.put_object(Bucket=world.bucket, Key=key, Body=data, ContentType="application/pdf")
    return s3_event_body(
        s3_record(world.bucket, key, len(data), stored["ETag"].strip('"'), at, stored["VersionId"])
    )


def validate(body: str, receive_count: int = 1) -> dict[str, Any]:
    result: dict[str, Any] = validator.lambda_handler(
        sqs_event([body], receive_count=receive_count), FakeContext()
    )
    return result


def fire(world: World, at: datetime) -> dict[str, int]:
    world.clock.instant = at
    result: dict[str, int] = keeper.lambda_handler({"source": "aws.scheduler", "detail": {}}, FakeContext())
    return result


class _Unreachable:
    """A bucket whose reads fail, as when S3 or the network has a bad minute."""

    def read(self, key: str, version_id: str | None, max_bytes: int) -> bytes:
        raise ConnectionError("S3 did not answer")


def kinds(world: World) -> list[tuple[str, bool | None]]:
    return [(n["kind"], n["detail"].get("corrected")) for n in world.notifications()]


def test_an_upload_whose_check_failed_once_holds_the_close_until_it_is_judged(world: World) -> None:
    created = create(world)
    body = put(world, created, make_abstract(2), DEADLINE_AT - timedelta(seconds=5))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(wiring.adapters(), "bucket", _Unreachable())
        assert len(validate(body)["batchItemFailures"]) == 1
    assert read(created)["status"] == "validating"

    assert fire(world, DEADLINE_AT + SETTLED) == {
        "reminders": 0,
        "confirmations": 0,
        "call_closed": 0,
        "final_reminders": 0,
        "finals_closed": 0,
    }

    assert validate(body, receive_count=2) == {"batchItemFailures": []}
    world.notifications()
    assert fire(world, DEADLINE_AT + SETTLED + timedelta(minutes=15)) == {
        "reminders": 0,
        "confirmations": 1,
        "call_closed": 1,
        "final_reminders": 0,
        "finals_closed": 0,
    }
    assert read(created)["status"] == "pass"


def test_an_upload_in_the_deadlines_last_second_holds_the_final_digest(world: World) -> None:
    created = create(world)
    body = put(world, created, make_abstract(2), DEADLINE_AT + timedelta(milliseconds=300))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(wiring.adapters(), "bucket", _Unreachable())
        validate(body)
    assert fire(world, DEADLINE_AT + SETTLED)["call_closed"] == 0


def test_an_upload_whose_event_never_arrived_is_found_in_s3_and_checked(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # moto stamps objects with the wall clock, so this call's deadline is an hour from now.
    deadline = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    monkeypatch.setenv("DEADLINE", deadline.isoformat())
    monkeypatch.setenv("FINAL_DEADLINE", (deadline + timedelta(days=40)).isoformat())
    wiring.reset()
    wiring.use_clock(world.clock)
    world.clock.instant = deadline - timedelta(hours=2)
    created = create(world)
    put(world, created, make_abstract(2), datetime.now(UTC))  # S3 stored it; its event is lost

    assert fire(world, deadline + SETTLED)["call_closed"] == 0
    got = world.sqs.receive_message(QueueUrl=world.validation_queue_url, MaxNumberOfMessages=10)
    [message] = got["Messages"]
    assert validate(message["Body"]) == {"batchItemFailures": []}
    assert read(created)["status"] == "pass"
    world.notifications()
    assert fire(world, deadline + SETTLED + timedelta(minutes=15))["call_closed"] == 1


def test_an_upload_dead_lettered_by_a_crash_is_flagged_and_kept_in_the_queue(world: World) -> None:
    created = create(world)
    body = put(world, created, make_abstract(2), DEADLINE_AT - timedelta(hours=1))
    # The validator died on every try (a timeout or out-of-memory kill runs no code of ours).
    world.sqs.send_message(QueueUrl=world.dead_letter_queue_url, MessageBody=body)

    fire(world, DEADLINE_AT - timedelta(minutes=30))
    state = read(created)
    assert state["status"] == "needs_attention"
    assert "dead-letter queue" in state["versions"][0]["attention"]
    notes = world.notifications()
    assert [(n["kind"], n["submission_id"], n["version"]) for n in notes] == [("attention", created["id"], 1)]
    # The letter stays, and visible at once: a redrive right after the keeper's run moves it.
    attributes = world.sqs.get_queue_attributes(QueueUrl=world.dead_letter_queue_url, AttributeNames=["All"])[
        "Attributes"
    ]
    waiting = (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"])
    assert waiting == ("1", "0")

    fire(world, DEADLINE_AT - timedelta(minutes=15))
    assert world.notifications() == []  # flagged once, not at every firing


def test_a_confirmation_is_corrected_when_what_is_on_record_changes(world: World) -> None:
    created = create(world)
    body = put(world, created, make_abstract(2), DEADLINE_AT - timedelta(hours=1))
    world.sqs.send_message(QueueUrl=world.dead_letter_queue_url, MessageBody=body)
    assert fire(world, DEADLINE_AT + SETTLED)["confirmations"] == 1
    assert kinds(world) == [("attention", None), ("on_record", None), ("call_closed", None)]

    # An operator moves the message back and the check now succeeds.
    assert validate(body) == {"batchItemFailures": []}
    world.notifications()
    assert fire(world, DEADLINE_AT + SETTLED + timedelta(minutes=15))["confirmations"] == 1
    assert kinds(world) == [("on_record", True)]
    assert fire(world, DEADLINE_AT + SETTLED + timedelta(minutes=30))["confirmations"] == 0


def test_an_upload_after_withdrawal_is_kept_and_marked(world: World) -> None:
    created = create(world)
    withdraw = http_event("DELETE", f"/submissions/{created['id']}", token=created["token"])
    assert api.lambda_handler(withdraw, FakeContext())["statusCode"] == 200
    world.clock.instant += timedelta(minutes=1)
    world.notifications()

    assert validate(put(world, created, make_abstract(2), world.clock.now())) == {"batchItemFailures": []}
    state = read(created)
    assert state["status"] == "withdrawn"
    assert state["versions"][0]["verdict"]["outcome"] == "pass"
    assert state["versions"][0]["after_withdrawal"] is True

    notes = [json.dumps(n) for n in world.notifications()]
    assert notifier.lambda_handler(sqs_event(notes, "notifications"), FakeContext()) == {
        "batchItemFailures": []
    }
    mails = [
        email.message_from_string(m.raw_data)
        for m in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    ]
    assert [m["To"] for m in mails] == ["chair@example.org, cochair@example.org"]
    assert "uploaded after the withdrawal" in text_of(mails[0])
