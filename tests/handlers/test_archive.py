"""The archive of every PDF and the dead-letter queues' "show" and "move back", through the API, the
archiver and the deadline keeper against moto: a job recorded and queued, the zip streamed to S3 (in parts
when it is large), its link, a redelivered message, a build that fails into the dead-letter queue, one killed
without a word (shown as failed, marked failed by the keeper, built once moved back), and redriving from
the console."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from typing import Any

import pytest

from cfp import uploads
from tests.support.aws import FakeContext, load_function, s3_event_body, s3_record, sqs_event
from tests.support.functions import (
    CHAIR,
    body_of,
    build,
    call,
    create,
    queued,
    sign_in,
    upload,
    validator,
    zip_entries,
)
from tests.support.world import World

archiver = load_function("archiver")
keeper = load_function("deadline")


def late_upload(world: World, created: dict[str, Any], data: bytes) -> None:
    """An upload S3 records after the deadline, with a URL of its own issued before it."""
    issued = call("POST", f"/submissions/{created['id']}/upload-url", token=created["token"])
    key = body_of(issued)["upload"]["fields"]["key"]
    put = world.s3.put_object(Bucket=world.bucket, Key=key, Body=data)
    at = world.clock.now() + timedelta(days=12)
    record = s3_record(world.bucket, key, len(data), put["ETag"].strip('"'), at, put["VersionId"])
    validator.lambda_handler(sqs_event([s3_event_body(record)]), FakeContext())


def test_an_organizer_archives_every_pdf_and_downloads_it_once(world: World) -> None:
    first, second = create("a@example.org", "Learned: Index/Structures"), create("b@example.org", "Second")
    upload(world, first)
    upload(world, second)
    late_upload(world, second, b"%PDF-1.4 a late version")
    cookie = sign_in(world)
    started = call("POST", "/organizers/archives", {"include_late": True}, cookie=cookie)
    assert started["statusCode"] == 202, started
    job = body_of(started)
    assert (job["state"], job["requested_by"], job["include_late"]) == ("queued", CHAIR, True)
    not_yet = call("POST", f"/organizers/archives/{job['id']}/link", cookie=cookie)
    assert not_yet["statusCode"] == 409 and body_of(not_yet)["error"] == "not_ready"

    [message] = queued(world, "ARCHIVE_QUEUE_URL")
    assert json.loads(message["Body"]) == {"job_id": job["id"]}
    assert build(world, [message["Body"]]) == {"batchItemFailures": []}
    done = body_of(call("GET", f"/organizers/archives/{job['id']}", cookie=cookie))
    assert (done["state"], done["done"], done["total"], done["message"]) == ("done", 3, 3, "")
    entries = zip_entries(world, job["id"])
    assert set(entries) == {
        f"{first['id']} - Learned Index Structures.pdf",
        f"{second['id']} - Second (late 1).pdf",
        f"{second['id']} - Second.pdf",
    }
    assert entries[f"{second['id']} - Second (late 1).pdf"] == b"%PDF-1.4 a late version"
    assert all(data.startswith(b"%PDF") for data in entries.values())
    stored = world.s3.head_object(Bucket=world.bucket, Key=f"archives/{job['id']}.zip")
    assert stored["ContentDisposition"] == f'attachment; filename="{done["filename"]}"'
    assert stored["ContentLength"] == done["size"]

    link = call("POST", f"/organizers/archives/{job['id']}/link", cookie=cookie)
    assert link["statusCode"] == 200, link
    url = body_of(link)["url"]
    assert f"/archives/{job['id']}.zip?" in url and "X-Amz-Expires=300" in url

    # The same message delivered again builds nothing: one object, the same job.
    assert build(world, [message["Body"]], receive_count=2) == {"batchItemFailures": []}
    versions = world.s3.list_object_versions(Bucket=world.bucket, Prefix="archives/")["Versions"]
    assert len(versions) == 1
    assert body_of(call("GET", f"/organizers/archives/{job['id']}", cookie=cookie)) == done
    audit = world.dynamodb.query(
        TableName=world.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "CALL"}},
    )["Items"]
    changes = [(i["action"]["S"], i["by"]["S"]) for i in audit if i["action"]["S"] != "signed_in"]
    assert changes == [("archive requested", CHAIR)]


def test_a_large_archive_is_written_in_parts_and_a_failed_one_leaves_none(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uploads, "PART_BYTES", 5 * 1024 * 1024)
    made = sorted((create(f"p{n}@example.org", f"Large {n}") for n in range(2)), key=lambda c: str(c["id"]))
    payloads = [b"%PDF" + os.urandom(6 * 1024 * 1024) for _ in made]
    for created, data in zip(made, payloads, strict=True):
        key = created["upload"]["fields"]["key"]
        put = world.s3.put_object(Bucket=world.bucket, Key=key, Body=data)
        at = world.clock.now()
        record = s3_record(world.bucket, key, len(data), put["ETag"].strip('"'), at, put["VersionId"])
        validator.lambda_handler(sqs_event([s3_event_body(record)]), FakeContext())
    cookie = sign_in(world)
    job = body_of(call("POST", "/organizers/archives", {}, cookie=cookie))
    [message] = queued(world, "ARCHIVE_QUEUE_URL")
    assert build(world, [message["Body"]]) == {"batchItemFailures": []}
    head = world.s3.head_object(Bucket=world.bucket, Key=f"archives/{job['id']}.zip", PartNumber=1)
    assert head["PartsCount"] == 3
    entries = zip_entries(world, job["id"])
    assert [entries[f"{c['id']} - {c['title']}.pdf"] for c in made] == payloads

    # The second file gone: the first already went out as a part, which the failed build takes back.
    [last] = world.s3.list_object_versions(Bucket=world.bucket, Prefix=f"uploads/{made[1]['id']}/")[
        "Versions"
    ]
    world.s3.delete_object(Bucket=world.bucket, Key=last["Key"], VersionId=last["VersionId"])
    again = body_of(call("POST", "/organizers/archives", {}, cookie=cookie))
    [message] = queued(world, "ARCHIVE_QUEUE_URL")
    assert len(build(world, [message["Body"]], receive_count=5)["batchItemFailures"]) == 1
    assert body_of(call("GET", f"/organizers/archives/{again['id']}", cookie=cookie))["state"] == "failed"
    assert world.s3.list_multipart_uploads(Bucket=world.bucket).get("Uploads", []) == []
    names = [o["Key"] for o in world.s3.list_objects_v2(Bucket=world.bucket, Prefix="archives/")["Contents"]]
    assert names == [f"archives/{job['id']}.zip"]


def test_a_failing_build_ends_in_the_dead_letter_queue_and_the_job_says_why(world: World) -> None:
    created = create()
    upload(world, created)
    versions = world.s3.list_object_versions(Bucket=world.bucket, Prefix="uploads/")["Versions"]
    for version in versions:  # the file is gone (as only an operator could make it)
        world.s3.delete_object(Bucket=world.bucket, Key=version["Key"], VersionId=version["VersionId"])
    cookie = sign_in(world)
    job = body_of(call("POST", "/organizers/archives", {"include_late": False}, cookie=cookie))
    [message] = queued(world, "ARCHIVE_QUEUE_URL")
    first = build(world, [message["Body"]], receive_count=1)
    assert len(first["batchItemFailures"]) == 1
    retrying = body_of(call("GET", f"/organizers/archives/{job['id']}", cookie=cookie))
    assert retrying["state"] == "building" and retrying["message"].startswith("Attempt 1 of 5 failed")
    last = build(world, [message["Body"]], receive_count=5)
    assert len(last["batchItemFailures"]) == 1
    failed = body_of(call("GET", f"/organizers/archives/{job['id']}", cookie=cookie))
    assert failed["state"] == "failed"
    assert failed["message"].startswith(
        f"The archive could not be built: the PDF for {created['id']} - Learned Index Structures.pdf "
        "could not be read (uploads/"
    )
    assert "set aside in the archive dead-letter queue" in failed["message"]
    assert world.s3.list_objects_v2(Bucket=world.bucket, Prefix="archives/").get("KeyCount") == 0
    uploads_left = world.s3.list_multipart_uploads(Bucket=world.bucket).get("Uploads", [])
    assert uploads_left == []


STOPPED = "The build stopped without finishing: it may have run out of memory or time; start it again."


class Killed(BaseException):
    """What an out-of-memory kill or Lambda's hard timeout does to a build: no code of ours runs after it."""


