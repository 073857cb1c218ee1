"""The functions' handlers driven as API Gateway, S3 and SQS drive them, against a ``World`` in moto: API
calls, uploads, deliveries of queued notifications, an organizer's sign-in, releases, final uploads,
archives, and the mails SES was asked to send."""

from __future__ import annotations

import email
import io
import json
import os
import re
import zipfile
from collections.abc import Callable
from email.message import Message
from typing import Any

import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from cfp import wiring
from cfp.settings import Settings
from cfp_tools import admin as cfp_admin
from cfp_tools.pdfs import make_abstract
from tests.support.aws import FakeContext, http_event, load_function, s3_event_body, s3_record, sqs_event
from tests.support.stories import text_of
from tests.support.world import World

api = load_function("api")
signin_function = load_function("signin")
validator = load_function("validator")
notifier = load_function("notifier")
releaser = load_function("releaser")

CHAIR = "chair@example.org"


def sent() -> list[Message]:
    """Every mail SES was asked to send, in order."""
    backend = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    return [email.message_from_string(m.raw_data) for m in backend.sent_messages]


def call(
    method: str,
    path: str,
    body: Any = None,
    cookie: str | None = None,
    headers: dict[str, str] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    event = http_event(method, path, body, token, headers=headers)
    if "?" in path:
        event["rawPath"], _, event["rawQueryString"] = path.partition("?")
        event["requestContext"]["http"]["path"] = event["rawPath"]
        event["queryStringParameters"] = dict(p.split("=", 1) for p in event["rawQueryString"].split("&"))
    if cookie is not None:
        event["cookies"] = [f"cfp_organizer={cookie}"]
    response: dict[str, Any] = api.lambda_handler(event, FakeContext())
    return response


def body_of(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]) if response.get("body") else None


def create(contact: str = "ada@example.org", title: str = "Learned Index Structures") -> dict[str, Any]:
    response = call(
        "POST",
        "/submissions",
        {
            "title": title,
            "authors": [{"name": "Ada Lovelace", "email": contact}],
            "contact_email": contact,
            "abstract": "We index things.",
        },
    )
    assert response["statusCode"] == 201, response
    return dict(body_of(response))


def upload(world: World, created: dict[str, Any], body_pages: int = 2) -> None:
    key = created["upload"]["fields"]["key"]
    put = world.s3.put_object(Bucket=world.bucket, Key=key, Body=make_abstract(body_pages))
    record = s3_record(world.bucket, key, 1, put["ETag"].strip('"'), world.clock.now(), put.get("VersionId"))
    validator.lambda_handler(sqs_event([s3_event_body(record)]), FakeContext())


def mail_sign_in_links(world: World) -> None:
    """Run the sign-in function on the requests the API queued, as its event source would."""
    requests = world.sign_in_requests()
    if requests:
        result = signin_function.lambda_handler(sqs_event(requests, "sign-in"), FakeContext())
        assert result["batchItemFailures"] == [], result


def link_secret(to: str = CHAIR) -> str:
    mails = [m for m in sent() if m["To"] == to and "Sign in" in m["Subject"]]
    assert mails, [m["Subject"] for m in sent()]
    found = re.search(r"/organizers#signin=(\S+)", text_of(mails[-1]))
    assert found, text_of(mails[-1])
    return found.group(1)


def sign_in(world: World, address: str = CHAIR) -> str:
    """A session cookie for ``address``, from a link asked for, mailed and redeemed."""
    assert call("POST", "/organizers/sign-in", {"email": address})["statusCode"] == 202
    mail_sign_in_links(world)
    response = call("POST", "/organizers/session", {"secret": link_secret(address)})
    assert response["statusCode"] == 200, response
    [cookie] = response["cookies"]
    return str(cookie.split(";")[0].partition("=")[2])


def admin_runner(monkeypatch: pytest.MonkeyPatch, operator: str = "operator") -> Callable[..., str]:
    """``cfp admin`` against this test's stack (its environment and clients); each call answers what the
    command printed, and fails the test unless it exits 0."""
    names = {name.upper() for name in Settings.model_fields}
    environment = {k: v for k, v in os.environ.items() if k in names}
    target = cfp_admin.Target({}, environment, wiring.client, operator)
    monkeypatch.setattr(cfp_admin, "_local_target", lambda api_url: target)

    def admin(*command: str) -> str:
        out = io.StringIO()
        assert cfp_admin.main([*command, "--local"], out) == 0, out.getvalue()
        return out.getvalue()

    return admin


def deliver(world: World, receive_count: int = 1) -> dict[str, Any]:
    """Run the notifier on every notification queued, as its event source would."""
    bodies = [json.dumps(n) for n in world.notifications()]
    result: dict[str, Any] = notifier.lambda_handler(
        sqs_event(bodies, "notifications", receive_count), FakeContext()
    )
    return result


def decide_and_release(world: World, cookie: str, ids: list[str], decision: str) -> None:
    """Decide on ``ids``, release the decisions and mail them, as an organizer and the functions do."""
    answer = call("POST", "/organizers/decisions", {"ids": ids, "decision": decision}, cookie=cookie)
    assert answer["statusCode"] == 200, answer
    preview = body_of(call("POST", "/organizers/releases", cookie=cookie))
    call("POST", f"/organizers/releases/{preview['release_id']}/send", cookie=cookie)
    for job in world.drain(world.release_queue_url):
        releaser.lambda_handler(sqs_event([json.dumps(job)], "releases"), FakeContext())
    deliver(world)


def final_upload(world: World, created: dict[str, Any], kind: str, data: bytes) -> dict[str, Any]:
    """Ask for a final upload URL, store ``data`` where it points, and run the validator on S3's event."""
    answer = call(
        "POST", f"/submissions/{created['id']}/final-upload-url", {"kind": kind}, token=created["token"]
    )
    assert answer["statusCode"] == 201, answer
    ticket = body_of(answer)["upload"]
    key = ticket["fields"]["key"]
    put = world.s3.put_object(Bucket=world.bucket, Key=key, Body=data)
    record = s3_record(
        world.bucket, key, len(data), put["ETag"].strip('"'), world.clock.now(), put.get("VersionId")
    )
    result = validator.lambda_handler(sqs_event([s3_event_body(record)]), FakeContext())
    assert result["batchItemFailures"] == []
    return dict(ticket)


def queued(world: World, variable: str) -> list[dict[str, Any]]:
    """Take every message off a queue, as Lambda's event source would."""
    url = os.environ[variable]
    taken: list[dict[str, Any]] = []
    while True:
        got = world.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        if not got.get("Messages"):
            return taken
        for message in got["Messages"]:
            taken.append(message)
            world.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def build(world: World, bodies: list[str], receive_count: int = 1) -> dict[str, Any]:
    """Run the archiver on archive jobs, as its event source would."""
    event = sqs_event(bodies, "archives", receive_count)
    result: dict[str, Any] = load_function("archiver").lambda_handler(
        event, FakeContext(remaining_ms=900_000)
    )
    return result


def zip_entries(world: World, job_id: str) -> dict[str, bytes]:
    """The files of an archive the archiver wrote, by name."""
    data = world.s3.get_object(Bucket=world.bucket, Key=f"archives/{job_id}.zip")["Body"].read()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
