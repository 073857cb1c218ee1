"""An extension opens the call again for one submission only, to the second."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from cfp import wiring
from cfp.bootstrap import build_console_changes
from cfp.console_views import ExtensionRequest
from cfp.errors import SubmissionNotFound
from cfp_tools.pdfs import make_abstract
from tests.support.aws import FakeContext, http_event, load_function, s3_event_body, s3_record, sqs_event
from tests.support.call import DEADLINE_AT
from tests.support.world import World

api = load_function("api")
validator = load_function("validator")
BODY = {"title": "T", "authors": [{"name": "A"}], "contact_email": "a@example.org", "abstract": "x"}


def call(method: str, path: str, token: str | None = None, body: Any = None) -> tuple[int, Any]:
    response = api.lambda_handler(http_event(method, path, body, token), FakeContext())
    return response["statusCode"], json.loads(response["body"])


def test_extension_applies_to_the_api_the_presigned_expiry_and_the_late_check(world: World) -> None:
    _, lucky = call("POST", "/submissions", body=BODY)
    _, other = call("POST", "/submissions", body=BODY)
    until = DEADLINE_AT + timedelta(days=2)
    with pytest.raises(SubmissionNotFound, match="nosuchid00"):
        build_console_changes(wiring.adapters()).extend(
            ExtensionRequest(ids=[lucky["id"], "nosuchid00"], until=until), "chair"
        )
    assert build_console_changes(wiring.adapters()).extend(
        ExtensionRequest(ids=[lucky["id"]], until=until), "chair"
    ) == [lucky["id"]]

    world.clock.instant = DEADLINE_AT + timedelta(days=1)
    assert call("POST", f"/submissions/{other['id']}/upload-url", other["token"])[0] == 403
    status, issued = call("POST", f"/submissions/{lucky['id']}/upload-url", lucky["token"])
    assert status == 200
    assert datetime.fromisoformat(issued["upload"]["expires_at"]) == world.clock.now() + timedelta(minutes=15)
    assert call("GET", f"/submissions/{lucky['id']}", lucky["token"])[1]["deadline"] == until.isoformat()

    key = issued["upload"]["fields"]["key"]
    put = world.s3.put_object(Bucket=world.bucket, Key=key, Body=make_abstract(1))
    record = s3_record(world.bucket, key, 1, put["ETag"].strip('"'), world.clock.now(), put.get("VersionId"))
    validator.lambda_handler(sqs_event([s3_event_body(record)]), FakeContext())
    state = call("GET", f"/submissions/{lucky['id']}", lucky["token"])[1]
    assert state["versions"][1]["late"] is False and state["current_version"] == 2

    world.clock.instant = until + timedelta(seconds=1)
    assert call("POST", f"/submissions/{lucky['id']}/upload-url", lucky["token"])[0] == 403


def test_who_granted_an_extension_and_when_is_read_back(world: World) -> None:
    _, created = call("POST", "/submissions", body=BODY)
    granted_at = world.clock.now()
    build_console_changes(wiring.adapters()).extend(
        ExtensionRequest(ids=[created["id"]], until=DEADLINE_AT + timedelta(days=3)), "pc-chair"
    )
    submission, _ = wiring.adapters().store.get(created["id"])
    assert submission.extension_until == DEADLINE_AT + timedelta(days=3)
    assert (submission.extension_granted_by, submission.extension_granted_at) == ("pc-chair", granted_at)