def build_killed(world: World, body: str, receive_count: int = 1) -> None:
    """A delivery whose build is killed on its first file (its invocation is cut off 15 minutes on)."""

    def killed(bucket: uploads.UploadBucket, key: str, version_id: str | None) -> Any:
        raise Killed

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(uploads.UploadBucket, "stream", killed)
        with pytest.raises(Killed):
            build(world, [body], receive_count)


def test_a_build_killed_without_a_word_shows_as_failed_once_its_invocation_has_ended(world: World) -> None:
    upload(world, create())
    cookie = sign_in(world)
    job = body_of(call("POST", "/organizers/archives", {}, cookie=cookie))
    [message] = queued(world, "ARCHIVE_QUEUE_URL")
    build_killed(world, message["Body"])
    world.clock.advance(timedelta(minutes=17))  # its cut-off, and two minutes for a last write to land
    assert body_of(call("GET", f"/organizers/archives/{job['id']}", cookie=cookie))["state"] == "building"
    world.clock.advance(timedelta(seconds=1))
    shown = body_of(call("GET", f"/organizers/archives/{job['id']}", cookie=cookie))
    assert (shown["state"], shown["message"], shown["done"], shown["total"]) == ("failed", STOPPED, 0, 1)

    # SQS delivers the message again after its visibility timeout; the build claims the job and finishes.
    assert build(world, [message["Body"]], receive_count=2) == {"batchItemFailures": []}
    done = body_of(call("GET", f"/organizers/archives/{job['id']}", cookie=cookie))
    assert (done["state"], done["done"], done["total"], done["message"]) == ("done", 1, 1, "")


