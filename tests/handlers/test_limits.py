"""What one address, one client or one submission can make the service do is capped, and every refusal
says which limit and when it lifts; nothing accepted is dropped."""

from __future__ import annotations

import email
import json
import re
from datetime import datetime, timedelta
from email.message import Message
from typing import Any

import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from cfp import wiring
from cfp.mailer import Mailer
from cfp_tools.pdfs import make_abstract
from tests.support.aws import FakeContext, http_event, load_function, s3_event_body, s3_record, sqs_event
from tests.support.stories import text_of
from tests.support.world import World

api = load_function("api")
validator = load_function("validator")
notifier = load_function("notifier")


def new(contact: str = "ada@example.org", **extra: Any) -> dict[str, Any]:
    return {
        "title": "Learned Index Structures",
        "authors": [{"name": "Ada Lovelace", "email": contact}],
        "contact_email": contact,
        "abstract": "We index things.",
        **extra,
    }


def call(method: str, path: str, body: Any = None, ip: str = "192.0.2.1", **kwargs: Any) -> Any:
    event = http_event(method, path, body, **kwargs)
    event["requestContext"]["http"]["sourceIp"] = ip
    return api.lambda_handler(event, FakeContext())


def limits(monkeypatch: pytest.MonkeyPatch, **values: int) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name.upper(), str(value))
    wiring.reset()


def deliver(world: World) -> None:
    """Hand every queued notification to the notifier, as one batch."""
    bodies = [json.dumps(n) for n in world.notifications()]
    assert notifier.lambda_handler(sqs_event(bodies, "notifications"), FakeContext()) == {
        "batchItemFailures": []
    }


def mails_to(mailbox: str) -> list[Message]:
    """Every mail SES accepted for an address of ``mailbox`` (any case, any +tag)."""
    backend = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    found = [email.message_from_string(m.raw_data) for m in backend.sent_messages]
    local, _, domain = mailbox.partition("@")
    pattern = re.compile(rf"\b{re.escape(local)}(\+[^@\s]*)?@{re.escape(domain)}\b", re.IGNORECASE)
    return [m for m in found if pattern.search(f"{m['To']} {m['Cc'] or ''}")]


