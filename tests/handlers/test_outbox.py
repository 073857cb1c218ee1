"""An author's answer and the mail it causes never depend on each other's luck: the event is written with
the record, a retried create returns the same submission, and the token never crosses a queue in clear."""

from __future__ import annotations

import email
import json
from datetime import timedelta
from typing import Any

import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from cfp import wiring
from cfp.errors import PublishFailed
from tests.support.aws import FakeContext, http_event, load_function, sqs_event
from tests.support.stories import text_of
from tests.support.world import World

api = load_function("api")
keeper = load_function("deadline")
notifier = load_function("notifier")

NEW = {
    "title": "Elastic Training on Spot Instances",
    "authors": [{"name": "Barbara Liskov", "email": "barbara@example.org"}],
    "contact_email": "barbara@example.org",
    "abstract": "Cheap and cheerful.",
}


def call(method: str, path: str, body: Any = None, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    response = api.lambda_handler(http_event(method, path, body, **kwargs), FakeContext())
    return response["statusCode"], json.loads(response["body"])


class _QueueDown:
    def publish(self, event: Any) -> None:
        raise PublishFailed("SQS did not answer")


def sqs_down(patch: pytest.MonkeyPatch) -> None:
    patch.setattr(wiring.adapters(), "notification_queue", _QueueDown())


def receipts() -> list[email.message.Message]:
    raw = [m.raw_data for m in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages]
    return [
        email.message_from_string(r) for r in raw if "Received:" in email.message_from_string(r)["Subject"]
    ]


def test_a_failed_publish_still_answers_with_the_token_and_the_receipt_follows(world: World) -> None:
    with pytest.MonkeyPatch.context() as patch:
        sqs_down(patch)
        status, created = call("POST", "/submissions", NEW)
    assert status == 201 and created["token"]
    assert world.notifications() == []

    world.clock.instant += timedelta(seconds=30)
    keeper.lambda_handler({}, FakeContext())
    assert world.notifications() == []  # the API might still be queueing it itself

    world.clock.instant += timedelta(minutes=1)
    keeper.lambda_handler({}, FakeContext())
    notes = world.notifications()
    assert [(n["kind"], n["submission_id"]) for n in notes] == [("submitted", created["id"])]
    notifier.lambda_handler(sqs_event([json.dumps(n) for n in notes], "notifications"), FakeContext())
    [receipt] = receipts()
    assert created["token"] in text_of(receipt)

    keeper.lambda_handler({}, FakeContext())
    assert world.notifications() == []  # queued once, then gone from the outbox


def test_a_failed_publish_after_withdrawal_still_withdraws_and_mails_later(world: World) -> None:
    _, created = call("POST", "/submissions", NEW)
    world.notifications()
    with pytest.MonkeyPatch.context() as patch:
        sqs_down(patch)
        status, body = call("DELETE", f"/submissions/{created['id']}", token=created["token"])
    assert (status, body["status"]) == (200, "withdrawn")
    world.clock.instant += timedelta(minutes=2)
    keeper.lambda_handler({}, FakeContext())
    assert [n["kind"] for n in world.notifications()] == ["withdrawn"]


def test_the_token_crosses_the_queue_sealed(world: World) -> None:
    _, created = call("POST", "/submissions", NEW)
    [note] = world.notifications()
    assert created["token"] not in json.dumps(note)
    assert note["detail"]["sealed_token"]


def test_a_retried_create_returns_the_same_submission_and_token(world: World) -> None:
    key = {"Idempotency-Key": "7d3c1f0e-5b7a-4a52-9f1e-2b8a3c4d5e6f"}
    first_status, first = call("POST", "/submissions", NEW, headers=key)
    world.clock.instant += timedelta(seconds=5)
    again_status, again = call("POST", "/submissions", NEW, headers=key)
    assert (first_status, again_status) == (201, 201)
    assert (again["id"], again["token"]) == (first["id"], first["token"])
    assert again["upload"]["fields"]["key"] == first["upload"]["fields"]["key"]
    assert [n["kind"] for n in world.notifications()] == ["submitted"]
    scanned = world.dynamodb.scan(TableName=world.table)["Items"]
    assert len([i for i in scanned if i["sk"]["S"] == "META"]) == 1

    other_status, other = call("POST", "/submissions", {**NEW, "title": "Another"}, headers=key)
    assert (other_status, other["error"]) == (409, "idempotency_key_reused")

    fresh_status, fresh = call("POST", "/submissions", NEW, headers={"Idempotency-Key": "another-key"})
    assert fresh_status == 201 and fresh["id"] != first["id"]


def test_an_idempotency_key_is_forgotten_after_a_day(world: World) -> None:
    key = {"Idempotency-Key": "k-1"}
    _, first = call("POST", "/submissions", NEW, headers=key)
    world.clock.instant += timedelta(hours=24, seconds=1)
    status, later = call("POST", "/submissions", NEW, headers=key)
    assert status == 201 and later["id"] != first["id"]


@pytest.mark.parametrize("key", ["", "x" * 256, "has space"])
def test_a_malformed_idempotency_key_is_refused(world: World, key: str) -> None:
    status, body = call("POST", "/submissions", NEW, headers={"Idempotency-Key": key})
    assert (status, body["error"]) == (422, "invalid_request")
