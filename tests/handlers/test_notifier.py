"""The notifier against moto's SES: one mail per event despite redelivery, one digest per batch."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cfp import wiring
from cfp_tools.pdfs import make_abstract
from tests.support.aws import (
    FakeContext,
    failed_record_lines,
    http_event,
    load_function,
    s3_event_body,
    s3_record,
    sqs_event,
)
from tests.support.call import DEADLINE, DEADLINE_AT
from tests.support.functions import api, deliver, notifier, sent, validator
from tests.support.stories import decoded, html_of, text_of
from tests.support.world import World


def create(title: str = "Sparse Attention at Scale", contact: str = "alan@example.org") -> dict[str, Any]:
    body = {
        "title": title,
        "authors": [
            {"name": "Alan Turing", "email": contact},
            {"name": "Kurt Gödel", "email": "kurt@example.org"},
        ],
        "contact_email": contact,
        "abstract": "Attention, sparsely.",
    }
    response = api.lambda_handler(http_event("POST", "/submissions", body), FakeContext())
    assert response["statusCode"] == 201, response
    result: dict[str, Any] = json.loads(response["body"])
    return result


def next_key(created: dict[str, Any]) -> str:
    """The key of a new upload URL for the submission: each upload comes with a URL of its own."""
    event = http_event("POST", f"/submissions/{created['id']}/upload-url", token=created["token"])
    response = api.lambda_handler(event, FakeContext())
    assert response["statusCode"] == 200, response
    return str(json.loads(response["body"])["upload"]["fields"]["key"])


def test_receipt_goes_to_the_contact_with_the_facts(world: World) -> None:
    created = create()
    world_events = world.notifications()
    notifier.lambda_handler(sqs_event([json.dumps(e) for e in world_events]), FakeContext())
    receipt, digest = sent()
    assert receipt["To"] == "alan@example.org"
    assert receipt["Reply-To"] == "chair@example.org, cochair@example.org"
    assert "AI Systems Workshop at SOSP 2017" in receipt["Subject"] and created["id"] in receipt["Subject"]
    body = text_of(receipt)
    assert "Sparse Attention at Scale" in body and "Kurt Gödel" in body
    assert "2017-08-31 23:59:59 AoE (2017-09-01 11:59:59 UTC)" in body
    assert digest["To"] == "chair@example.org, cochair@example.org"
    assert "New submissions (1)" in text_of(digest)


def test_redelivered_batch_sends_nothing_new(world: World) -> None:
    create()
    bodies = [json.dumps(n) for n in world.notifications()]
    notifier.lambda_handler(sqs_event(bodies), FakeContext())
    notifier.lambda_handler(sqs_event(bodies, receive_count=2), FakeContext())
    assert len(sent()) == 2


def test_a_burst_is_one_digest_naming_everyone(world: World) -> None:
    ids = [create(title=f"Poster number {i}", contact=f"author{i}@example.org")["id"] for i in range(30)]
    deliver(world)
    mails = sent()
    receipts = [m for m in mails if m["To"].startswith("author")]
    digests = [m for m in mails if m["To"].startswith("chair")]
    assert len(receipts) == 30 and len(digests) == 1
    [digest] = digests
    attachment = next(p for p in digest.walk() if p.get_filename() == "changes.csv")
    csv_text = decoded(attachment)
    assert all(i in csv_text for i in ids)
    assert "... and 5 more in the attached CSV" in text_of(digest)


def test_verdict_mail_says_what_to_fix(world: World) -> None:
    created = create()
    world.notifications()
    key = created["upload"]["fields"]["key"]
    put = world.s3.put_object(Bucket=world.bucket, Key=key, Body=make_abstract(3))
    record = s3_record(world.bucket, key, 1, put["ETag"].strip('"'), world.clock.now(), put.get("VersionId"))
    validator.lambda_handler(sqs_event([s3_event_body(record)]), FakeContext())
    deliver(world)
    verdict_mail, digest = sent()
    assert "Format check FAIL" in verdict_mail["Subject"]
    body = text_of(verdict_mail)
    assert re.search(r"^- FAIL: .*\(measured: 3; limit: 2\)$", body, re.MULTILINE), body
    assert f"POST /submissions/{created['id']}/upload-url" in body
    assert "Failed format checks (1)" in text_of(digest)


def test_titles_are_escaped_in_html(world: World) -> None:
    create(title="<script>alert(1)</script> & Friends")
    deliver(world)
    receipt = sent()[0]
    assert "&lt;script&gt;" in html_of(receipt) and "<script>" not in html_of(receipt)


def test_throttled_send_is_retried_then_dead_lettered(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from cfp.mailer import Mailer

    def throttled(self: Mailer, mail: Any) -> str:
        raise ClientError(
            {"Error": {"Code": "TooManyRequestsException", "Message": "slow down"}}, "SendEmail"
        )

    monkeypatch.setattr(Mailer, "send", throttled)
    create()
    bodies = [json.dumps(n) for n in world.notifications()]
    event = sqs_event(bodies)
    caplog.clear()
    result = notifier.lambda_handler(event, FakeContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}
    assert sent() == []
    lines = failed_record_lines(caplog.records)
    assert [line["message_id"] for line in lines] == [r["messageId"] for r in event["Records"]]
    assert {line["exception"] for line in lines} == {"ClientError"}
    assert all(line["receive_count"] == 1 for line in lines)
    # Nothing an author wrote reaches the log: neither the title nor an address.
    logged = json.dumps([vars(r) for r in caplog.records], default=str)
    assert "Sparse Attention" not in logged and "alan@example.org" not in logged


def test_permanent_rejection_is_recorded_and_reported(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    ses = wiring.client("sesv2")
    real_send = ses.send_email

    def reject_bad_address(**kwargs: Any) -> Any:
        if "bad@example.org" in kwargs["Destination"]["ToAddresses"]:
            raise ClientError({"Error": {"Code": "MessageRejected", "Message": "bad address"}}, "SendEmail")
        return real_send(**kwargs)

    monkeypatch.setattr(ses, "send_email", reject_bad_address)
    created = create(contact="bad@example.org")
    result = deliver(world)
    assert result == {"batchItemFailures": []}
    [digest] = sent()
    assert "Bounced author addresses (1)" in text_of(digest)
    meta = world.dynamodb.get_item(
        TableName=world.table, Key={"pk": {"S": f"SUB#{created['id']}"}, "sk": {"S": "META"}}
    )
    assert meta["Item"]["bounced"] == {"SS": ["bad@example.org"]}


def test_closing_sends_confirmations_and_a_final_csv(world: World) -> None:
    kept = create(title="Kept", contact="kept@example.org")
    gone = create(title="Gone", contact="gone@example.org")
    api.lambda_handler(http_event("DELETE", f"/submissions/{gone['id']}", token=gone["token"]), FakeContext())
    world.notifications()
    at = world.clock.now().isoformat()
    confirm = json.dumps(
        {
            "kind": "on_record",
            "event_id": f"on_record:{kept['id']}",
            "occurred_at": at,
            "submission_id": kept["id"],
        }
    )
    closing = json.dumps({"kind": "call_closed", "event_id": f"call_closed:{DEADLINE}", "occurred_at": at})
    notifier.lambda_handler(sqs_event([confirm, closing, closing, confirm]), FakeContext())
    mails = sent()
    assert [m["To"] for m in mails] == ["kept@example.org", "chair@example.org, cochair@example.org"]
    assert "Call closed, on record" in mails[0]["Subject"]
    assert "Status: awaiting_upload" in text_of(mails[0])
    final = mails[1]
    csv_part = next(p for p in final.walk() if p.get_filename() == "submissions.csv")
    rows = decoded(csv_part).splitlines()
    assert rows[0].startswith("id,title,authors") and len(rows) == 3


def test_reminder_counts_down_from_the_instant_the_schedule_fired_for(world: World) -> None:
    created = create()
    world.notifications()
    fired_for = DEADLINE_AT - timedelta(hours=3)
    reminder = json.dumps(
        {
            "kind": "reminder",
            "event_id": f"reminder:{created['id']}:3h",
            "occurred_at": fired_for.isoformat(),
            "submission_id": created["id"],
            "detail": {"hours": 3},
        }
    )
    notifier.lambda_handler(sqs_event([reminder]), FakeContext())
    [mail] = sent()
    assert mail["Subject"].startswith("[AI Systems Workshop at SOSP 2017] Reminder, 3 h 0 min left")
    assert "no PDF is on record for your submission yet" in text_of(mail)
    assert mail["Date"].startswith("Mon, 21 Aug 2017 00:00:00")


def test_mails_speak_of_the_upload_the_event_names(world: World) -> None:
    created = create()
    keys = [created["upload"]["fields"]["key"], next_key(created)]
    world.notifications()
    deadline = DEADLINE_AT
    for key, data, at in (
        (keys[0], make_abstract(1), deadline - timedelta(minutes=1)),
        (keys[1], make_abstract(3), deadline + timedelta(hours=1)),
    ):
        put = world.s3.put_object(Bucket=world.bucket, Key=key, Body=data)
        record = s3_record(world.bucket, key, len(data), put["ETag"].strip('"'), at, put.get("VersionId"))
        validator.lambda_handler(sqs_event([s3_event_body(record)]), FakeContext())
    deliver(world)
    verdict_mail, late_mail, digest = sent()
    assert "Format check PASS" in verdict_mail["Subject"] and "23:58:59 AoE" in text_of(verdict_mail)
    assert "Late upload" in late_mail["Subject"]
    assert "received 2017-09-01 00:59:59 AoE" in text_of(late_mail)
    assert "does not replace version 1, which stays your submission on record" in text_of(late_mail)
    assert "Late uploads (kept, not counted) (1)" in text_of(digest)
    assert re.search(r": version 1: pass, 2 page\(s\)", text_of(digest)), text_of(digest)
    assert re.search(r": version 2 \(late\): fail, 4 page\(s\)", text_of(digest)), text_of(digest)
    assert "versionId=" not in text_of(digest)


def test_a_burst_of_uploads_brings_one_verdict_mail_with_the_newest_verdict(world: World) -> None:
    created = create()
    keys = [created["upload"]["fields"]["key"], *(next_key(created) for _ in range(9))]
    world.notifications()
    start = datetime.fromisoformat("2017-08-20T12:00:00-12:00")
    # Ten uploads within a minute, each with its own URL: nine failing files, then a good one.
    for i, key in enumerate(keys):
        data = make_abstract(2) if i == 9 else make_abstract(4)
        put = world.s3.put_object(Bucket=world.bucket, Key=key, Body=data)
        at = start + timedelta(seconds=5 * i)
        record = s3_record(world.bucket, key, len(data), put["ETag"].strip('"'), at, put.get("VersionId"))
        validator.lambda_handler(sqs_event([s3_event_body(record)]), FakeContext())
    deliver(world)
    author_mails = [m for m in sent() if m["To"] == "alan@example.org"]
    assert [m["Subject"].split(":")[0] for m in author_mails] == [
        "[AI Systems Workshop at SOSP 2017] Format check PASS"
    ]
    [digest] = [m for m in sent() if m["To"].startswith("chair")]
    assert "Failed format checks (9)" in text_of(digest)


def test_a_throttled_send_succeeds_when_retried(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from cfp.mailer import Mailer

    real_send = Mailer.send
    calls: list[str] = []

    def throttled_once(self: Mailer, mail: Any) -> str:
        calls.append(mail.subject)
        if len(calls) == 1:
            raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "slow"}}, "SendEmail")
        return real_send(self, mail)

    monkeypatch.setattr(Mailer, "send", throttled_once)
    create()
    bodies = [json.dumps(n) for n in world.notifications()]
    first = notifier.lambda_handler(sqs_event(bodies), FakeContext())
    assert len(first["batchItemFailures"]) == 1
    assert notifier.lambda_handler(sqs_event(bodies, receive_count=2), FakeContext()) == {
        "batchItemFailures": []
    }
    receipts = [m for m in sent() if m["To"] == "alan@example.org"]
    assert len(receipts) == 1


def test_each_reminder_threshold_is_its_own_mail(world: World) -> None:
    created = create()
    world.notifications()
    deadline = DEADLINE_AT
    keeper = load_function("deadline")
    for hours in (72, 24, 3):
        world.clock.instant = deadline - timedelta(hours=hours)
        keeper.lambda_handler({}, FakeContext())
        deliver(world)
    subjects = [m["Subject"] for m in sent() if m["To"] == "alan@example.org"]
    assert [s.split(",")[1].split(":")[0].strip() for s in subjects] == [
        "3 d 0 h 0 min left",
        "1 d 0 h 0 min left",
        "3 h 0 min left",
    ]
    assert all(created["id"] in s for s in subjects)


def test_the_digest_names_withdrawals_and_uploads_needing_attention(world: World) -> None:
    gone = create(title="Gone Poster", contact="gone@example.org")
    stuck = create(title="Stuck Poster", contact="stuck@example.org")
    api.lambda_handler(http_event("DELETE", f"/submissions/{gone['id']}", token=gone["token"]), FakeContext())
    key = stuck["upload"]["fields"]["key"]
    put = world.s3.put_object(Bucket=world.bucket, Key=key, Body=make_abstract(2))
    record = s3_record(world.bucket, key, 1, put["ETag"].strip('"'), world.clock.now(), put.get("VersionId"))

    def unreachable(self: Any, key: str, version_id: str | None, max_bytes: int) -> bytes:
        raise ConnectionError("S3 did not answer")

    with pytest.MonkeyPatch.context() as patch:
        from cfp.uploads import UploadBucket

        patch.setattr(UploadBucket, "read", unreachable)
        validator.lambda_handler(sqs_event([s3_event_body(record)], receive_count=5), FakeContext())
    deliver(world)
    [digest] = [m for m in sent() if m["To"].startswith("chair")]
    text = text_of(digest)
    assert re.search(
        rf"Needs attention \(1\)\n- {stuck['id']} \"Stuck Poster\": the upload could not be checked", text
    )
    assert re.search(rf"Withdrawals \(1\)\n- {gone['id']} \"Gone Poster\": withdrawn by the authors", text)
    assert text.index("Needs attention") < text.index("Withdrawals")


def test_the_receipts_manage_link_carries_the_token_in_its_fragment(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_URL", "https://cfp.example.org/")
    wiring.reset()
    wiring.use_clock(world.clock)
    created = create()
    deliver(world)
    [receipt] = [m for m in sent() if m["To"] == "alan@example.org"]
    links = re.findall(r"https://cfp\.example\.org/\S*", text_of(receipt))
    assert links, text_of(receipt)
    link = links[0]
    assert "?" not in link
    path, _, fragment = link.partition("#")
    assert created["token"] not in path and created["token"] in fragment


def test_a_digest_never_links_to_a_pdf_itself(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A digest is forwarded; a link to the file would open it for anyone. Without a console address it
    says where to look; with one, each line links to the submission's console page, behind sign-in."""
    created = create()
    world.notifications()
    key = created["upload"]["fields"]["key"]
    put = world.s3.put_object(Bucket=world.bucket, Key=key, Body=make_abstract(3))
    record = s3_record(world.bucket, key, 1, put["ETag"].strip('"'), world.clock.now(), put.get("VersionId"))
    validator.lambda_handler(sqs_event([s3_event_body(record)]), FakeContext())
    deliver(world)
    [digest] = [m for m in sent() if m["To"].startswith("chair")]
    for body in (text_of(digest), html_of(digest)):
        assert "X-Amz-" not in body and world.bucket not in body, body
        assert "organizers' console" in body and "PublicUrl" in body

    monkeypatch.setenv("PUBLIC_URL", "https://cfp.example.org/")
    wiring.reset()
    wiring.use_clock(world.clock)
    second = create(title="Dense Attention", contact="grace@example.org")
    deliver(world)
    digest = [m for m in sent() if m["To"].startswith("chair")][-1]
    assert f"https://cfp.example.org/organizers#{second['id']}" in text_of(digest)
    assert "X-Amz-" not in text_of(digest) + html_of(digest) and "PublicUrl" not in text_of(digest)
