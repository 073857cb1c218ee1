"""Verdicts from an older measurer: shown as stored and marked, never judged again as if current; their
checks are queued again at closing and by ``cfp admin reconcile``, and the new verdict replaces the old one,
mailing the author only when the outcome changed."""

from __future__ import annotations

import email
import io
import json
import os
from datetime import timedelta
from typing import Any

import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from cfp import wiring
from cfp.bootstrap import build_console
from cfp.deadline import SETTLE
from cfp.settings import Settings
from cfp_tools import admin as cfp_admin
from cfp_tools.pdfs import make_abstract
from tests.support.aws import FakeContext, http_event, load_function, s3_event_body, s3_record, sqs_event
from tests.support.call import DEADLINE_AT
from tests.support.world import World

api = load_function("api")
validator = load_function("validator")
keeper = load_function("deadline")
notifier = load_function("notifier")

SETTLED = SETTLE + timedelta(seconds=1)


def create(world: World, contact: str) -> dict[str, Any]:
    body = {"title": "T", "authors": [{"name": "A"}], "contact_email": contact, "abstract": "x"}
    response = api.lambda_handler(http_event("POST", "/submissions", body), FakeContext())
    assert response["statusCode"] == 201
    world.notifications()
    result: dict[str, Any] = json.loads(response["body"])
    return result


def checked(world: World, created: dict[str, Any], body_pages: int) -> str:
    """Upload a PDF and check it; returns the S3 event's body, as the validation queue would hold it."""
    key = created["upload"]["fields"]["key"]
    data = make_abstract(body_pages)
    stored = world.s3.put_object(Bucket=world.bucket, Key=key, Body=data, ContentType="application/pdf")
    body = s3_event_body(
        s3_record(
            world.bucket, key, len(data), stored["ETag"].strip('"'), world.clock.now(), stored["VersionId"]
        )
    )
    validate(body)
    return body


def validate(body: str) -> None:
    assert validator.lambda_handler(sqs_event([body]), FakeContext()) == {"batchItemFailures": []}


def object_item(world: World, submission_id: str) -> dict[str, Any]:
    items: list[dict[str, Any]] = world.dynamodb.scan(TableName=world.table)["Items"]
    [item] = [i for i in items if i["pk"]["S"] == f"SUB#{submission_id}" and "#OBJ#" in i["sk"]["S"]]
    return item


def as_an_older_measurer_left_it(world: World, submission_id: str, **verdict: Any) -> None:
    """Store the upload's verdict as a measurer without a version did: no version in its facts or item;
    ``verdict`` overrides what that measurer decided."""
    item = object_item(world, submission_id)
    stored = {**json.loads(item["verdict"]["S"]), **verdict}
    del stored["facts"]["measurer"]
    item["verdict"] = {"S": json.dumps(stored)}
    del item["measurer"]
    world.dynamodb.put_item(TableName=world.table, Item=item)


def deliver(world: World) -> list[dict[str, Any]]:
    """Run the notifier on what was queued; returns the events."""
    events = world.notifications()
    if events:
        result = notifier.lambda_handler(
            sqs_event([json.dumps(e) for e in events], "notifications"), FakeContext()
        )
        assert result == {"batchItemFailures": []}
    return events


def mails_to(address: str) -> list[str]:
    backend = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    messages = [email.message_from_string(m.raw_data) for m in backend.sent_messages]
    return [str(m["Subject"]) for m in messages if address in str(m["To"])]


def queued_checks(world: World) -> list[str]:
    got = world.sqs.receive_message(QueueUrl=world.validation_queue_url, MaxNumberOfMessages=10)
    return [m["Body"] for m in got.get("Messages", [])]