def waiting(world: World, variable: str) -> tuple[str, str]:
    """A queue's visible and hidden message counts."""
    attributes = world.sqs.get_queue_attributes(QueueUrl=os.environ[variable], AttributeNames=["All"])
    counted = attributes["Attributes"]
    return counted["ApproximateNumberOfMessages"], counted["ApproximateNumberOfMessagesNotVisible"]


def test_the_keeper_marks_failed_a_job_killed_on_its_last_try_and_a_redrive_builds_it(world: World) -> None:
    created = create()
    upload(world, created)
    cookie = sign_in(world)
    job = body_of(call("POST", "/organizers/archives", {}, cookie=cookie))
    [message] = queued(world, "ARCHIVE_QUEUE_URL")
    build_killed(world, message["Body"], receive_count=5)
    # SQS moves the message to the dead-letter queue once its visibility timeout has run out.
    world.sqs.send_message(QueueUrl=os.environ["ARCHIVE_DEAD_LETTER_QUEUE_URL"], MessageBody=message["Body"])
    world.clock.advance(timedelta(minutes=90))

    scheduled = {"source": "aws.scheduler", "detail": {}}
    counts = keeper.lambda_handler(scheduled, FakeContext())
    assert counts == {
        "reminders": 0,
        "confirmations": 0,
        "call_closed": 0,
        "final_reminders": 0,
        "finals_closed": 0,
    }
    record = world.dynamodb.get_item(
        TableName=world.table, Key={"pk": {"S": f"ARCHIVE#{job['id']}"}, "sk": {"S": "JOB"}}
    )["Item"]
    assert (record["state"]["S"], record["message"]["S"]) == ("failed", STOPPED)
    failed = body_of(call("GET", f"/organizers/archives/{job['id']}", cookie=cookie))
    assert (failed["state"], failed["message"]) == ("failed", STOPPED)
    assert waiting(world, "ARCHIVE_DEAD_LETTER_QUEUE_URL") == ("1", "0"), "the letter stays, visible"

    world.clock.advance(timedelta(minutes=15))
    keeper.lambda_handler(scheduled, FakeContext())
    assert body_of(call("GET", f"/organizers/archives/{job['id']}", cookie=cookie)) == failed

    # An operator moves it back from the console; the archiver builds the job marked failed.
    moved = call("POST", "/organizers/dead-letters/archive/redrive", cookie=cookie)
    assert body_of(moved) == {"queue": "archive", "moved": 1}
    [again] = queued(world, "ARCHIVE_QUEUE_URL")
    assert build(world, [again["Body"]]) == {"batchItemFailures": []}
    done = body_of(call("GET", f"/organizers/archives/{job['id']}", cookie=cookie))
    assert (done["state"], done["done"], done["total"], done["message"]) == ("done", 1, 1, "")
    assert set(zip_entries(world, job["id"])) == {f"{created['id']} - Learned Index Structures.pdf"}
    keeper.lambda_handler(scheduled, FakeContext())
    assert body_of(call("GET", f"/organizers/archives/{job['id']}", cookie=cookie))["state"] == "done"