def test_one_mailbox_gets_its_hourly_share_of_mail_however_its_address_is_written(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits(monkeypatch, max_mails_per_mailbox_per_hour=5)
    wiring.use_clock(world.clock)
    world.clock.instant = datetime.fromisoformat("2017-08-20T12:40:00-12:00")
    spellings = ["ada@example.org", "Ada@Example.org", "ada+1@example.org", "ADA+cfp@example.org"]
    answers = [
        call("POST", "/submissions", new(contact=spellings[i % 4]), ip=f"192.0.2.{i}") for i in range(7)
    ]
    # Nobody is refused: the creator always has the token, whatever the address has been sent.
    assert [a["statusCode"] for a in answers] == [201] * 7
    for answer in map(json.loads, (a["body"] for a in answers)):
        assert answer["manage_url"] == f"https://api.example.org/#id={answer['id']}&token={answer['token']}"
    deliver(world)
    assert len(mails_to("ada@example.org")) == 5
    [digest] = [m for m in mails_to("chair@example.org") if "Digest" in m["Subject"]]
    assert "Mails held back (2)" in text_of(digest)

    world.clock.instant += timedelta(minutes=20)  # the next hour
    call("POST", "/submissions", new(contact="ada+late@example.org"))
    deliver(world)
    assert len(mails_to("ada@example.org")) == 6


def test_an_edited_contact_and_a_redelivered_batch_count_against_the_same_mailbox(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits(monkeypatch, max_mails_per_mailbox_per_hour=2)
    wiring.use_clock(world.clock)
    world.clock.instant = datetime.fromisoformat("2017-08-20T12:10:00-12:00")
    for i in range(2):
        call("POST", "/submissions", new(contact=f"Grace+{i}@example.org"))
    queued = [json.dumps(n) for n in world.notifications()]
    for _ in range(2):  # the same two receipts delivered twice count once
        notifier.lambda_handler(sqs_event(queued, "notifications"), FakeContext())
    assert len(mails_to("grace@example.org")) == 2

    # A stranger points their own submission at the mailbox and uploads: the verdict mail is held back.
    mallory = json.loads(call("POST", "/submissions", new(contact="mallory@example.org"))["body"])
    deliver(world)
    patch = {"contact_email": "GRACE+x@example.org", "authors": [{"name": "M", "email": "grace@example.org"}]}
    assert call("PATCH", f"/submissions/{mallory['id']}", patch, token=mallory["token"])["statusCode"] == 200
    key = mallory["upload"]["fields"]["key"]
    data = make_abstract(2)
    put = world.s3.put_object(Bucket=world.bucket, Key=key, Body=data)
    record = s3_record(
        world.bucket, key, len(data), put["ETag"].strip('"'), world.clock.now(), put["VersionId"]
    )
    validator.lambda_handler(sqs_event([s3_event_body(record)]), FakeContext())
    deliver(world)
    assert len(mails_to("grace@example.org")) == 2
    assert len(mails_to("mallory@example.org")) == 1  # the receipt, before the edit


def _upload(world: World, created: dict[str, Any]) -> None:
    key = created["upload"]["fields"]["key"]
    data = make_abstract(2)
    put = world.s3.put_object(Bucket=world.bucket, Key=key, Body=data)
    record = s3_record(
        world.bucket, key, len(data), put["ETag"].strip('"'), world.clock.now(), put["VersionId"]
    )
    assert validator.lambda_handler(sqs_event([s3_event_body(record)]), FakeContext()) == {
        "batchItemFailures": []
    }


def test_a_strangers_submissions_for_an_authors_address_cannot_hold_back_her_own_mail(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits(monkeypatch, max_mails_per_mailbox_per_hour=10)
    wiring.use_clock(world.clock)
    world.clock.instant = datetime.fromisoformat("2017-08-20T12:05:00-12:00")
    ada = json.loads(call("POST", "/submissions", new(contact="ada@example.org"))["body"])
    deliver(world)
    world.clock.instant += timedelta(minutes=5)
    for n in range(10):
        call("POST", "/submissions", new(contact=f"ada+{n}@example.org"), ip="203.0.113.9")
    deliver(world)
    assert len(mails_to("ada@example.org")) == 10  # her receipt and nine of the stranger's: one held
    [digest] = [m for m in mails_to("chair@example.org") if "held back" in text_of(m)]
    assert "ada+9@example.org" in text_of(digest)

    _upload(world, ada)
    deliver(world)
    mails = mails_to("ada@example.org")
    assert len(mails) == 11
    assert ada["id"] in text_of(mails[-1]) and "receipt" not in mails[-1]["Subject"].lower()


def test_admissions_and_mails_are_counted_once_however_often_they_are_asked(world: World) -> None:
    from cfp.mail_counts import MailCounts

    counts = MailCounts(world.dynamodb, world.table)
    hour = datetime.fromisoformat("2017-08-20T12:00:00+00:00")
    end = hour + timedelta(hours=1)
    assert [counts.admit("ada@example.org", "s1", hour, end, 1) for _ in range(3)] == [True] * 3
    assert not counts.admit("ada@example.org", "s2", hour, end, 1)
    assert counts.admit("ada@example.org", "s1", end, end + timedelta(hours=1), 1)  # admitted for good
    assert [counts.count_mail("ada@example.org", "s1", "e1", hour, end, 2) for _ in range(3)] == [True] * 3
    assert counts.count_mail("ada@example.org", "s1", "e2", hour, end, 2)
    assert not counts.count_mail("ada@example.org", "s1", "e3", hour, end, 2)
    assert counts.count_mail("ada@example.org", "s2", "e3", hour, end, 2)  # its own count
    # A crash after the hour's count, before the admission's marker: the next ask finds it counted.
    digest = counts_pk("grace@example.org")
    world.dynamodb.put_item(
        TableName=world.table,
        Item={
            "pk": {"S": digest},
            "sk": {"S": f"ADMIT#{hour.isoformat()}"},
            "n": {"N": "1"},
            "subs": {"SS": ["s9"]},
        },
    )
    assert counts.admit("grace@example.org", "s9", hour, end, 1)
    assert not counts.admit("grace@example.org", "s8", hour, end, 1)


def counts_pk(box: str) -> str:
    import hashlib

    return f"LIMIT#mailbox#{hashlib.sha256(box.encode()).hexdigest()}"


def test_one_client_opens_at_most_its_share_an_hour(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    limits(monkeypatch, max_submissions_per_client_per_hour=3)
    wiring.use_clock(world.clock)
    statuses = [
        call("POST", "/submissions", new(contact=f"a{i}@example.org"))["statusCode"] for i in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    assert call("POST", "/submissions", new(contact="b@example.org"), ip="198.51.100.7")["statusCode"] == 201


def test_a_retried_create_does_not_count_again(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    limits(monkeypatch, max_submissions_per_client_per_hour=1)
    wiring.use_clock(world.clock)
    key = {"Idempotency-Key": "retry-me"}
    assert [call("POST", "/submissions", new(), headers=key)["statusCode"] for _ in range(3)] == [201] * 3


def test_a_submission_gets_at_most_its_upload_urls(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    limits(monkeypatch, max_uploads_per_submission=3)
    wiring.use_clock(world.clock)
    created = json.loads(call("POST", "/submissions", new())["body"])
    path = f"/submissions/{created['id']}/upload-url"
    statuses = [call("POST", path, token=created["token"])["statusCode"] for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert "3 upload URLs" in json.loads(call("POST", path, token=created["token"])["body"])["message"]


def _post(world: World, key: str, seconds: int) -> dict[str, Any]:
    """One object S3 stored at ``key``, and the validator's handling of its event."""
    data = make_abstract(2)
    put = world.s3.put_object(Bucket=world.bucket, Key=key, Body=data)
    at = world.clock.now() + timedelta(seconds=seconds)
    record = s3_record(world.bucket, key, len(data), put["ETag"].strip('"'), at, put["VersionId"])
    result: dict[str, Any] = validator.lambda_handler(sqs_event([s3_event_body(record)]), FakeContext())
    return result


def test_one_upload_url_records_one_upload_and_keeps_the_rest_flagged(world: World) -> None:
    wiring.use_clock(world.clock)
    created = json.loads(call("POST", "/submissions", new())["body"])
    world.notifications()
    key = created["upload"]["fields"]["key"]
    for i in range(30):
        assert _post(world, key, i) == {"batchItemFailures": []}
    state = json.loads(call("GET", f"/submissions/{created['id']}", token=created["token"])["body"])
    assert (state["status"], state["current_version"]) == ("pass", 1)
    assert [v["verdict"] is not None for v in state["versions"]] == [True] + [False] * 29
    assert all("upload URL already used" in v["attention"] for v in state["versions"][1:])
    assert len(world.s3.list_object_versions(Bucket=world.bucket)["Versions"]) == 30  # every one kept
    kinds = [n["kind"] for n in world.notifications()]
    assert kinds == ["verdict"] + ["attention"] * 29  # one verdict mail; the digest names the rest

    # A 31st upload with the URL, after the first one's verdict, is kept and flagged as well.
    assert _post(world, key, 40) == {"batchItemFailures": []}
    assert [n["kind"] for n in world.notifications()] == ["attention"]


def test_an_upload_recorded_earlier_stands_whichever_event_comes_first(world: World) -> None:
    """Two objects with one URL whose events are handled at once (two batches): each is recorded before
    either is judged, so both see each other, and only the one S3 recorded first is checked."""
    wiring.use_clock(world.clock)
    created = json.loads(call("POST", "/submissions", new())["body"])
    key = created["upload"]["fields"]["key"]
    records = []
    for i in range(2):
        data = make_abstract(2)
        put = world.s3.put_object(Bucket=world.bucket, Key=key, Body=data)
        at = world.clock.now() + timedelta(seconds=i)
        records.append(s3_record(world.bucket, key, len(data), put["ETag"].strip('"'), at, put["VersionId"]))
    first, second = records
    store = wiring.adapters().store
    submission, _ = store.get(created["id"])
    from cfp.validation import locate, uploaded_objects

    prefix = wiring.settings().upload_prefix
    for raw in (second, first):  # both recorded, the later one first, before any check
        [obj] = uploaded_objects(s3_event_body(raw), prefix)
        found = locate(store, wiring.adapters().finals, prefix, obj)
        assert found is not None
        store.record_upload(submission.id, found[1])
    for raw in (second, first):
        assert validator.lambda_handler(sqs_event([s3_event_body(raw)]), FakeContext()) == {
            "batchItemFailures": []
        }
    state = json.loads(call("GET", f"/submissions/{created['id']}", token=created["token"])["body"])
    assert [(v["verdict"] is not None, v["attention"] is not None) for v in state["versions"]] == [
        (True, False),
        (False, True),
    ]


def test_uploads_past_the_limit_are_kept_and_flagged_not_checked(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits(monkeypatch, max_uploads_per_submission=3)
    wiring.use_clock(world.clock)
    created = json.loads(call("POST", "/submissions", new())["body"])
    path = f"/submissions/{created['id']}/upload-url"
    keys = [created["upload"]["fields"]["key"]]
    keys += [json.loads(call("POST", path, token=created["token"])["body"])["upload"]["fields"]["key"]]
    keys += [json.loads(call("POST", path, token=created["token"])["body"])["upload"]["fields"]["key"]]
    world.notifications()
    limits(monkeypatch, max_uploads_per_submission=2)  # lowered after three URLs were given
    wiring.use_clock(world.clock)
    for i, key in enumerate(keys):
        assert _post(world, key, i) == {"batchItemFailures": []}
    state = json.loads(call("GET", f"/submissions/{created['id']}", token=created["token"])["body"])
    assert [v["verdict"] is not None for v in state["versions"]] == [True, True, False]
    assert "the most the call checks" in state["versions"][2]["attention"]
    assert len(world.s3.list_object_versions(Bucket=world.bucket)["Versions"]) == 3
    assert [n["kind"] for n in world.notifications()] == ["verdict", "verdict", "attention"]


def test_the_mailer_keeps_to_its_sending_rate() -> None:
    waits: list[float] = []

    class _Ses:
        def send_email(self, **kwargs: Any) -> dict[str, str]:
            return {"MessageId": "m"}

    from cfp.clock import FixedClock
    from cfp.mail.message import Mail

    # Time passes only by the mailer's own waits, so the pacing is measured, not raced against the machine.
    elapsed = [0.0]

    def wait(seconds: float) -> None:
        waits.append(seconds)
        elapsed[0] += seconds

    mailer = Mailer(
        _Ses(),  # type: ignore[arg-type]
        "cfp@example.org",
        "W",
        FixedClock(datetime(2017, 8, 1)),
        4,
        wait,
        monotonic=lambda: elapsed[0],
    )
    mail = Mail(to=("a@example.org",), subject="s", text="t", html="<p>t</p>")
    for _ in range(3):
        mailer.send(mail)
    assert waits == [0.25, 0.25]