def test_an_older_measurers_verdict_stands_marked_until_closing_measures_it_again(world: World) -> None:
    stale, current = create(world, "old@example.org"), create(world, "new@example.org")
    checked(world, stale, body_pages=3)
    checked(world, current, body_pages=2)
    deliver(world)
    assert len(mails_to("old@example.org")) == 1
    # The older measurer missed the third page before the references.
    as_an_older_measurer_left_it(world, stale["id"], outcome="pass", body_pages=2, problems=[])
    untouched = object_item(world, current["id"])

    console = build_console(wiring.adapters())
    [shown] = console.show(stale["id"]).versions
    assert shown.verdict is not None and shown.older_checker
    assert (shown.verdict.outcome, shown.verdict.body_pages) == ("pass", 2), "not judged again as if current"
    assert not console.show(current["id"]).versions[0].older_checker
    rows = [dict(zip(r.columns, row, strict=True)) for r in [console.listing()] for row in r.rows]
    assert {row["id"]: row["older_checker"] for row in rows} == {stale["id"]: True, current["id"]: False}

    world.clock.instant = DEADLINE_AT + SETTLED
    keeper.lambda_handler({"source": "aws.scheduler", "detail": {}}, FakeContext())
    [body] = queued_checks(world)
    assert stale["upload"]["fields"]["key"] in body
    world.notifications()
    validate(body)

    [shown] = build_console(wiring.adapters()).show(stale["id"]).versions
    assert shown.verdict is not None and not shown.older_checker
    assert (shown.verdict.outcome, shown.verdict.body_pages) == ("fail", 3)
    assert object_item(world, current["id"]) == untouched
    [event] = deliver(world)
    assert event["kind"] == "verdict" and event["event_id"].endswith(":measured1")
    assert len(mails_to("old@example.org")) == 2, "the outcome changed, so the author hears of it"
    assert not any(
        i["sk"]["S"].startswith("OUTBOX#") for i in world.dynamodb.scan(TableName=world.table)["Items"]
    )

    validate(body)  # delivered twice
    assert world.notifications() == []
    assert build_console(wiring.adapters()).show(stale["id"]).versions[0].verdict == shown.verdict


def test_cfp_admin_reports_and_requeues_a_stale_check_and_the_same_outcome_mails_nobody(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale, current = create(world, "old@example.org"), create(world, "new@example.org")
    checked(world, stale, body_pages=2)
    checked(world, current, body_pages=2)
    deliver(world)
    as_an_older_measurer_left_it(world, stale["id"])
    before = object_item(world, stale["id"])
    untouched = object_item(world, current["id"])

    names = {name.upper() for name in Settings.model_fields}
    environment = {k: v for k, v in os.environ.items() if k in names}
    target = cfp_admin.Target({}, environment, wiring.client, "operator")
    monkeypatch.setattr(cfp_admin, "_local_target", lambda api_url: target)

    def admin(*command: str) -> str:
        out = io.StringIO()
        cfp_admin.main([*command, "--local"], out)
        return out.getvalue()

    key = stale["upload"]["fields"]["key"]
    assert "(measured by an older checker; checking again)" in admin("show", stale["id"])
    assert "checking again" not in admin("show", current["id"])
    assert f"measured by an older checker: {key}\n" in admin("reconcile", "--dry-run")
    assert queued_checks(world) == []
    report = admin("reconcile")
    assert "re-queued 1 checks" in report and current["upload"]["fields"]["key"] not in report
    [body] = queued_checks(world)
    world.clock.instant += timedelta(days=2)
    validate(body)

    after = object_item(world, stale["id"])
    assert after["validated_at"] != before["validated_at"]
    assert json.loads(after["verdict"]["S"])["facts"]["measurer"] == int(after["measurer"]["N"]) >= 1
    assert world.notifications() == [], "the outcome did not change: no mail, no digest line"
    assert len(mails_to("old@example.org")) == 1
    assert "checking again" not in admin("show", stale["id"])
    assert object_item(world, current["id"]) == untouched
    assert "0 things off" in admin("reconcile")


def test_cfp_admin_and_the_console_judge_a_stored_verdict_alike_when_the_page_limit_changes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = create(world, "ada@example.org")
    checked(world, created, body_pages=3)

    def both_read() -> tuple[str | None, str]:
        """The verdict as the API's console shows it, and the line ``cfp admin show`` prints for it,
        each reading the settings of the moment (the API's environment, which the operator's tool reads)."""
        names = {name.upper() for name in Settings.model_fields}
        environment = {k: v for k, v in os.environ.items() if k in names}
        monkeypatch.setattr(
            cfp_admin,
            "_local_target",
            lambda api_url: cfp_admin.Target({}, environment, wiring.client, "ops"),
        )
        out = io.StringIO()
        assert cfp_admin.main(["show", created["id"], "--local"], out) == 0, out.getvalue()
        [shown] = build_console(wiring.adapters()).show(created["id"]).versions
        [line] = [row for row in out.getvalue().splitlines() if row.lstrip().startswith("v1 ")]
        return (shown.verdict.outcome if shown.verdict else None), line

    outcome, line = both_read()
    assert outcome == "fail" and " fail " in line and "too_many_body_pages" in line

    monkeypatch.setenv("MAX_BODY_PAGES", "3")
    wiring.reset()
    wiring.use_clock(world.clock)
    outcome, line = both_read()
    assert outcome == "pass" and " pass " in line and "too_many_body_pages" not in line
