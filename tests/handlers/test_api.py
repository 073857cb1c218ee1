"""The submissions API contract, route by route, against moto."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.aws import FakeContext, http_event, load_function
from tests.support.call import DEADLINE, DEADLINE_AT
from tests.support.world import World

api = load_function("api")

NEW = {
    "title": "Learned Index Structures on GPUs",
    "authors": [
        {"name": "Ada Lovelace", "email": "ada@example.org", "affiliation": "Analytical Engines"},
        {"name": "Émile Noether", "affiliation": "Göttingen"},
    ],
    "contact_email": "Ada@Example.org",
    "abstract": "We index things.\nFast.",
}


def call(method: str, path: str, body: Any = None, token: str | None = None, **kw: Any) -> tuple[int, Any]:
    response = api.lambda_handler(http_event(method, path, body, token, **kw), FakeContext())
    payload = response["body"]
    return response["statusCode"], json.loads(payload) if payload else None


def create(world: World) -> dict[str, Any]:
    status, body = call("POST", "/submissions", NEW)
    assert status == 201, body
    result: dict[str, Any] = body
    return result


def test_create_returns_id_token_and_a_presigned_post(world: World) -> None:
    body = create(world)
    assert body["status"] == "awaiting_upload"
    assert body["contact_email"] == "ada@example.org"
    assert body["verdict"] is None
    upload = body["upload"]
    assert upload["max_bytes"] == 10 * 1024 * 1024
    assert upload["fields"]["key"] == f"uploads/{body['id']}/v1.pdf"
    assert upload["fields"]["Content-Type"] == "application/pdf"
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))
    conditions = policy["conditions"]
    assert {"bucket": world.bucket} in conditions
    assert ["eq", "$key", f"uploads/{body['id']}/v1.pdf"] in conditions
    assert ["content-length-range", 1, 10 * 1024 * 1024] in conditions
    assert ["eq", "$Content-Type", "application/pdf"] in conditions
    assert datetime.fromisoformat(upload["expires_at"]) == world.clock.now() + timedelta(minutes=15)
    assert [n["kind"] for n in world.notifications()] == ["submitted"]


def test_token_is_stored_only_as_a_hash(world: World) -> None:
    body = create(world)
    items = world.dynamodb.scan(TableName=world.table)["Items"]
    assert body["token"] not in json.dumps(items)


def test_read_requires_the_token(world: World) -> None:
    body = create(world)
    assert call("GET", f"/submissions/{body['id']}")[0] == 401
    assert call("GET", f"/submissions/{body['id']}", token="wrong")[0] == 401
    status, read = call("GET", f"/submissions/{body['id']}", token=body["token"])
    assert status == 200
    assert read["title"] == NEW["title"]
    assert read["authors"][1]["name"] == "Émile Noether"
    assert read["versions"][0]["version"] == 1
    assert call("GET", "/submissions/nosuchthing", token=body["token"])[0] == 401


def test_bad_input_names_every_field_at_fault(world: World) -> None:
    status, body = call("POST", "/submissions", {"title": "", "authors": [], "contact_email": "nope"})
    assert status == 422
    fields = {f["field"] for f in body["fields"]}
    assert {"title", "authors", "contact_email", "abstract"} <= fields
    status, body = call("POST", "/submissions", raw_body="{not json")
    assert status == 422
    status, body = call("POST", "/submissions", {**NEW, "title": "Evil\r\nBcc: x@example.org"})
    assert status == 422 and body["fields"][0]["field"] == "title"
    status, body = call("POST", "/submissions", {**NEW, "surprise": 1})
    assert status == 422


def test_addresses_ses_cannot_deliver_to_are_refused(world: World) -> None:
    for address in ("jörg@uni.de", "a..b@x.org", ".a@x.org", "a@x.-org"):
        status, body = call("POST", "/submissions", {**NEW, "contact_email": address})
        assert status == 422, address
        assert body["fields"][0]["field"] == "contact_email"
        assert "e-mail address such as name@example.org" in body["fields"][0]["problem"]
    authors = [{"name": "Jörg", "email": "jörg@münchen.de"}]
    status, body = call("POST", "/submissions", {**NEW, "authors": authors})
    assert status == 422 and body["fields"][0]["field"] == "authors.0.email"
    assert "Internationalized characters before the @-sign" in body["fields"][0]["problem"]
    status, body = call("POST", "/submissions", {**NEW, "contact_email": "jorg@münchen.de"})
    assert status == 201 and body["contact_email"] == "jorg@xn--mnchen-3ya.de"


def test_oversized_request_body_is_refused(world: World) -> None:
    status, body = call("POST", "/submissions", {**NEW, "abstract": "x" * 70_000})
    assert status == 413
    assert body["error"] == "request_too_large"


def test_new_upload_url_issues_the_next_version(world: World) -> None:
    body = create(world)
    status, issued = call("POST", f"/submissions/{body['id']}/upload-url", token=body["token"])
    assert status == 200
    assert issued["upload"]["version"] == 2
    assert issued["upload"]["fields"]["key"] == f"uploads/{body['id']}/v2.pdf"


def test_patch_edits_metadata(world: World) -> None:
    body = create(world)
    status, edited = call(
        "PATCH", f"/submissions/{body['id']}", {"title": "A Better Title"}, token=body["token"]
    )
    assert status == 200
    assert edited["title"] == "A Better Title"
    assert edited["abstract"] == NEW["abstract"]
    assert call("PATCH", f"/submissions/{body['id']}", {}, token=body["token"])[0] == 422
    assert call("PATCH", f"/submissions/{body['id']}", {"title": None}, token=body["token"])[0] == 422


def test_withdraw_keeps_the_record_and_blocks_edits(world: World) -> None:
    body = create(world)
    status, withdrawn = call("DELETE", f"/submissions/{body['id']}", token=body["token"])
    assert status == 200 and withdrawn["status"] == "withdrawn"
    status, _refused = call("PATCH", f"/submissions/{body['id']}", {"title": "Again"}, token=body["token"])
    assert status == 409
    assert call("POST", f"/submissions/{body['id']}/upload-url", token=body["token"])[0] == 409
    assert call("GET", f"/submissions/{body['id']}", token=body["token"])[1]["status"] == "withdrawn"


@pytest.mark.parametrize(
    ("offset", "open_"),
    [(timedelta(seconds=0), True), (timedelta(seconds=1), False)],
    ids=["23:59:59 AoE", "00:00:00 AoE"],
)
def test_deadline_to_the_second(world: World, offset: timedelta, open_: bool) -> None:
    body = create(world)
    world.clock.instant = DEADLINE_AT + offset
    status, created = call("POST", "/submissions", NEW)
    status_url, url = call("POST", f"/submissions/{body['id']}/upload-url", token=body["token"])
    if open_:
        assert (status, status_url) == (201, 200)
        # The URL lives through the whole last second: it stops working at 00:00:00 AoE.
        assert datetime.fromisoformat(url["upload"]["expires_at"]) == DEADLINE_AT + timedelta(seconds=1)
    else:
        assert (status, status_url) == (403, 403)
        assert created["error"] == "call_closed"
        assert created["closed_at"] == DEADLINE
        assert "2017-08-31 23:59:59 AoE" in created["message"]
        assert call("GET", f"/submissions/{body['id']}", token=body["token"])[0] == 200
        assert call("DELETE", f"/submissions/{body['id']}", token=body["token"])[0] == 200


def test_upload_url_never_outlives_the_deadline(world: World) -> None:
    world.clock.instant = datetime.fromisoformat("2017-08-31T23:55:00-12:00")
    body = create(world)
    assert datetime.fromisoformat(body["upload"]["expires_at"]) == datetime.fromisoformat(
        "2017-09-01T00:00:00-12:00"
    )


def test_the_signed_policy_lives_as_long_as_the_answer_says(world: World) -> None:
    """S3 enforces the policy's own expiration, written in whole seconds from the signing instant: it must
    not end before the ``expires_at`` the API reports (4 min 59.6 s here, so rounding down would lose)."""
    world.clock.instant = DEADLINE_AT - timedelta(minutes=4, seconds=58, milliseconds=600)
    signed_after = datetime.now(UTC).replace(microsecond=0)
    body = create(world)
    policy = json.loads(base64.b64decode(body["upload"]["fields"]["policy"]))
    expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert expiration - signed_after >= timedelta(minutes=4, seconds=60)


def test_unknown_route_is_404(world: World) -> None:
    assert call("GET", "/nothing-here")[0] == 404


def test_an_edit_after_the_deadline_is_refused_and_changes_nothing(world: World) -> None:
    body = create(world)
    world.clock.instant = DEADLINE_AT + timedelta(seconds=1)
    status, refused = call("PATCH", f"/submissions/{body['id']}", {"title": "Too late"}, token=body["token"])
    assert (status, refused["error"]) == (403, "call_closed")
    assert call("GET", f"/submissions/{body['id']}", token=body["token"])[1]["title"] == body["title"]


def test_a_stranger_is_refused_before_the_input_is_judged(world: World) -> None:
    body = create(world)
    bad = {"contact_email": "not an address"}
    assert call("PATCH", f"/submissions/{body['id']}", bad)[0] == 401
    assert call("PATCH", f"/submissions/{body['id']}", bad, token="wrong")[0] == 401
    assert call("PATCH", "/submissions/NOT-AN-ID", bad, token=body["token"])[0] == 401
    assert call("GET", "/submissions/NOT-AN-ID")[0] == 401
    status, answer = call("PATCH", f"/submissions/{body['id']}", bad, token=body["token"])
    assert status == 422 and answer["fields"][0]["field"] == "contact_email"


def test_undeclared_methods_get_a_json_405_naming_the_allowed_ones(world: World) -> None:
    body = create(world)
    for method, path, allowed in (
        ("PUT", f"/submissions/{body['id']}", "DELETE, GET, PATCH"),
        ("TRACE", "/submissions", "POST"),
        ("GET", f"/submissions/{body['id']}/upload-url", "POST"),
    ):
        response = api.lambda_handler(http_event(method, path, token=body["token"]), FakeContext())
        assert response["statusCode"] == 405, (method, path)
        assert response["headers"]["Allow"] == allowed
        assert json.loads(response["body"])["error"] == "method_not_allowed"
    status, answer = call("GET", "/nowhere")
    assert status == 404 and answer["error"] == "not_found"


def test_only_json_bodies_are_read(world: World) -> None:
    for content_type in ("multipart/form-data", "application/x-www-form-urlencoded", "text/plain"):
        status, answer = call("POST", "/submissions", NEW, headers={"content-type": content_type})
        assert (status, answer["error"]) == (415, "unsupported_media_type"), content_type
    status, _ = call("POST", "/submissions", NEW, headers={"content-type": "application/json; charset=utf-8"})
    assert status == 201


def test_the_schema_states_the_text_rules_the_api_applies(world: World) -> None:
    document = json.loads(api.openapi_json())["components"]["schemas"]["SubmissionCreate"]["properties"]
    line, text = document["title"]["pattern"], document["abstract"]["pattern"]
    for title, accepted in (("Tabs\tare fine", True), ("No\x0econtrols", False), ("No\nbreaks", False)):
        assert bool(re.match(line, title)) is accepted
        assert (call("POST", "/submissions", {**NEW, "title": title})[0] == 201) is accepted, title
    for abstract, accepted in (("Two\r\nlines\n\tindented", True), ("Lone\rreturn", False), ("\x1cP", False)):
        assert bool(re.match(text, abstract)) is accepted
        assert (call("POST", "/submissions", {**NEW, "abstract": abstract})[0] == 201) is accepted, abstract