def test_archives_need_a_session_and_name_what_is_unknown(world: World) -> None:
    assert call("POST", "/organizers/archives", {"include_late": True})["statusCode"] == 401
    cookie = sign_in(world)
    assert call("GET", "/organizers/archives/0123456789abcdef", cookie=cookie)["statusCode"] == 404
    for not_a_boolean in ("sometimes", 0, "true"):
        bad = call("POST", "/organizers/archives", {"include_late": not_a_boolean}, cookie=cookie)
        assert bad["statusCode"] == 422, not_a_boolean


def test_dead_letters_are_shown_then_moved_back_from_the_console(world: World) -> None:
    created = create()
    cookie = sign_in(world)
    key = created["upload"]["fields"]["key"]
    put = world.s3.put_object(Bucket=world.bucket, Key=key, Body=b"%PDF-1.4")
    check = s3_event_body(
        s3_record(world.bucket, key, 8, put["ETag"].strip('"'), world.clock.now(), put["VersionId"])
    )
    [receipt] = world.notifications()  # its token sealed
    mail = json.dumps(receipt)
    letters = {
        "validation": ("VALIDATION_DEAD_LETTER_QUEUE_URL", "VALIDATION_QUEUE_URL", check),
        "notification": ("NOTIFICATION_DEAD_LETTER_QUEUE_URL", "NOTIFICATION_QUEUE_URL", mail),
        "archive": ("ARCHIVE_DEAD_LETTER_QUEUE_URL", "ARCHIVE_QUEUE_URL", '{"job_id": "0123456789abcdef"}'),
        "release": (
            "RELEASE_DEAD_LETTER_QUEUE_URL",
            "RELEASE_QUEUE_URL",
            '{"release_id": "0123456789abcdef"}',
        ),
    }
    for dead, _, body in letters.values():
        world.sqs.send_message(QueueUrl=os.environ[dead], MessageBody=body)
    counts = body_of(call("GET", "/organizers/dead-letters", cookie=cookie))
    assert counts == {"validation": 1, "notification": 1, "archive": 1, "release": 1}
    about = {
        "validation": f"the check of submission {created['id']}, version 1",
        "notification": f"the submitted mail for submission {created['id']}",
        "archive": "the archive 0123456789abcdef",
        "release": "the release of decisions 0123456789abcdef",
    }
    for name, (_, source, body) in letters.items():
        listing = body_of(call("GET", f"/organizers/dead-letters/{name}", cookie=cookie))
        assert listing["queue"] == name and listing["count"] == 1
        [letter] = listing["shown"]
        assert letter["about"] == about[name] and letter["sent_at"] is not None
        assert "ada@example.org" not in json.dumps(listing) and "sealed" not in json.dumps(listing)
        moved = call("POST", f"/organizers/dead-letters/{name}/redrive", cookie=cookie)
        assert moved["statusCode"] == 200 and body_of(moved) == {"queue": name, "moved": 1}
        [back] = queued(world, source)
        assert back["Body"] == body
    assert body_of(call("GET", "/organizers/dead-letters", cookie=cookie)) == {
        "validation": 0,
        "notification": 0,
        "archive": 0,
        "release": 0,
    }
    assert call("GET", "/organizers/dead-letters/nosuchqueue", cookie=cookie)["statusCode"] == 404
    assert call("POST", "/organizers/dead-letters/validation/redrive")["statusCode"] == 401
    history = world.dynamodb.query(
        TableName=world.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "CALL"}},
    )["Items"]
    changes = sorted((i["action"]["S"], i["detail"]["S"], i["by"]["S"]) for i in history)
    assert [c for c in changes if c[0] != "signed_in"] == [
        ("redrove", f"1 messages from {name}", CHAIR)
        for name in ("archive", "notification", "release", "validation")
    ]
