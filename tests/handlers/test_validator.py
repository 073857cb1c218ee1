"""The validator with the events S3 really sends through SQS: encoded keys, test events, replays, disorder."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from cfp import wiring
from cfp_tools.pdfs import make_abstract
from tests.support.aws import (
    S3_TEST_EVENT,
    FakeContext,
    failed_record_lines,
    http_event,
    load_function,
    s3_event_body,
    s3_record,
    sqs_event,
)
from tests.support.call import DEADLINE_AT
from tests.support.world import World

api = load_function("api")
validator = load_function("validator")

NEW = {
    "title": "Tail Latency in Parameter Servers",
    "authors": [{"name": "Grace Hopper", "email": "grace@example.org"}],
    "contact_email": "grace@example.org",
    "abstract": "Short.",
}


def create(world: World) -> dict[str, Any]:
    response = api.lambda_handler(http_event("POST", "/submissions", NEW), FakeContext())
    assert response["statusCode"] == 201
    world.notifications()
    result: dict[str, Any] = json.loads(response["body"])
    return result


def upload(world: World, key: str, data: bytes, at: datetime, moto_style: bool = False) -> dict[str, Any]:
    put = world.s3.put_object(Bucket=world.bucket, Key=key, Body=data, ContentType="application/pdf")
    return s3_record(
        world.bucket, key, len(data), put["ETag"].strip('"'), at, put.get("VersionId"), moto_style=moto_style
    )


def read(created: dict[str, Any]) -> dict[str, Any]:
    event = http_event("GET", f"/submissions/{created['id']}", token=created["token"])
    result: dict[str, Any] = json.loads(api.lambda_handler(event, FakeContext())["body"])
    return result


def run(*bodies: str, receive_count: int = 1) -> dict[str, Any]:
    result: dict[str, Any] = validator.lambda_handler(
        sqs_event(list(bodies), receive_count=receive_count), FakeContext()
    )
    return result


def test_a_good_abstract_passes_and_is_announced(world: World) -> None:
    created = create(world)
    record = upload(world, created["upload"]["fields"]["key"], make_abstract(2), world.clock.now())
    assert run(s3_event_body(record)) == {"batchItemFailures": []}
    state = read(created)
    assert state["status"] == "pass"
    assert state["verdict"]["body_pages"] == 2
    assert state["current_version"] == 1
    [note] = world.notifications()
    assert note["kind"] == "verdict" and note["submission_id"] == created["id"] and note["version"] == 1


def test_too_many_body_pages_fails_with_a_reason(world: World) -> None:
    created = create(world)
    record = upload(world, created["upload"]["fields"]["key"], make_abstract(3), world.clock.now())
    run(s3_event_body(record))
    state = read(created)
    assert state["status"] == "fail"
    codes = [p["code"] for p in state["verdict"]["problems"]]
    assert "too_many_body_pages" in codes


def test_not_a_pdf_is_a_verdict_not_a_failure(world: World) -> None:
    created = create(world)
    record = upload(world, created["upload"]["fields"]["key"], b"GIF89a not a pdf", world.clock.now())
    assert run(s3_event_body(record)) == {"batchItemFailures": []}
    assert read(created)["verdict"]["problems"][0]["code"] == "not_pdf"
    assert world.s3.get_object(Bucket=world.bucket, Key=created["upload"]["fields"]["key"])["Body"].read()


def test_s3_test_event_and_foreign_keys_are_acknowledged(world: World) -> None:
    foreign = s3_record(world.bucket, "elsewhere/file.pdf", 10, "abc", world.clock.now())
    unknown = s3_record(world.bucket, "uploads/zzzzzzzzzz/v1.pdf", 10, "abc", world.clock.now())
    assert run(S3_TEST_EVENT, s3_event_body(foreign), s3_event_body(unknown)) == {"batchItemFailures": []}
    assert world.notifications() == []


def test_moto_style_records_and_encoded_keys(world: World) -> None:
    created = create(world)
    key = created["upload"]["fields"]["key"]
    record = upload(world, key, make_abstract(1), world.clock.now(), moto_style=True)
    record["s3"]["object"]["key"] = key.replace("/", "%2F")
    run(s3_event_body(record))
    assert read(created)["verdict"] is not None


def test_garbage_message_is_a_partial_failure(world: World, caplog: pytest.LogCaptureFixture) -> None:
    created = create(world)
    record = upload(world, created["upload"]["fields"]["key"], make_abstract(1), world.clock.now())
    event = sqs_event(["{not json", s3_event_body(record)])
    result = validator.lambda_handler(event, FakeContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert read(created)["verdict"] is not None
    [line] = failed_record_lines(caplog.records)
    assert (line["message_id"], line["receive_count"]) == (event["Records"][0]["messageId"], 1)
    assert line["exception"] == "JSONDecodeError"


def test_redelivery_changes_nothing_and_is_deduplicated_downstream(world: World) -> None:
    created = create(world)
    record = upload(world, created["upload"]["fields"]["key"], make_abstract(1), world.clock.now())
    run(s3_event_body(record))
    first = read(created)
    run(s3_event_body(record), receive_count=2)
    assert read(created) == first
    notes = world.notifications()
    assert len(notes) == 2 and len({n["event_id"] for n in notes}) == 1


def test_newest_version_wins_whatever_the_order(world: World) -> None:
    created = create(world)
    second = api.lambda_handler(
        http_event("POST", f"/submissions/{created['id']}/upload-url", token=created["token"]), FakeContext()
    )
    key2 = json.loads(second["body"])["upload"]["fields"]["key"]
    now = world.clock.now()
    old = upload(world, created["upload"]["fields"]["key"], make_abstract(3), now)
    new = upload(world, key2, make_abstract(1), now + timedelta(minutes=5))
    run(s3_event_body(new))
    run(s3_event_body(old))
    state = read(created)
    assert state["current_version"] == 2
    assert state["status"] == "pass"
    assert state["versions"][0]["verdict"]["outcome"] == "fail"


def test_late_upload_is_kept_marked_and_does_not_replace(world: World) -> None:
    created = create(world)
    key = created["upload"]["fields"]["key"]
    deadline = DEADLINE_AT
    second = api.lambda_handler(
        http_event("POST", f"/submissions/{created['id']}/upload-url", token=created["token"]), FakeContext()
    )
    key2 = json.loads(second["body"])["upload"]["fields"]["key"]
    run(s3_event_body(upload(world, key, make_abstract(1), deadline)))
    run(s3_event_body(upload(world, key2, make_abstract(2), deadline + timedelta(seconds=1))))
    state = read(created)
    assert state["current_version"] == 1
    assert [v["late"] for v in state["versions"]] == [False, True]
    kinds = [n["kind"] for n in world.notifications()]
    assert kinds == ["verdict", "late_upload"]


def test_failure_outside_the_file_is_retried_then_flagged(world: World, monkeypatch: Any) -> None:
    from cfp.uploads import UploadBucket

    created = create(world)
    record = upload(world, created["upload"]["fields"]["key"], make_abstract(1), world.clock.now())

    def unavailable(self: UploadBucket, key: str, version_id: str | None, max_bytes: int) -> bytes:
        raise ConnectionError("S3 is having a bad day")

    monkeypatch.setattr(UploadBucket, "read", unavailable)
    event = sqs_event([s3_event_body(record)], receive_count=1)
    assert validator.lambda_handler(event, FakeContext())["batchItemFailures"]
    assert world.notifications() == []
    event = sqs_event([s3_event_body(record)], receive_count=5)
    result = validator.lambda_handler(event, FakeContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    [note] = world.notifications()
    assert note["kind"] == "attention"
    assert "dead-letter" in read(created)["versions"][0]["attention"]


def test_a_late_reupload_with_the_same_url_is_kept_flagged_and_the_on_time_one_stands(world: World) -> None:
    created = create(world)
    key = created["upload"]["fields"]["key"]
    deadline = DEADLINE_AT
    run(s3_event_body(upload(world, key, make_abstract(1), deadline - timedelta(seconds=5))))
    run(s3_event_body(upload(world, key, make_abstract(3), deadline + timedelta(seconds=3))))
    state = read(created)
    assert state["status"] == "pass"
    assert [(v["version"], v["late"]) for v in state["versions"]] == [(1, False), (1, True)]
    assert state["versions"][1]["verdict"] is None and state["versions"][1]["attention"]
    assert [n["kind"] for n in world.notifications()] == ["verdict", "attention"]


def test_a_verdict_moves_with_the_deadline(world: World, monkeypatch: Any) -> None:
    created = create(world)
    deadline = DEADLINE_AT
    key = created["upload"]["fields"]["key"]
    run(s3_event_body(upload(world, key, make_abstract(1), deadline + timedelta(hours=1))))
    assert read(created)["status"] == "late"
    monkeypatch.setenv("DEADLINE", "2017-09-02T23:59:59-12:00")
    wiring.reset()
    wiring.use_clock(world.clock)
    assert read(created)["status"] == "pass"


def test_a_record_is_not_started_without_time_to_finish_it(world: World) -> None:
    created = create(world)
    record = upload(world, created["upload"]["fields"]["key"], make_abstract(2), world.clock.now())
    short = FakeContext(remaining_ms=89_000)
    result = validator.lambda_handler(sqs_event([s3_event_body(record)]), short)
    assert len(result["batchItemFailures"]) == 1
    assert read(created)["status"] == "awaiting_upload"
    assert world.notifications() == []


def test_moving_the_body_page_limit_rejudges_stored_uploads(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = create(world)
    record = upload(world, created["upload"]["fields"]["key"], make_abstract(3), world.clock.now())
    run(s3_event_body(record))
    assert read(created)["status"] == "fail"

    monkeypatch.setenv("MAX_BODY_PAGES", "3")
    wiring.reset()
    wiring.use_clock(world.clock)
    state = read(created)
    assert (state["status"], state["verdict"]["body_pages"], state["verdict"]["problems"]) == ("pass", 3, [])
