"""Decisions and their release against moto: a decision changed after its release is mailed as a
correction, once; a release sends exactly what its preview showed and says what changed since; releases
at once each report, audit and publish a submission's mail once."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cfp import events, releases, wiring
from cfp.bootstrap import mail_once
from cfp.errors import SendInProgress
from cfp.events import NotificationEvent
from cfp.mail.message import Mail
from cfp.mailer import Mailer
from cfp.notifications import BatchOutcome, Notifier
from cfp.queues import NotificationQueue
from cfp.release_records import Claim
from tests.support.aws import FakeContext, load_function, sqs_event
from tests.support.functions import CHAIR, body_of, call, create, sent, sign_in
from tests.support.stories import text_of
from tests.support.world import World

notifier = load_function("notifier")
releaser = load_function("releaser")


def decide(cookie: str, ids: list[str], decision: str, note: str = "") -> None:
    answer = call(
        "POST", "/organizers/decisions", {"ids": ids, "decision": decision, "note": note}, cookie=cookie
    )
    assert answer["statusCode"] == 200, answer


def preview(cookie: str) -> dict[str, Any]:
    answer = call("POST", "/organizers/releases", cookie=cookie)
    assert answer["statusCode"] == 201, answer
    return dict(body_of(answer))


def send(cookie: str, release_id: str, world: World | None = None) -> dict[str, Any]:
    """Start a release; with ``world``, let the releaser send it and answer the release as it ends."""
    answer = call("POST", f"/organizers/releases/{release_id}/send", cookie=cookie)
    assert answer["statusCode"] == 202, answer
    started = dict(body_of(answer))
    assert started["state"] == "queued"
    if world is None:
        return started
    run_releaser(world)
    ended = dict(body_of(call("GET", f"/organizers/releases/{release_id}", cookie=cookie)))
    return {**ended, "changes": started["changes"]}


def run_releaser(world: World) -> None:
    """Hand the releaser every job queued, as its event source does."""
    while jobs := world.drain(world.release_queue_url):
        answer = releaser.lambda_handler(sqs_event([json.dumps(j) for j in jobs], "releases"), FakeContext())
        assert answer == {"batchItemFailures": []}


def release(world: World, cookie: str) -> dict[str, Any]:
    """Preview, send, and let the notifier mail what the release queued."""
    result = send(cookie, preview(cookie)["release_id"], world)
    deliver(world)
    return result


def deliver(world: World) -> list[dict[str, Any]]:
    events = world.notifications()
    if events:
        notifier.lambda_handler(sqs_event([json.dumps(e) for e in events], "notifications"), FakeContext())
    return events


def decision_mails(to: str) -> list[str]:
    return [m["Subject"] for m in sent() if m["To"] == to and "ccepted" in m["Subject"]]


def test_a_decision_changed_after_release_is_mailed_as_a_correction_once(world: World) -> None:
    created = create("ada@example.org")
    cookie = sign_in(world)
    deliver(world)
    decide(cookie, [created["id"]], "accepted")
    assert release(world, cookie)["sent"] == [created["id"]]
    decide(cookie, [created["id"]], "rejected")
    detail = body_of(call("GET", f"/organizers/submissions/{created['id']}", cookie=cookie))
    assert detail["decision"] == "rejected" and not detail["decision_sent"]
    assert release(world, cookie)["sent"] == [created["id"]]
    decide(cookie, [created["id"]], "accepted", "Poster session A.")

    shown = preview(cookie)
    assert shown["pending"] == 1 and shown["corrections"] == 1
    [example] = shown["mails"]
    assert example["subject"].startswith("[AI Systems Workshop at SOSP 2017] Correction: Accepted")
    result = send(cookie, shown["release_id"], world)
    assert result["sent"] == [created["id"]]
    deliver(world)
    # Deciding the same again is no change: nothing new to release.
    decide(cookie, [created["id"]], "accepted", "Poster session A.")
    assert preview(cookie)["pending"] == 0
    assert release(world, cookie)["sent"] == []

    subjects = decision_mails("ada@example.org")
    assert [s.split("] ")[1].rpartition(":")[0] for s in subjects] == [
        "Accepted",
        "Correction: Not accepted",
        "Correction: Accepted",
    ]
    last = next(m for m in reversed(sent()) if m["To"] == "ada@example.org")
    assert "This corrects the decision we sent you earlier" in text_of(last)
    assert "Poster session A." in text_of(last)
    detail = body_of(call("GET", f"/organizers/submissions/{created['id']}", cookie=cookie))
    assert detail["decision"] == "accepted" and detail["decision_sent"]


def test_a_release_sends_what_its_preview_showed_and_says_what_changed(world: World) -> None:
    shown_a, shown_b, changed, later = (create(f"{n}@example.org") for n in "abcd")
    cookie = sign_in(world)
    deliver(world)
    decide(cookie, [shown_a["id"], shown_b["id"], changed["id"]], "accepted")
    shown = preview(cookie)
    assert shown["pending"] == 3
    # Another organizer decides one more and changes one the preview showed.
    decide(cookie, [later["id"]], "rejected")
    decide(cookie, [changed["id"]], "rejected")

    result = send(cookie, shown["release_id"], world)
    assert sorted(result["sent"]) == sorted([shown_a["id"], shown_b["id"]])
    assert result["total"] == 3 and result["done"] == 3
    assert result["changes"] == {
        "decided_since": [later["id"]],
        "changed_since": [changed["id"]],
        "sent_since": [],
    }
    mailed = {e["submission_id"] for e in deliver(world)}
    assert mailed == {shown_a["id"], shown_b["id"]}
    assert decision_mails("c@example.org") == [] and decision_mails("d@example.org") == []
    # What was left out waits for the next release.
    assert preview(cookie)["pending"] == 2
    read = body_of(call("GET", f"/organizers/releases/{shown['release_id']}", cookie=cookie))
    assert read["state"] == "done" and sorted(read["sent"]) == sorted(result["sent"])
    assert call("GET", "/organizers/releases/0123456789abcdef", cookie=cookie)["statusCode"] == 404


def test_a_decision_version_is_claimed_once(world: World) -> None:
    a, b = create("ada@example.org")["id"], create("bob@example.org")["id"]
    cookie = sign_in(world)
    decide(cookie, [a, b], "accepted")
    decisions = wiring.adapters().decisions
    now = world.clock.now()
    event_a, event_b = (events.decision(i, "accepted", "", now, 1) for i in (a, b))
    assert decisions.claim_many([(Claim("r1", a, 1, "accepted"), event_a)], CHAIR, now) == {a}
    # Another release claims both at once: the one claimed before is left out, the other is won.
    both = [(Claim("r2", a, 1, "accepted"), event_a), (Claim("r2", b, 1, "accepted"), event_b)]
    assert decisions.claim_many(both, CHAIR, now) == {b}
    assert decisions.claimed_before(Claim("r1", a, 1, "accepted"), event_a.event_id) == (True, True)
    assert decisions.claimed_before(Claim("r2", a, 1, "accepted"), event_a.event_id) == (False, False)
    # A version that no longer stands is not claimed either.
    decide(cookie, [a], "rejected")
    assert decisions.claim_many([(Claim("r3", a, 2, "accepted"), event_a)], CHAIR, now) == set()


def test_releases_at_once_each_send_report_and_audit_a_submission_once(world: World) -> None:
    made = [create(f"author{n}@example.org") for n in range(6)]
    ids = [m["id"] for m in made]
    cookie = sign_in(world)
    deliver(world)
    decide(cookie, ids, "accepted")
    previews = [preview(cookie)["release_id"] for _ in range(3)]
    # Each release read the table before any of them sent: the claims alone keep them apart.
    for release_id in previews:
        send(cookie, release_id)
    run_releaser(world)
    results = [body_of(call("GET", f"/organizers/releases/{r}", cookie=cookie)) for r in previews]

    reported = [submission_id for result in results for submission_id in result["sent"]]
    assert sorted(reported) == sorted(ids)
    events = world.notifications()
    assert sorted(e["submission_id"] for e in events) == sorted(ids)
    for submission_id in ids:
        history = body_of(call("GET", f"/organizers/submissions/{submission_id}", cookie=cookie))["history"]
        assert [h["action"] for h in history].count("released") == 1
    call_history = world.dynamodb.query(
        TableName=world.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "CALL"}},
    )["Items"]
    released = [i["detail"]["S"] for i in call_history if i["action"]["S"] == "released"]
    assert len(released) == 3
    assert sum(int(detail.split(": ")[1].split(" ")[0]) for detail in released) == len(ids)


def test_a_mail_another_batch_is_sending_comes_back_within_seconds(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    create("ada@example.org")
    [receipt] = world.notifications()
    # While one batch sends the receipt, another meets its idempotency record in progress.
    met: list[Exception] = []
    send = Mailer.send

    def send_while_another_batch_tries(self: Mailer, mail: Mail) -> str:
        try:
            mail_once(wiring.adapters())(receipt["event_id"], mail)
        except SendInProgress as error:
            met.append(error)
        return send(self, mail)

    monkeypatch.setattr(Mailer, "send", send_while_another_batch_tries)
    notifier.lambda_handler(sqs_event([json.dumps(receipt)], "notifications"), FakeContext())
    assert len(met) == 1
    assert [m["To"] for m in sent() if "Received" in m["Subject"]] == ["ada@example.org"]
    monkeypatch.setattr(Mailer, "send", send)

    # The batch that met it hands the message back for a few seconds, not the queue's half hour.
    world.sqs.send_message(QueueUrl=world.notification_queue_url, MessageBody=json.dumps(receipt))
    message = world.sqs.receive_message(QueueUrl=world.notification_queue_url, VisibilityTimeout=2100)[
        "Messages"
    ][0]
    event = sqs_event([message["Body"]], "notifications")
    event["Records"][0]["receiptHandle"] = message["ReceiptHandle"]
    changed: list[dict[str, Any]] = []
    wiring.client("sqs").meta.events.register(
        "provide-client-params.sqs.ChangeMessageVisibility", lambda params, **_: changed.append(params)
    )

    def in_progress(self: Notifier, event: NotificationEvent, outcome: BatchOutcome) -> None:
        raise SendInProgress(event.event_id)

    monkeypatch.setattr(Notifier, "handle", in_progress)
    answer = notifier.lambda_handler(event, FakeContext())
    assert answer["batchItemFailures"] == [{"itemIdentifier": event["Records"][0]["messageId"]}]
    assert [(c["ReceiptHandle"], c["VisibilityTimeout"]) for c in changed] == [(message["ReceiptHandle"], 5)]

    # Delivered again and still in progress elsewhere, it waits longer each time rather than being
    # dead-lettered while it only waits.
    for deliveries, seconds in ((2, 15), (3, 45), (4, 135)):
        changed.clear()
        event["Records"][0]["attributes"]["ApproximateReceiveCount"] = str(deliveries)
        notifier.lambda_handler(event, FakeContext())
        assert [c["VisibilityTimeout"] for c in changed] == [seconds]


def test_many_decisions_are_applied_whole_off_the_request_and_a_release_resumes_after_a_fault(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small numbers stand for thousands: more than 5 at once is a job, progress is recorded every 2.
    monkeypatch.setattr(releases, "DECIDE_AT_ONCE", 5)
    monkeypatch.setattr(releases, "PROGRESS_EVERY", 2)
    ids = [create(f"author{n}@example.org")["id"] for n in range(8)]
    cookie = sign_in(world)
    deliver(world)
    unknown = call(
        "POST", "/organizers/decisions", {"ids": [*ids, "nosuchone"], "decision": "accepted"}, cookie=cookie
    )
    assert unknown["statusCode"] == 404 and world.drain(world.release_queue_url) == []

    answer = body_of(
        call("POST", "/organizers/decisions", {"ids": ids, "decision": "accepted"}, cookie=cookie)
    )
    assert answer["state"] == "applying" and answer["decided"] == ids
    job = body_of(call("GET", f"/organizers/decisions/{answer['job']}", cookie=cookie))
    assert (job["state"], job["done"], job["total"]) == ("applying", 0, len(ids))
    [message] = world.drain(world.release_queue_url)
    for _ in range(2):  # delivered twice: applied once
        releaser.lambda_handler(sqs_event([json.dumps(message)], "releases"), FakeContext())
    job = body_of(call("GET", f"/organizers/decisions/{answer['job']}", cookie=cookie))
    assert (job["state"], job["done"]) == ("done", len(ids))
    for submission_id in ids[:3]:
        detail = body_of(call("GET", f"/organizers/submissions/{submission_id}", cookie=cookie))
        assert detail["decision"] == "accepted"
        assert [h["action"] for h in detail["history"]] == ["decided"]

    shown = preview(cookie)
    assert shown["pending"] == len(ids)
    send(cookie, shown["release_id"])
    [message] = world.drain(world.release_queue_url)
    publish_many = NotificationQueue.publish_many
    published: list[str] = []

    def crash_at_the_second_part(self: NotificationQueue, events: list[NotificationEvent]) -> list[str]:
        if published:
            raise RuntimeError("the releaser was cut off")
        published.extend(publish_many(self, events))
        return published

    monkeypatch.setattr(NotificationQueue, "publish_many", crash_at_the_second_part)
    failed = releaser.lambda_handler(sqs_event([json.dumps(message)], "releases"), FakeContext())
    assert len(failed["batchItemFailures"]) == 1
    view = body_of(call("GET", f"/organizers/releases/{shown['release_id']}", cookie=cookie))
    assert (view["state"], view["done"], len(view["sent"])) == ("sending", 2, 2)
    monkeypatch.setattr(NotificationQueue, "publish_many", publish_many)
    # SQS delivers the message again: the release picks up where it stopped, the cut-off mail included.
    releaser.lambda_handler(sqs_event([json.dumps(message)], "releases", receive_count=2), FakeContext())
    view = body_of(call("GET", f"/organizers/releases/{shown['release_id']}", cookie=cookie))
    assert view["state"] == "done" and sorted(view["sent"]) == sorted(ids)
    events = world.notifications()
    assert sorted(e["submission_id"] for e in events) == sorted(ids)
    assert not any(e["detail"].get("corrected") for e in events)
